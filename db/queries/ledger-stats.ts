// Statistics counted from the permanent trail (item_events) "as of" any instant, so a frozen report
// snapshot or a published ranking can be recomputed and compared. Each query is one aggregation in
// PostgreSQL returning rows per (responsible unit as of the instant, lead unit, reporting unit, …);
// rolling those rows up to a unit's subtree happens in JS (a few hundred rows per unit at most).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import type { IndicatorFacts } from '../../domain/ranking/score.ts';
import type { ReportStats, StatCounts } from '../../domain/report/lifecycle.ts';

/** Is a row (by its unit paths) part of the ledger of the unit at `path`? Responsible (as of the
 * instant), lead or reporting unit in the subtree — an item is counted once per unit either way. */
const rowBelongs = (
  r: { respPath: string | null; leadPath: string | null; reportingPath: string | null },
  path: string,
) => !!(r.respPath?.startsWith(path) || r.leadPath?.startsWith(path) || r.reportingPath?.startsWith(path));

// ------------------------------------------------------------------ monthly report statistics

export type { ReportStats, StatCounts } from '../../domain/report/lifecycle.ts';

interface MonthRow {
  respPath: string | null;
  leadPath: string | null;
  reportingPath: string | null;
  categoryId: string | null;
  source: string;
  newItems: number;
  closed: number;
  rectified: number;
  inProgress: number;
  overdue: number;
  lateSubmitted: number;
  reopened: number;
}

/**
 * The month's statistics for every unit of a campaign in one statement: new (reported in the
 * window), closed (approved in the window), rectified (verified in the window), reopened (反弹 in the window), and — as of the cut
 * (`asOf`, or the window's end if earlier) — in progress (assigned, in progress or submitted), overdue
 * (still with the unit — assigned or in progress — and the last deadline fact is a missed deadline: the
 * one definition, domain/item/deadline.ts isOverdue) and late submitted (逾期提交: submitted with the
 * deadline missed — handed in late is not overdue now).
 *
 * "As of" without replaying the whole trail: an item with no status-, deadline- or unit-changing
 * event after the cut stands as its ledger row says (the row is written with its events in one
 * transaction). Only items changed after the cut are replayed from their events up to the cut, with
 * one max(seq·16 + code) per item instead of a sort. Reports filed at the month end replay almost
 * nothing; recomputing an old month replays what changed since.
 */
export async function monthStatRows(
  db: DbOrTx,
  campaignId: string,
  from: string,
  to: string,
  asOf: string,
): Promise<MonthRow[]> {
  return aggregate<MonthRow>(db, monthStatSql(campaignId, from, to, asOf));
}

/**
 * Run one of these aggregations with room to hash and sort in memory (the default 4 MB spills a
 * 100k-item ranking to disk) and without parallel workers: the per-item aggregate sits below a
 * parallel hash join that every worker would otherwise rebuild in full, tripling the CPU spent.
 */
async function aggregate<R>(db: DbOrTx, query: SQL): Promise<R[]> {
  const run = async (tx: DbOrTx) => {
    await tx.execute(
      sql`select set_config('work_mem', '64MB', true), set_config('max_parallel_workers_per_gather', '0', true)`,
    );
    return (await tx.execute(query)).rows as unknown as R[];
  };
  // Inside a caller's transaction this is a savepoint; the settings end with the outer transaction.
  return db.transaction(run);
}

/** The last instant a window [from, to) statistic looks at, as of `asOf`. */
const cutOf = (to: string, asOf: string) => (asOf < to ? asOf : new Date(Date.parse(to) - 1).toISOString());

const CHANGING =
  sql.raw(`('ItemReported', 'ItemAssigned', 'ItemTransferred', 'ItemAccepted', 'ItemRejected', 'ItemReopened', 'ItemSubmitted',
  'ItemApproved', 'RecheckScheduled', 'ItemVerified', 'ItemDismissed', 'DeadlineMissed', 'DeadlineRecomputed', 'ExtensionDecided')`);

const CHANGING_NO_DATA =
  sql.raw(`('ItemReported', 'ItemAssigned', 'ItemTransferred', 'ItemAccepted', 'ItemRejected', 'ItemReopened',
  'ItemSubmitted', 'ItemApproved', 'RecheckScheduled', 'ItemVerified', 'ItemDismissed', 'DeadlineMissed', 'DeadlineRecomputed')`);

