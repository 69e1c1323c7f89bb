// Ledger aggregates for the dashboard (驾驶舱): counts by status, by responsible unit, by category and
// by month, over the rows the reader may see — the same scope and filters as the ledger list, so a
// number on the dashboard and the ledger rows it links to always agree. Summed from the tallies
// PostgreSQL keeps as items change (db/schema/tallies.ts), not counted from the items each time.
import { and, arrayContains, eq, type SQL, sql } from 'drizzle-orm';
import { alias, unionAll } from 'drizzle-orm/pg-core';
import { DEADLINE_RUNNING } from '../../domain/item/deadline.ts';
import type { DbOrTx } from '../client.ts';
import { categories, itemTallies, itemTallyChanges, orgUnits } from '../schema.ts';
import type { Reader } from './items.ts';

interface StatsFilters {
  campaignId?: string;
  categoryId?: string;
}

interface Counts {
  total: number;
  overdue: number;
  closed: number;
  verified: number;
  dismissed: number;
}

const responsible = alias(orgUnits, 'responsible');

/** The five counts of a group, without its keys. */
const counts = ({ total, overdue, closed, verified, dismissed }: Counts): Counts => ({
  total,
  overdue,
  closed,
  verified,
  dismissed,
});

/** The one statement behind the dashboard: its groups, by GROUPING SETS (ledgerStats shapes them). */
export function ledgerStatsQuery(db: DbOrTx, reader: Reader, f: StatsFilters) {
  // The tallies the trigger on items keeps (db/schema/tallies.ts), folded and not yet folded: exact at
  // this statement's snapshot, and a few thousand rows where the items are a million.
  const part = (t: typeof itemTallies | typeof itemTallyChanges) =>
    db
      .select({
        scopePaths: t.scopePaths,
        categoryId: t.categoryId,
        status: t.status,
        unitId: t.responsibleUnitId,
        reportedMonth: t.reportedMonth,
        closedMonth: t.closedMonth,
        overdue: t.overdue,
        flagged: t.flagged,
        supervisionLevel: t.supervisionLevel,
        supervisionOverdue: t.supervisionOverdue,
        n: t.n,
      })
      .from(t)
      .where(
        and(
          reader.scopePath === null ? undefined : arrayContains(t.scopePaths, [reader.scopePath]),
          f.campaignId ? eq(t.campaignId, f.campaignId) : undefined,
          f.categoryId ? eq(t.categoryId, f.categoryId) : undefined,
        ),
      );
  const tallies = unionAll(part(itemTallies), part(itemTallyChanges)).as('tallies');
  const sumWhere = (cond: SQL) => sql<number>`coalesce(sum(${tallies.n}) filter (where ${cond}), 0)::int`;
  // Grouped five ways at once (GROUPING SETS), by ids and months only: the names are joined to the few
  // groups afterwards. Groups whose items all moved away (changes not folded yet) sum to 0 and are left out.
  const groups = db.$with('groups').as(
    db
      .select({
        // 0 where the row groups by that set's key (grouping() is 1 for a key the set leaves out)
        byStatus: sql<number>`grouping(${tallies.status})`.as('by_status'),
        byUnit: sql<number>`grouping(${tallies.unitId})`.as('by_unit'),
        byCategory: sql<number>`grouping(${tallies.categoryId})`.as('by_category'),
        byReported: sql<number>`grouping(${tallies.reportedMonth})`.as('by_reported'),
        byClosed: sql<number>`grouping(${tallies.closedMonth})`.as('by_closed'),
        status: tallies.status,
        unitId: tallies.unitId,
        categoryId: tallies.categoryId,
        reportedMonth: tallies.reportedMonth,
        closedMonth: tallies.closedMonth,
        total: sql<number>`sum(${tallies.n})::int`.as('total'),
        // overdue as every screen counts it (overdueNow): missed, still with the unit
        overdue: sumWhere(
          sql`${tallies.overdue} and ${tallies.status} in (${sql.join(
            DEADLINE_RUNNING.map((s) => sql`${s}`),
            sql`, `,
          )})`,
        ).as('overdue'),
        closed: sumWhere(sql`${tallies.status} = 'closed'`).as('closed'),
        verified: sumWhere(sql`${tallies.status} = 'verified'`).as('verified'),
        dismissed: sumWhere(sql`${tallies.status} = 'dismissed'`).as('dismissed'),
        flagged: sumWhere(sql`${tallies.flagged}`).as('flagged'),
        duban: sumWhere(sql`${tallies.supervisionLevel} = 'duban'`).as('duban'),
        guapai: sumWhere(sql`${tallies.supervisionLevel} = 'guapai'`).as('guapai'),
        supervisionOverdue: sumWhere(sql`${tallies.supervisionOverdue}`).as('supervision_overdue'),
      })
      .from(tallies)
      .groupBy(
        sql`grouping sets ((${tallies.status}), (${tallies.unitId}), (${tallies.categoryId}), (${tallies.reportedMonth}), (${tallies.closedMonth}))`,
      )
      .having(sql`sum(${tallies.n}) <> 0`),
  );
  return db
    .with(groups)
    .select({
      byStatus: groups.byStatus,
      byUnit: groups.byUnit,
      byCategory: groups.byCategory,
      byReported: groups.byReported,
      byClosed: groups.byClosed,
      status: groups.status,
      unitId: groups.unitId,
      unitName: responsible.name,
      categoryId: groups.categoryId,
      categoryName: categories.name,
      sortOrder: categories.sortOrder,
      reportedMonth: sql<string | null>`to_char(${groups.reportedMonth}, 'YYYY-MM')`,
      closedMonth: sql<string | null>`to_char(${groups.closedMonth}, 'YYYY-MM')`,
      total: groups.total,
      overdue: groups.overdue,
      closed: groups.closed,
      verified: groups.verified,
      dismissed: groups.dismissed,
      flagged: groups.flagged,
      duban: groups.duban,
      guapai: groups.guapai,
      supervisionOverdue: groups.supervisionOverdue,
    })
    .from(groups)
    .leftJoin(responsible, eq(responsible.id, groups.unitId))
    .leftJoin(categories, eq(categories.id, groups.categoryId));
}

