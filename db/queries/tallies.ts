// The dashboard's tallies (db/schema/tallies.ts): the fold and the rebuild, both PostgreSQL functions
// of migration 0017.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';

/** Sum the changes appended since the last fold into the tallies; the number of tallies touched (0 while another fold runs). */
export async function foldTallies(db: DbOrTx): Promise<number> {
  const r = await db.execute<{ touched: string }>(sql`select fold_item_tallies() as touched`);
  return Number(r.rows[0]!.touched);
}

/** A key whose tally (folded and not) is not the number of items under it. */
export interface TallyDrift {
  campaignId: string;
  status: string;
  responsibleUnitId: string | null;
  categoryId: string | null;
  reportedMonth: string;
  /** What the dashboard shows, and what the items hold. */
  kept: number;
  counted: number;
}

const KEY = sql.raw(`campaign_id, scope_paths, category_id, status, responsible_unit_id, reported_month, closed_month,
  overdue, flagged, supervision_level, supervision_overdue`);

/** The keys where the tallies and a count of the items disagree (none when all is well), in one statement. */
export async function tallyDrift(db: DbOrTx, campaignId?: string): Promise<TallyDrift[]> {
  const only = (t: string) => (campaignId ? sql`where ${sql.raw(t)}.campaign_id = ${campaignId}` : sql``);
  const r = await db.execute<{
    campaign_id: string;
    status: string;
    responsible_unit_id: string | null;
    category_id: string | null;
    reported_month: string;
    kept: number;
    counted: number;
  }>(sql`
    select campaign_id, status, responsible_unit_id, category_id, reported_month::text,
           sum(kept)::int kept, sum(counted)::int counted
    from (
      select ${KEY}, n kept, 0 counted from item_tallies t ${only('t')}
      union all
      select ${KEY}, n, 0 from item_tally_changes c ${only('c')}
      union all
      select campaign_id, scope_paths, category_id, status, responsible_unit_id, item_tally_month(reported_at),
             item_tally_month(closed_at), overdue, flagged, item_supervision_level(flagged, state),
             item_supervision_overdue(flagged, state), 0, 1
      from items i ${only('i')}
    ) k
    group by ${KEY}
    having sum(kept) <> sum(counted)
    order by campaign_id, status, reported_month`);
  return r.rows.map((x) => ({
    campaignId: x.campaign_id,
    status: x.status,
    responsibleUnitId: x.responsible_unit_id,
    categoryId: x.category_id,
    reportedMonth: x.reported_month,
    kept: x.kept,
    counted: x.counted,
  }));
}