export function monthStatSql(campaignId: string, from: string, to: string, asOf: string) {
  const cut = cutOf(to, asOf);
  return sql`
    with later as (
      select distinct e.item_id from item_events e where e.type in ${CHANGING} and e.at > ${cut}
    ), replayed as (
      select e.item_id,
        max(e.seq * 16 + case e.type
          when 'ItemReported' then 1 when 'ItemAssigned' then 2 when 'ItemTransferred' then 2
          when 'ItemAccepted' then 3 when 'ItemRejected' then 3 when 'ItemReopened' then 3
          when 'ItemSubmitted' then 4 when 'ItemApproved' then 5 when 'RecheckScheduled' then 5
          when 'ItemVerified' then 6 when 'ItemDismissed' then 7 end) % 16 as st,
        max(e.seq * 16 + case
          when e.type = 'DeadlineMissed' then 1
          when e.type in ('ItemAssigned', 'ItemReopened', 'DeadlineRecomputed') then 0
          when e.type = 'ExtensionDecided' and e.approved then 0 end) % 16 as dl,
        max(e.seq) filter (where e.type in ('ItemAssigned', 'ItemTransferred')) as unit_seq
      from (
        -- Everything but extension decisions comes from the (type, at) index alone; those need their data.
        select x.item_id, x.seq, x.type, null::boolean as approved from item_events x
        where x.type in ${CHANGING_NO_DATA} and x.at <= ${cut}
        union all
        select x.item_id, x.seq, x.type, (x.data->>'approved')::boolean from item_events x
        where x.type = 'ExtensionDecided' and x.at <= ${cut}
      ) e join later l on l.item_id = e.item_id
      group by e.item_id
    ), counted as (
      select e.item_id, bool_or(e.type = 'ItemReported') as is_new,
        count(*) filter (where e.type = 'ItemApproved') as closed, count(*) filter (where e.type = 'ItemVerified') as rectified,
        count(*) filter (where e.type = 'ItemReopened') as reopened
      from item_events e
      where e.type in ('ItemReported', 'ItemApproved', 'ItemVerified', 'ItemReopened') and e.at >= ${from} and e.at <= ${cut}
      group by e.item_id
    ), placed as (
      select i.id, i.lead_unit_path, i.reporting_unit_path, i.category_id, i.source, c.is_new, c.closed, c.rectified, c.reopened,
        case when l.item_id is null then i.responsible_unit_path
          else (select coalesce(u.data->'to'->>'path', u.data->'responsibleUnit'->>'path') from item_events u where u.item_id = r.item_id and u.seq = r.unit_seq) end as resp_path,
        case when l.item_id is null then i.status in ('assigned', 'in_progress', 'submitted') else r.st in (2, 3, 4) end as open,
        case when l.item_id is null then i.status = 'submitted' else r.st = 4 end as handed_in,
        case when l.item_id is null then i.overdue else r.dl = 1 end as late
      from items i
      left join later l on l.item_id = i.id
      left join replayed r on r.item_id = i.id
      left join counted c on c.item_id = i.id
      where i.campaign_id = ${campaignId} and i.reported_at <= ${cut} and (l.item_id is null or r.item_id is not null)
    )
    select p.resp_path as "respPath", p.lead_unit_path as "leadPath", p.reporting_unit_path as "reportingPath",
      p.category_id as "categoryId", p.source,
      count(*) filter (where p.is_new)::int as "newItems", coalesce(sum(p.closed), 0)::int as closed, coalesce(sum(p.rectified), 0)::int as rectified,
      count(*) filter (where p.open)::int as "inProgress", count(*) filter (where p.open and not p.handed_in and p.late)::int as overdue,
      count(*) filter (where p.handed_in and p.late)::int as "lateSubmitted",
      coalesce(sum(p.reopened), 0)::int as reopened
    from placed p
    group by 1, 2, 3, 4, 5`;
}

/**
 * For each row, the units (by path) whose ledger it belongs to — found by walking the ancestors of
 * the row's unit paths (a tree is shallow) instead of testing every row against every unit.
 */