export async function ledgerStats(db: DbOrTx, reader: Reader, f: StatsFilters) {
  const rows = await ledgerStatsQuery(db, reader, f);
  const byStatus = rows.filter((r) => r.byStatus === 0);
  const byUnit = rows
    .filter((r) => r.byUnit === 0)
    .map((r) => ({ unitId: r.unitId, unitName: r.unitName, ...counts(r) }));
  const byCategory = rows
    .filter((r) => r.byCategory === 0)
    // as ORDER BY sort_order would: items without a category last
    .sort((a, b) => (a.sortOrder ?? Number.POSITIVE_INFINITY) - (b.sortOrder ?? Number.POSITIVE_INFINITY))
    .map((r) => ({ categoryId: r.categoryId, categoryName: r.categoryName, ...counts(r) }));
  const reportedByMonth = rows.filter((r) => r.byReported === 0).map((r) => ({ month: r.reportedMonth!, n: r.total }));
  const closedByMonth = rows
    .filter((r) => r.byClosed === 0 && r.closedMonth !== null)
    .map((r) => ({ month: r.closedMonth!, n: r.total }));
  // 督办, counted in the same pass: the status groups together hold every row once.
  const supervised = byStatus.reduce(
    (t, r) => ({
      flagged: t.flagged + r.flagged,
      duban: t.duban + r.duban,
      guapai: t.guapai + r.guapai,
      overdue: t.overdue + r.supervisionOverdue,
    }),
    { flagged: 0, duban: 0, guapai: 0, overdue: 0 },
  );
  const statusCounts: Record<string, number> = {};
  for (const r of byStatus) statusCounts[r.status] = r.total;
  const total = byStatus.reduce((s, r) => s + r.total, 0);
  const overdue = byUnit.reduce((s, r) => s + r.overdue, 0);
  const months = [...new Set([...reportedByMonth.map((r) => r.month), ...closedByMonth.map((r) => r.month)])].sort();
  return {
    totals: {
      total,
      overdue,
      flagged: supervised.flagged,
      supervision: { duban: supervised.duban, guapai: supervised.guapai, overdue: supervised.overdue },
      byStatus: statusCounts,
      ...rates(statusCounts, total),
    },
    byUnit: byUnit
      .map(withRates)
      .sort(
        (a, b) =>
          b.overdue - a.overdue || b.total - a.total || (a.unitName ?? '').localeCompare(b.unitName ?? '', 'zh'),
      ),
    byCategory: byCategory.map(withRates),
    byMonth: months.map((month) => ({
      month,
      reported: reportedByMonth.find((r) => r.month === month)?.n ?? 0,
      closed: closedByMonth.find((r) => r.month === month)?.n ?? 0,
    })),
  };
}

/**
 * Two rates, kept apart on purpose (DESIGN §4: "closed" is never counted as "fixed" until the recheck
 * window has passed or the recheck succeeded): closureRate = (closed + verified) / items that count,
 * rectificationRate = verified / items that count. Dismissed items (不属实) do not count. Null when
 * nothing counts (no division by zero shown as 0 %).
 */
function rates(byStatus: Record<string, number>, total: number) {
  const counted = total - (byStatus.dismissed ?? 0);
  const closed = (byStatus.closed ?? 0) + (byStatus.verified ?? 0);
  return {
    closureRate: counted > 0 ? closed / counted : null,
    rectificationRate: counted > 0 ? (byStatus.verified ?? 0) / counted : null,
  };
}

function withRates<T extends Counts>(r: T) {
  const counted = r.total - r.dismissed;
  return {
    ...r,
    closureRate: counted > 0 ? (r.closed + r.verified) / counted : null,
    rectificationRate: counted > 0 ? r.verified / counted : null,
  };
}
