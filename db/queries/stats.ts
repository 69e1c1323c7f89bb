// Ledger aggregates for the dashboard (驾驶舱): counts by status, by responsible unit, by category and
// by month, over the rows the reader may see — the same scope and filters as the ledger list, so a
// number on the dashboard and the ledger rows it links to always agree.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { categories, items, orgUnits } from '../schema.ts';
import { overdueNow, supervisionLevelSql, visibleTo, type Reader } from './items.ts';

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

const countColumns = {
  total: sql<number>`count(*)::int`,
  overdue: sql<number>`count(*) filter (where ${overdueNow})::int`,
  closed: sql<number>`count(*) filter (where ${items.status} = 'closed')::int`,
  verified: sql<number>`count(*) filter (where ${items.status} = 'verified')::int`,
  dismissed: sql<number>`count(*) filter (where ${items.status} = 'dismissed')::int`,
};

export async function ledgerStats(db: DbOrTx, reader: Reader, f: StatsFilters) {
  const where = and(
    visibleTo(reader),
    f.campaignId ? eq(items.campaignId, f.campaignId) : undefined,
    f.categoryId ? eq(items.categoryId, f.categoryId) : undefined,
  );
  // One pass over the reader's rows, grouped five ways at once (GROUPING SETS), by ids and month
  // starts only: the names and the month labels are joined to the few groups afterwards. Six separate
  // aggregates, each joining names to every row, cost PostgreSQL 2–3 times the CPU (bench: dashboard).
  const reportedMonth = sql`date_trunc('month', ${items.reportedAt} at time zone 'Asia/Shanghai')`;
  const closedMonth = sql`date_trunc('month', ${items.closedAt} at time zone 'Asia/Shanghai')`;
  const flaggedAnd = (cond: SQL) => sql<number>`count(*) filter (where ${items.flagged} and ${cond})::int`;
  const groups = db.$with('groups').as(
    db
      .select({
        // 0 where the row groups by that set's key (grouping() is 1 for a key the set leaves out)
        byStatus: sql<number>`grouping(${items.status})`.as('by_status'),
        byUnit: sql<number>`grouping(${items.responsibleUnitId})`.as('by_unit'),
        byCategory: sql<number>`grouping(${items.categoryId})`.as('by_category'),
        byReported: sql<number>`grouping(${reportedMonth})`.as('by_reported'),
        byClosed: sql<number>`grouping(${closedMonth})`.as('by_closed'),
        status: items.status,
        unitId: items.responsibleUnitId,
        categoryId: items.categoryId,
        reportedMonth: sql<string | null>`${reportedMonth}`.as('reported_month'),
        closedMonth: sql<string | null>`${closedMonth}`.as('closed_month'),
        total: countColumns.total.as('total'),
        overdue: countColumns.overdue.as('overdue'),
        closed: countColumns.closed.as('closed'),
        verified: countColumns.verified.as('verified'),
        dismissed: countColumns.dismissed.as('dismissed'),
        flagged: sql<number>`count(*) filter (where ${items.flagged})::int`.as('flagged'),
        duban: flaggedAnd(sql`${supervisionLevelSql} = 'duban'`).as('duban'),
        guapai: flaggedAnd(sql`${supervisionLevelSql} = 'guapai'`).as('guapai'),
        supervisionOverdue: flaggedAnd(sql`${items.state}->'supervision'->>'overdueAt' is not null`).as(
          'supervision_overdue',
        ),
      })
      .from(items)
      .where(where)
      .groupBy(
        sql`grouping sets ((${items.status}), (${items.responsibleUnitId}), (${items.categoryId}), (${reportedMonth}), (${closedMonth}))`,
      ),
  );
  const rows = await db
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