function rowOwners<R extends { respPath: string | null; leadPath: string | null; reportingPath: string | null }>(
  rows: R[],
  unitPaths: string[],
): Map<string, R[]> {
  const wanted = new Set(unitPaths);
  const out = new Map<string, R[]>(unitPaths.map((p) => [p, []]));
  for (const r of rows) {
    const owners = new Set<string>();
    for (const path of [r.respPath, r.leadPath, r.reportingPath]) {
      if (!path) continue;
      for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) {
        const prefix = path.slice(0, i + 1);
        if (wanted.has(prefix)) owners.add(prefix);
      }
    }
    for (const o of owners) out.get(o)!.push(r);
  }
  return out;
}

const zero = (): StatCounts => ({
  newItems: 0,
  closed: 0,
  rectified: 0,
  inProgress: 0,
  overdue: 0,
  lateSubmitted: 0,
  reopened: 0,
});
const add = (a: StatCounts, r: StatCounts) => {
  a.newItems += r.newItems;
  a.closed += r.closed;
  a.rectified += r.rectified;
  a.inProgress += r.inProgress;
  a.overdue += r.overdue;
  a.lateSubmitted = (a.lateSubmitted ?? 0) + (r.lateSubmitted ?? 0);
  a.reopened += r.reopened;
};

/** One unit's statistics from the rows of monthStatRows. Categories are keyed by their code. */
export function statsFor(
  rows: MonthRow[],
  unitPath: string,
  categoryCodes: Map<string, string>,
  window: { from: string; to: string; asOf: string },
): ReportStats {
  return statsOfOwnRows(
    rows.filter((r) => rowBelongs(r, unitPath)),
    categoryCodes,
    window,
  );
}

/** Statistics of many units at once (the month's figures for every reporting unit). */
export function statsForMany(
  rows: MonthRow[],
  unitPaths: string[],
  categoryCodes: Map<string, string>,
  window: { from: string; to: string; asOf: string },
): Map<string, ReportStats> {
  return new Map(
    [...rowOwners(rows, unitPaths)].map(([path, own]) => [path, statsOfOwnRows(own, categoryCodes, window)]),
  );
}

function statsOfOwnRows(
  rows: MonthRow[],
  categoryCodes: Map<string, string>,
  window: { from: string; to: string; asOf: string },
): ReportStats {
  const total = zero();
  const byCategory: Record<string, StatCounts> = {};
  const bySource: Record<string, StatCounts> = {};
  for (const r of rows) {
    add(total, r);
    const cat = (r.categoryId && categoryCodes.get(r.categoryId)) || 'none';
    add((byCategory[cat] ??= zero()), r);
    add((bySource[r.source] ??= zero()), r);
  }
  return {
    asOf: window.asOf,
    from: window.from,
    to: window.to,
    ...total,
    byCategory: sortKeys(byCategory),
    bySource: sortKeys(bySource),
  };
}

