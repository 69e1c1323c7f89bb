// The dashboard's counts (驾驶舱), kept by PostgreSQL as items change (migration 0017), so a dashboard
// reads a few thousand tallies instead of every item in the reader's scope: at a million items one
// pass over the items cost PostgreSQL seconds.
//
// A tally counts the items sharing every key the dashboard groups or filters by. A trigger on `items`
// appends a change (-1 for the row's old key, +1 for its new one) in the same transaction as the row,
// only when a key moved; `fold_item_tallies()` (a recurring job, workers/tally-fold.ts) sums the
// changes into the tallies. A reader adds both: the counts are exact at every instant, whatever wrote
// the row (a command, the sweep, an import, psql) and however it stopped.
import { boolean, date, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';

const tallyKey = () => ({
  campaignId: uuid('campaign_id').notNull(),
  /** The item's scope_paths: a reader's scope test is the items' own (`scope_paths @> {their path}`). */
  scopePaths: text('scope_paths').array().notNull(),
  categoryId: uuid('category_id'),
  status: text('status').notNull(),
  responsibleUnitId: uuid('responsible_unit_id'),
  /** First day of the month (Asia/Shanghai) the item was reported in, and closed in. */
  reportedMonth: date('reported_month', { mode: 'string' }).notNull(),
  closedMonth: date('closed_month', { mode: 'string' }),
  overdue: boolean('overdue').notNull(),
  flagged: boolean('flagged').notNull(),
  /** 督办 level of a flagged item ('duban' | 'guapai'); null when not flagged. */
  supervisionLevel: text('supervision_level'),
  /** A flagged item past its 督办 due date. */
  supervisionOverdue: boolean('supervision_overdue').notNull(),
  n: integer('n').notNull(),
});

/** The folded counts: one row per key, n > 0. */
export const itemTallies = pgTable('item_tallies', tallyKey(), (t) => [
  unique('item_tallies_key')
    .on(
      t.campaignId,
      t.scopePaths,
      t.categoryId,
      t.status,
      t.responsibleUnitId,
      t.reportedMonth,
      t.closedMonth,
      t.overdue,
      t.flagged,
      t.supervisionLevel,
      t.supervisionOverdue,
    )
    .nullsNotDistinct(),
]);

/** Changes not folded yet: appended by the trigger on `items`, n = -1 or +1. */
export const itemTallyChanges = pgTable('item_tally_changes', tallyKey());
