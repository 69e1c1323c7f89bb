// The report routes' request and response shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';
import { accountabilitySchema } from '../../../domain/accountability/rules.ts';
import { reportCycleSchema } from '../../../domain/report/cycle.ts';

export const campaignParams = z.object({ id: z.uuid() });
export const reportParams = z.object({ id: z.uuid(), period: z.string().max(50), unitId: z.uuid() });
export const narrative = z.strictObject({
  progress: z.string().trim().min(1).max(10_000),
  problems: z.string().trim().max(10_000),
  nextSteps: z.string().trim().max(10_000),
});
export const attachments = z.array(z.string().min(1).max(200)).max(50);
export const ifMatch = z.object({ 'if-match': z.string().optional() }).loose();

/** domain/report/cycle.ts ReportPeriod. */
const periodView = z
  .object({
    period: z.string(),
    title: z.string(),
    from: z.string(),
    to: z.string(),
    opensAt: z.string(),
    dueOn: z.string(),
    dueAt: z.string(),
    dueProvisional: z.boolean(),
  })
  .meta({ id: 'ReportPeriod' });

// The cycle and the rules are answered as stored, which is as their domain schemas output them.
export const configView = z
  .object({
    campaignId: z.string(),
    cycle: reportCycleSchema,
    accountability: accountabilitySchema,
    periods: z.array(periodView),
  })
  .meta({ id: 'ReportConfig' });

/** db/queries/ledger-stats.ts StatCounts and ReportStats. */
const statCounts = z.object({
  newItems: z.number(),
  closed: z.number(),
  rectified: z.number(),
  inProgress: z.number(),
  overdue: z.number(),
  // absent in statistics frozen before late submissions were counted apart
  lateSubmitted: z.number().optional(),
  reopened: z.number(),
});
export const reportStatsView = statCounts
  .extend({
    asOf: z.string(),
    from: z.string(),
    to: z.string(),
    byCategory: z.record(z.string(), statCounts),
    bySource: z.record(z.string(), statCounts),
  })
  .meta({ id: 'ReportStats' });

const narrativeView = z.object({ progress: z.string(), problems: z.string(), nextSteps: z.string() });
/** domain/report/lifecycle.ts ReportEvent. */
const at = { at: z.string(), actorId: z.string() };
const reportEventView = z
  .discriminatedUnion('type', [
    z.object({
      ...at,
      type: z.literal('ReportDraftSaved'),
      data: z.object({ narrative: narrativeView, attachments: z.array(z.string()) }),
    }),
    z.object({
      ...at,
      type: z.literal('ReportSubmitted'),
      data: z.object({
        narrative: narrativeView,
        attachments: z.array(z.string()),
        late: z.boolean(),
        stats: reportStatsView,
      }),
    }),
    z.object({ ...at, type: z.literal('ReportReturned'), data: z.object({ reason: z.string() }) }),
    z.object({ ...at, type: z.literal('ReportAccepted'), data: z.object({ note: z.string().nullable() }) }),
  ])
  .meta({ id: 'ReportEvent' });
export const reportView = z
  .object({
    campaignId: z.string(),
    period: z.string(),
    title: z.string(),
    unitId: z.string(),
    unitName: z.string(),
    status: z.string(),
    version: z.number(),
    dueAt: z.string(),
    late: z.boolean().nullable(),
    firstSubmittedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    acceptedAt: z.string().nullable(),
    returnCount: z.number(),
    narrative: narrativeView.nullable(),
    attachments: z.array(z.string()),
    stats: reportStatsView.nullable(),
    history: z.array(reportEventView),
    allowedCommands: z.array(z.string()),
  })
  .meta({ id: 'Report' });
export const boardView = z
  .object({
    period: periodView,
    counts: z.record(z.string(), z.number()),
    units: z.array(
      z.object({
        unitId: z.string(),
        unitName: z.string(),
        unitKind: z.string(),
        status: z.string(),
        standing: z.string(),
        late: z.boolean().nullable(),
        submittedAt: z.string().nullable(),
        version: z.number(),
        returnCount: z.number(),
      }),
    ),
  })
  .meta({ id: 'ReportBoard' });
