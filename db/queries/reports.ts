// Monthly reports (月报): the campaign's cycle, the board per period, the statistics as of an instant,
// and the report row locked and written for a command (the command itself is services/reports.ts).
import { and, asc, eq, sql } from 'drizzle-orm';
import type { CalendarData } from '../../domain/calendar/calendar.ts';
import { findPeriod, type ReportCycle, type ReportPeriod } from '../../domain/report/cycle.ts';
import {
  allowedReportCommands,
  initialReport,
  reportReminders,
  standing,
  type BoardStanding,
  type ReportReminder,
  type ReportState,
} from '../../domain/report/lifecycle.ts';
import type { DbOrTx } from '../client.ts';
import { categories, orgUnits, reportConfigs, reports, type ReportRow } from '../schema.ts';
import { monthStatRows, statsFor, type ReportStats } from './ledger-stats.ts';

export async function reportConfig(db: DbOrTx, campaignId: string) {
  const [row] = await db.select().from(reportConfigs).where(eq(reportConfigs.campaignId, campaignId));
  return row ?? null;
}

/** A unit's report row for a period, if it was ever touched. */
export async function reportRow(db: DbOrTx, campaignId: string, period: string, unitId: string) {
  const [row] = await db
    .select()
    .from(reports)
    .where(and(eq(reports.campaignId, campaignId), eq(reports.period, period), eq(reports.unitId, unitId)));
  return row;
}

/** Set (or replace) a campaign's report cycle and accountability rules. */
export async function saveReportConfig(db: DbOrTx, values: typeof reportConfigs.$inferInsert) {
  await db.insert(reportConfigs).values(values).onConflictDoUpdate({ target: reportConfigs.campaignId, set: values });
}

/** The ids and paths of the given units that exist. */
export async function unitPaths(db: DbOrTx, ids: string[]) {
  return db
    .select({ id: orgUnits.id, path: orgUnits.path })
    .from(orgUnits)
    .where(sql`${orgUnits.id} = any(${sql.param(ids)}::uuid[])`);
}

export const stateOf = (r: ReportRow | undefined): ReportState =>
  r
    ? {
        status: r.status as ReportState['status'],
        version: r.version,
        narrative: r.narrative,
        attachments: r.attachments,
        firstSubmittedAt: r.firstSubmittedAt && iso(r.firstSubmittedAt),
        late: r.late,
        submittedAt: r.submittedAt && iso(r.submittedAt),
        // Who submitted last: the office that reviews may not be that person (domain/access/duties.ts).
        submittedBy: [...r.history].reverse().find((e) => e.type === 'ReportSubmitted')?.actorId ?? null,
        acceptedAt: r.acceptedAt && iso(r.acceptedAt),
        returnCount: r.returnCount,
        stats: r.stats,
      }
    : initialReport();

export const iso = (t: string) => new Date(t).toISOString();

/** The statistics of a unit's subtree for a period, as of an instant (recomputable at any time). */
export async function reportStats(
  db: DbOrTx,
  campaignId: string,
  unitPath: string,
  period: ReportPeriod,
  asOf: string,
): Promise<ReportStats> {
  // One after the other: `db` may be a transaction, whose one connection must not get concurrent queries.
  const rows = await monthStatRows(db, campaignId, period.from, period.to, asOf);
  const codes = await categoryCodes(db, campaignId);
  return statsFor(rows, unitPath, codes, { from: period.from, to: period.to, asOf });
}

export async function categoryCodes(db: DbOrTx, campaignId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: categories.id, code: categories.code })
    .from(categories)
    .where(eq(categories.campaignId, campaignId));
  return new Map(rows.map((r) => [r.id, r.code]));
}

/** The report row of a unit for a period, locked for the rest of the transaction; created (due) on first touch so the lock serializes concurrent commands. */
export async function lockReportRow(
  tx: DbOrTx,
  r: { campaignId: string; period: ReportPeriod; unit: { id: string; path: string }; now: string },
): Promise<ReportRow> {
  await tx
    .insert(reports)
    .values({
      campaignId: r.campaignId,
      period: r.period.period,
      unitId: r.unit.id,
      unitPath: r.unit.path,
      status: 'due',
      version: 0,
      dueAt: r.period.dueAt,
      history: [],
      updatedAt: r.now,
    })
    .onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(reports)
    .where(
      and(eq(reports.campaignId, r.campaignId), eq(reports.period, r.period.period), eq(reports.unitId, r.unit.id)),
    )
    .for('update');
  return row!;
}

/** Write a report's new state and its appended history. */
export async function writeReportRow(
  tx: DbOrTx,
  id: string,
  next: ReportState,
  history: ReportRow['history'],
  now: string,
): Promise<ReportRow> {
  const [out] = await tx
    .update(reports)
    .set({
      status: next.status,
      version: next.version,
      late: next.late,
      firstSubmittedAt: next.firstSubmittedAt,
      submittedAt: next.submittedAt,
      acceptedAt: next.acceptedAt,
      returnCount: next.returnCount,
      narrative: next.narrative,
      attachments: next.attachments,
      stats: next.stats,
      history,
      updatedAt: now,
    })
    .where(eq(reports.id, id))
    .returning();
  return out!;
}

export interface BoardLine {
  unitId: string;
  unitName: string;
  unitKind: string;
  status: ReportState['status'];
  standing: BoardStanding;
  late: boolean | null;
  submittedAt: string | null;
  version: number;
  returnCount: number;
}

/** Who has reported for a period, who is late, who has not — for the reporting units in `scopePath`. */
export async function reportBoard(
  db: DbOrTx,
  campaignId: string,
  cycle: ReportCycle,
  period: ReportPeriod,
  now: string,
  scopePath: string | null,
): Promise<BoardLine[]> {
  const rows = await db
    .select({
      unitId: orgUnits.id,
      unitName: orgUnits.name,
      unitKind: orgUnits.kind,
      r: reports,
    })
    .from(orgUnits)
    .leftJoin(
      reports,
      and(eq(reports.unitId, orgUnits.id), eq(reports.campaignId, campaignId), eq(reports.period, period.period)),
    )
    .where(
      and(
        sql`${orgUnits.id} = any(${sql.param(cycle.reportingUnitIds)}::uuid[])`,
        scopePath ? sql`${orgUnits.path} like ${`${scopePath}%`}` : undefined,
      ),
    )
    .orderBy(asc(orgUnits.kind), asc(orgUnits.name), asc(orgUnits.id));
  return rows.map((x) => {
    const s = stateOf(x.r ?? undefined);
    return {
      unitId: x.unitId,
      unitName: x.unitName,
      unitKind: x.unitKind,
      status: s.status,
      late: s.late,
      submittedAt: s.submittedAt,
      version: s.version,
      returnCount: s.returnCount,
      standing: standing(period, s, now, cycle.remindBeforeDays),
    };
  });
}

/**
 * The report reminders due at `now` for one period (before the due day, and late). This is the hook
 * for the notification machinery: it is pure over the board, and each reminder has a stable key.
 */
export async function dueReportReminders(
  db: DbOrTx,
  campaignId: string,
  cycle: ReportCycle,
  period: ReportPeriod,
  now: string,
): Promise<ReportReminder[]> {
  const board = await reportBoard(db, campaignId, cycle, period, now, null);
  return reportReminders(
    period,
    board.map((b) => ({ unitId: b.unitId, state: b })),
    now,
    cycle.remindBeforeDays,
  );
}

export function periodOrNull(cycle: ReportCycle, period: string, cal: CalendarData) {
  return findPeriod(cycle, period, cal);
}
export { allowedReportCommands };
