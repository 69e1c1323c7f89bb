// What the 销号审批表 and the 月报汇总 are made of, read from the system's data: an item's sign-off
// from its trail (who applied, each step that approved, who rechecked — names, units and Shanghai dates), and a
// period's reports with the figures each unit reported (frozen at submission) or, for a unit that has
// not reported, the ledger's figures now.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { itemTimeline } from '../db/queries/items.ts';
import { categoryCodes, reportBoard, stateOf, unitPaths } from '../db/queries/reports.ts';
import { monthStatRows, statsForMany } from '../db/queries/ledger-stats.ts';
import { orgUnits, reports, users } from '../db/schema.ts';
import { shanghaiDate } from '../domain/calendar/index.ts';
import type { ReportCycle, ReportPeriod } from '../domain/report/cycle.ts';
import type { StatCounts } from '../domain/report/lifecycle.ts';
import type { MonthlyData } from '../documents/kinds/monthly.ts';
import type { SignoffData } from '../documents/kinds/signoff.ts';
import { Refused } from './refusal.ts';

type Signers = Pick<SignoffData, 'summary' | 'evidenceCount' | 'signers'>;

/**
 * The signatures of the item's last sign-off: the submission the approval answered, every approval
 * after it, and a recheck that passed after that. Refused when the item has not been signed off.
 */
export async function signoffSigners(db: Db, itemId: string): Promise<Signers> {
  const trail = await itemTimeline(db, itemId);
  const lastOf = (type: string, before = trail.length) => {
    for (let i = before - 1; i >= 0; i--) if (trail[i]!.type === type) return i;
    return -1;
  };
  const approvedAt = lastOf('ItemApproved');
  const reopenedAt = lastOf('ItemReopened');
  if (approvedAt < 0 || reopenedAt > approvedAt)
    throw new Refused('not_signed_off', 'the 销号审批表 is issued once the item is signed off (销号)', {
      title: 'Rule violated',
    });
  const submittedAt = lastOf('ItemSubmitted', approvedAt);
  const submitted = trail[submittedAt];
  const after = trail.slice(submittedAt + 1);
  // A sign-off chain (销号 by level) records each step with its own person; its closing ItemApproved then
  // repeats the last step (or is the runtime's, after the 公示), so the steps sign instead.
  const steps = after.filter((e) => e.type === 'SignOffStepApproved');
  const signed = [
    ...(submitted ? [submitted] : []),
    ...after.filter(
      (e) =>
        (steps.length ? e.type === 'SignOffStepApproved' : e.type === 'ItemApproved') || e.type === 'RecheckPassed',
    ),
  ];
  const units = await unitNamesOf(
    db,
    signed.map((e) => e.actorId).filter((x): x is string => !!x),
  );
  const data = (e: (typeof trail)[number]) => e.data as Record<string, unknown>;
  const signers = signed.map((e) => {
    const who = { name: e.actorName ?? '', unit: (e.actorId && units.get(e.actorId)) || '', date: shanghaiDate(e.at) };
    if (e.type === 'ItemSubmitted') return { ...who, role: '责任单位申请', opinion: '已按要求整改到位，申请销号。' };
    if (e.type === 'ItemApproved')
      return { ...who, role: '审核意见', opinion: (data(e).note as string | null) || '经审核，整改到位，同意销号。' };
    if (e.type === 'SignOffStepApproved')
      return {
        ...who,
        role: String(data(e).step ?? '审核意见'),
        opinion: (data(e).note as string | null) || '经审核，同意销号。',
      };
    return { ...who, role: '复核意见', opinion: (data(e).findings as string) || '经复核，整改到位。' };
  });
  return {
    summary: submitted ? String(data(submitted).summary ?? '') : '',
    evidenceCount: submitted ? ((data(submitted).evidence as string[] | undefined)?.length ?? 0) : 0,
    signers,
  };
}

/** Each user's unit name. */
async function unitNamesOf(db: Db, userIds: string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, unit: orgUnits.name })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(inArray(users.id, [...new Set(userIds)]));
  return new Map(rows.map((r) => [r.id, r.unit]));
}

const STATUS_WORDS = {
  on_time: '按时报送',
  late: '逾期报送',
  missing: '未报送',
  returned: '退回修改',
} as const;

/** The period's reports of every reporting unit, in the words and figures the 月报汇总 prints. */
export async function monthlyUnits(
  db: Db,
  c: { id: string; name: string },
  cycle: ReportCycle,
  period: ReportPeriod,
  now: string,
): Promise<MonthlyData> {
  const board = await reportBoard(db, c.id, cycle, period, now, null);
  const rows = await db
    .select()
    .from(reports)
    .where(and(eq(reports.campaignId, c.id), eq(reports.period, period.period)));
  const byUnit = new Map(rows.map((r) => [r.unitId, stateOf(r)]));
  // Units without a frozen snapshot: the ledger's figures for the period as of now (or its end).
  const open = board.filter((b) => !byUnit.get(b.unitId)?.stats);
  let live = new Map<string, StatCounts>();
  if (open.length > 0) {
    const asOf = now < period.to ? now : period.to;
    const paths = await unitPaths(
      db,
      open.map((b) => b.unitId),
    );
    const codes = await categoryCodes(db, c.id);
    const monthRows = await monthStatRows(db, c.id, period.from, period.to, asOf);
    const stats = statsForMany(
      monthRows,
      paths.map((p) => p.path),
      codes,
      { from: period.from, to: period.to, asOf },
    );
    live = new Map(paths.map((p) => [p.id, stats.get(p.path)!]));
  }
  return {
    campaign: c.name,
    period: period.period,
    dueOn: period.dueOn,
    units: board.map((b) => {
      const s = byUnit.get(b.unitId);
      const status =
        b.status === 'returned'
          ? STATUS_WORDS.returned
          : b.status === 'submitted' || b.status === 'accepted'
            ? s?.late
              ? STATUS_WORDS.late
              : STATUS_WORDS.on_time
            : STATUS_WORDS.missing;
      const f = s?.stats ?? live.get(b.unitId);
      return {
        name: b.unitName,
        status,
        found: f?.newItems ?? 0,
        rectified: f?.rectified ?? 0,
        inProgress: f?.inProgress ?? 0,
        overdue: f?.overdue ?? 0,
      };
    }),
  };
}
