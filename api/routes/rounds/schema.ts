// The round routes' request and response shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';
import { INDICATORS, type IndicatorKey, schemeSchema, scoreLineSchema } from '../../../domain/ranking/scheme.ts';

export const idParams = z.object({ id: z.uuid() });
export const focusProposal = z
  .object({
    quarter: z.number().int(),
    categoryIds: z.array(z.string()),
    categories: z.array(z.string()),
    lookBack: z.boolean(),
    basis: z.enum(['campaign', 'seed_003']),
  })
  .meta({ id: 'FocusProposal' });
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
    focusProposal: focusProposal.describe("003 §三(四): the quarter's focus from the campaign's categories"),
    focusWarnings: z
      .array(z.object({ code: z.string(), message: z.string(), categoryIds: z.array(z.string()).optional() }))
      .describe('how the round differs from the proposal (a round may differ, never silently)'),
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
  rule: z.string().optional().describe('the rule as applied, e.g. 0.25 × 80'),
});
/** domain/ranking/formula.ts FormulaLine: every line of the score, in order. */
const formulaLineView = z.object({
  key: z.string(),
  title: z.string(),
  kind: z.enum(['term', 'constant', 'deduction', 'veto', 'cap', 'rounding']),
  rate: z
    .object({
      key: z.string(),
      numerator: z.number().nullable(),
      denominator: z.number().nullable(),
      percent: z.number().nullable(),
    })
    .optional(),
  rule: z.string(),
  contribution: z.number(),
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
        tied: z.boolean().optional().describe('并列: the same rank as another unit'),
        praised: z.boolean().optional().describe('红榜: among the top N of the group'),
        named: z.boolean().optional().describe('黑榜: among the bottom N of the group'),
        lines: z
          .array(formulaLineView)
          .optional()
          .describe('the score line by line: terms, constant, deductions, veto, rounding'),
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