const sortKeys = <T>(o: Record<string, T>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

// ------------------------------------------------------------------ ranking indicators

interface IndicatorRow {
  respPath: string | null;
  leadPath: string | null;
  reportingPath: string | null;
  accDen: number;
  accNum: number;
  onTimeDen: number;
  onTimeNum: number;
  submitted: number;
  rejected: number;
  passed: number;
  failed: number;
}

/**
 * Per-unit indicator counts over [from, to) for the round's focus categories, as of `asOf`:
 * - 及时签收: items assigned (or transferred) in the window; timely when accepted within
 *   `acceptWithinHours`; an item assigned too close to the window's end and not yet accepted is left out;
 * - 按时办结: items approved or found overdue in the window; on time when approved with no missed
 *   deadline before the approval (in the whole trail);
 * - 退回率 = rejections / submissions; 反弹率 = failed / (passed + failed) rechecks; 复核通过率 its complement.
 * The responsible unit is the one responsible as of `asOf` (the last assignment or transfer).
 */
export async function indicatorRows(
  db: DbOrTx,
  campaignId: string,
  categoryIds: string[],
  from: string,
  to: string,
  asOf: string,
  acceptWithinHours: number,
): Promise<IndicatorRow[]> {
  return aggregate<IndicatorRow>(db, indicatorSql(campaignId, categoryIds, from, to, asOf, acceptWithinHours));
}

export function indicatorSql(
  campaignId: string,
  categoryIds: string[],
  from: string,
  to: string,
  asOf: string,
  acceptWithinHours: number,
) {
  return sql`
    with ev as (
      select e.item_id,
        min(e.at) filter (where e.type in ('ItemAssigned', 'ItemTransferred')) as assigned_at,
        min(e.at) filter (where e.type = 'ItemAccepted') as accepted_at,
        max(e.at) filter (where e.type = 'ItemApproved') as approved_at,
        count(*) filter (where e.type = 'DeadlineMissed') as missed,
        count(*) filter (where e.type = 'ItemSubmitted') as submitted,
        count(*) filter (where e.type = 'ItemRejected') as rejected,
        count(*) filter (where e.type = 'RecheckPassed') as passed,
        count(*) filter (where e.type = 'RecheckFailed') as failed
      from item_events e
      where e.at >= ${from} and e.at < ${to} and e.at <= ${asOf} and e.type in ('ItemAssigned', 'ItemTransferred', 'ItemAccepted',
        'ItemApproved', 'DeadlineMissed', 'ItemSubmitted', 'ItemRejected', 'RecheckPassed', 'RecheckFailed')
      group by e.item_id
    ), reassigned as (
      select distinct item_id from item_events where type in ('ItemAssigned', 'ItemTransferred') and at > ${asOf}
    ), first_missed as (
      select item_id, min(at) as at from item_events where type = 'DeadlineMissed' and at <= ${asOf} group by item_id
    ), scored as (
      select ev.*, i.lead_unit_path, i.reporting_unit_path,
        ev.assigned_at is not null and not (ev.accepted_at is null and ev.assigned_at > ${to}::timestamptz - make_interval(hours => ${acceptWithinHours})) as acc_den,
        ev.accepted_at is not null and ev.accepted_at >= ev.assigned_at and ev.accepted_at <= ev.assigned_at + make_interval(hours => ${acceptWithinHours}) as acc_num,
        ev.approved_at is not null and (fm.at is null or fm.at > ev.approved_at) as on_time,
        -- The responsible unit as of the instant: the ledger row's, unless reassigned since.
        case when ra.item_id is null then i.responsible_unit_path else
        (select coalesce(a.data->'to'->>'path', a.data->'responsibleUnit'->>'path') from item_events a
          where a.item_id = ev.item_id and a.type in ('ItemAssigned', 'ItemTransferred') and a.at <= ${asOf}
          order by a.seq desc limit 1) end as resp_path
      from ev join items i on i.id = ev.item_id
      left join reassigned ra on ra.item_id = ev.item_id
      left join first_missed fm on fm.item_id = ev.item_id
      where i.campaign_id = ${campaignId} and i.category_id = any(${sql.param(categoryIds)}::uuid[])
    )
    select s.resp_path as "respPath", s.lead_unit_path as "leadPath", s.reporting_unit_path as "reportingPath",
      count(*) filter (where s.acc_den)::int as "accDen", count(*) filter (where s.acc_den and s.acc_num)::int as "accNum",
      count(*) filter (where s.approved_at is not null or s.missed > 0)::int as "onTimeDen", count(*) filter (where s.on_time)::int as "onTimeNum",
      sum(s.submitted)::int as submitted, sum(s.rejected)::int as rejected, sum(s.passed)::int as passed, sum(s.failed)::int as failed
    from scored s
    group by 1, 2, 3`;
}

/** Indicator facts of many units at once; reporting units do not own ledger counts here. */
export function factsForMany(rows: IndicatorRow[], unitPaths: string[]): Map<string, IndicatorFacts> {
  return new Map(
    [
      ...rowOwners(
        rows.map((r) => ({ ...r, reportingPath: null })),
        unitPaths,
      ),
    ].map(([path, own]) => [path, factsOfOwnRows(own)]),
  );
}

function factsOfOwnRows(rows: IndicatorRow[]): IndicatorFacts {
  const t = { accDen: 0, accNum: 0, onTimeDen: 0, onTimeNum: 0, submitted: 0, rejected: 0, passed: 0, failed: 0 };
  for (const r of rows) {
    for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += r[k];
  }
  return {
    timely_acceptance: { numerator: t.accNum, denominator: t.accDen },
    on_time_completion: { numerator: t.onTimeNum, denominator: t.onTimeDen },
    return_rate: { numerator: t.rejected, denominator: t.submitted },
    rebound_rate: { numerator: t.failed, denominator: t.passed + t.failed },
    recheck_pass_rate: { numerator: t.passed, denominator: t.passed + t.failed },
    // 群众满意度 is not collected in the ledger yet: no data, so its weight goes to the others.
    satisfaction: { numerator: 0, denominator: 0 },
  };
}
