// The round routes' request and response shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';
import { INDICATORS, type IndicatorKey, schemeSchema, scoreLineSchema } from '../../../domain/ranking/scheme.ts';

export const idParams = z.object({ id: z.uuid() });
export const unitParams = z.object({ id: z.uuid(), unitId: z.uuid() });

/** The look-back (回头看) selection, made once: db/schema/reports.ts acceptance_rounds.selection. */
export const selectionView = z.object({
  rate: z.number(),
  seed: z.string(),
  at: z.string(),
  itemIds: z.array(z.string()),
});

// The scheme and score lines are answered as stored, which is as their domain schemas output them.
export const roundView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    name: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    focusCategoryIds: z.array(z.string()),
    focusCategories: z.array(z.string()),
    lookBack: z.boolean(),
    scheme: schemeSchema,
    scoreLines: z.array(scoreLineSchema),
    selection: selectionView.nullable(),
    status: z.string(),
  })
  .meta({ id: 'AcceptanceRound' });

export const scoreSheetView = z.object({
  roundId: z.string(),
  unitId: z.string(),
  lines: z.record(z.string(), z.number()),
  veto: z.boolean(),
  vetoReason: z.string().nullable(),
  note: z.string().nullable(),
});

/** domain/ranking/score.ts Explanation, RankedLine, RankedGroup. */
const explanationView = z.object({
  indicator: z.enum(Object.keys(INDICATORS) as [IndicatorKey, ...IndicatorKey[]]),
  title: z.string(),
  numerator: z.number(),
  denominator: z.number(),
  rate: z.number().nullable(),
  value: z.number().nullable(),
  weight: z.number(),
  effectiveWeight: z.number(),
  contribution: z.number(),
  note: z.enum(['scored', 'no_data', 'below_min_volume', 'no_score_sheet']),
});
const rankedGroupView = z
  .object({
    key: z.string(),
    title: z.string(),
    lines: z.array(
      z.object({
        unitId: z.string(),
        name: z.string(),
        kind: z.string(),
        group: z.string(),
        rank: z.number(),
        groupSize: z.number(),
        score: z.number(),
        deductions: z.number(),
        veto: z.boolean(),
        vetoReason: z.string().nullable(),
        volume: z.number(),
        explanation: z.array(explanationView),
      }),
    ),
  })
  .meta({ id: 'RankedGroup' });
/** db/queries/rounds.ts Ranking. */
const rankingOf = z.object({
  roundId: z.string(),
  asOf: z.string(),
  schemeVersion: z.string(),
  groups: z.array(rankedGroupView),
  unranked: z.array(z.string()),
});
export const rankingView = rankingOf
  .extend({ published: z.boolean(), version: z.number().nullable(), correction: z.string().nullable() })
  .meta({ id: 'Ranking' });
export const publishedView = z.object({
  version: z.number(),
  accountabilityRecordIds: z.array(z.string()),
  ranking: rankingOf,
});

/** services/bulletin.ts Bulletin. */
const unitReason = z.object({ unitId: z.string(), name: z.string(), group: z.string(), reason: z.string() });
export const bulletinView = z
  .object({
    title: z.string(),
    campaign: z.string(),
    round: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    focusCategories: z.array(z.string()),
    version: z.number(),
    correction: z.string().nullable(),
    publishedAt: z.string(),
    asOf: z.string(),
    schemeVersion: z.string(),
    groups: z.array(
      z.object({
        title: z.string(),
        lines: z.array(
          z.object({ rank: z.number(), unitId: z.string(), name: z.string(), score: z.number(), veto: z.boolean() }),
        ),
      }),
    ),
    praised: z.array(unitReason),
    criticised: z.array(unitReason),
    accountability: z.array(
      z.object({ unitId: z.string(), name: z.string(), rule: z.string(), action: z.string(), status: z.string() }),
    ),
    trail: z
      .object({
        checkpointNo: z.number().int(),
        at: z.string(),
        items: z.number().int(),
        headsDigest: z.string(),
        keyId: z.string(),
        signature: z.string(),
      })
      .nullable()
      .optional()
      .describe('the signed trail checkpoint made when this version was published (zhenggai verify checks it)'),
  })
  .meta({ id: 'Bulletin' });
