// Request and response shapes for the dashboard figures (zod), beside routes.ts which says what each route does.
import { z } from 'zod';

export const rate = z.number().min(0).max(1).nullable();

const counts = {
  total: z.number().int(),
  overdue: z.number().int(),
  closed: z.number().int(),
  verified: z.number().int(),
  dismissed: z.number().int(),
  closureRate: rate.describe('(closed + verified) / (total − dismissed)'),
  rectificationRate: rate.describe('verified / (total − dismissed)'),
};

export const statsSchema = z
  .object({
    totals: z.object({
      total: z.number().int(),
      overdue: z.number().int(),
      flagged: z.number().int(),
      supervision: z
        .object({ duban: z.number().int(), guapai: z.number().int(), overdue: z.number().int() })
        .describe('flagged items per 督办 level (督办, 挂牌督办), and those past their 督办 deadline'),
      byStatus: z.record(z.string(), z.number().int()).describe('item count per status'),
      closureRate: rate.describe('销号率: (closed + verified) / (total − dismissed)'),
      rectificationRate: rate.describe(
        '整改完成率: verified / (total − dismissed) — closed items count once rechecked or their recheck window passed',
      ),
    }),
    byUnit: z.array(
      z.object({
        unitId: z.string().nullable().describe('null: not yet assigned'),
        unitName: z.string().nullable(),
        ...counts,
      }),
    ),
    byCategory: z.array(
      z.object({ categoryId: z.string().nullable(), categoryName: z.string().nullable(), ...counts }),
    ),
    byMonth: z.array(
      z.object({
        month: z.string().describe('YYYY-MM, Asia/Shanghai'),
        reported: z.number().int(),
        closed: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'LedgerStats' });

/** GET /stats/ledger */
export const getStatsLedger = {
  querystring: z.strictObject({ campaignId: z.uuid().optional(), categoryId: z.uuid().optional() }),
};
