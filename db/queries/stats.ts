// Ledger aggregates for the dashboard (驾驶舱): counts by status, by responsible unit, by category and
// by month, over the rows the reader may see — the same scope and filters as the ledger list, so a
// number on the dashboard and the ledger rows it links to always agree.
import { and, eq, sql } from 'drizzle-orm';
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
  const [byStatus, byUnit, byCategory, reportedByMonth, closedByMonth, flagged] = await Promise.all([
    db.select({ status: items.status, n: sql<number>`count(*)::int` }).from(items).where(where).groupBy(items.status),
    db
      .select({ unitId: items.responsibleUnitId, unitName: responsible.name, ...countColumns })
      .from(items)
      .leftJoin(responsible, eq(responsible.id, items.responsibleUnitId))
      .where(where)
      .groupBy(items.responsibleUnitId, responsible.name),
    db
      .select({ categoryId: items.categoryId, categoryName: categories.name, ...countColumns })
      .from(items)
      .leftJoin(categories, eq(categories.id, items.categoryId))
      .where(where)
      .groupBy(items.categoryId, categories.name, categories.sortOrder)
      .orderBy(categories.sortOrder),
    db
      .select({
        month: sql<string>`to_char(${items.reportedAt} at time zone 'Asia/Shanghai', 'YYYY-MM')`,
        n: sql<number>`count(*)::int`,
      })
      .from(items)
      .where(where)
      .groupBy(sql`1`)
      .orderBy(sql`1`),
    db
      .select({
        month: sql<string>`to_char(${items.closedAt} at time zone 'Asia/Shanghai', 'YYYY-MM')`,
        n: sql<number>`count(*)::int`,
      })
      .from(items)
      .where(and(where, sql`${items.closedAt} is not null`))
      .groupBy(sql`1`)
      .orderBy(sql`1`),
    db
      .select({
        n: sql<number>`count(*)::int`,
        duban: sql<number>`count(*) filter (where ${supervisionLevelSql} = 'duban')::int`,
        guapai: sql<number>`count(*) filter (where ${supervisionLevelSql} = 'guapai')::int`,
        overdue: sql<number>`count(*) filter (where ${items.state}->'supervision'->>'overdueAt' is not null)::int`,
      })
      .from(items)
      .where(and(where, eq(items.flagged, true))),
  ]);
  const statusCounts: Record<string, number> = {};
  for (const r of byStatus) statusCounts[r.status] = r.n;
  const total = byStatus.reduce((s, r) => s + r.n, 0);
  const overdue = byUnit.reduce((s, r) => s + r.overdue, 0);
  const months = [...new Set([...reportedByMonth.map((r) => r.month), ...closedByMonth.map((r) => r.month)])].sort();
  return {
    totals: {
      total,
      overdue,
      flagged: flagged[0]?.n ?? 0,
      supervision: {
        duban: flagged[0]?.duban ?? 0,
        guapai: flagged[0]?.guapai ?? 0,
        overdue: flagged[0]?.overdue ?? 0,
      },
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
