// The report lifecycle (月报): due → draft → submitted (on time | late) → returned → accepted.
// A pure decider like the item's: decide(state, command, context) → events | refusal; evolve folds.
import { mayDecide } from '../access/duties.ts';
import type { ReportPeriod } from './cycle.ts';

const REPORT_STATUSES = ['due', 'draft', 'submitted', 'returned', 'accepted'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export interface Narrative {
  progress: string;
  problems: string;
  nextSteps: string;
}

/** `closed` = signed off (销号) in the window; `rectified` = verified in the window (recheck passed or its
 * window elapsed) — DESIGN §4: closed is never counted as fixed before that. */
export interface StatCounts {
  newItems: number;
  closed: number;
  rectified: number;
  inProgress: number;
  /** Still with the unit past the deadline (domain/item/deadline.ts isOverdue). */
  overdue: number;
  /** 逾期提交: handed in (submitted) after the deadline — not overdue now. Absent in statistics frozen
   * before it was counted apart (those counted such items as overdue). */
  lateSubmitted?: number;
  reopened: number;
}
/** A report's statistics from the ledger as of an instant, frozen on submission (db/queries/ledger-stats.ts). */
export interface ReportStats extends StatCounts {
  asOf: string;
  from: string;
  to: string;
  byCategory: Record<string, StatCounts>;
  bySource: Record<string, StatCounts>;
}

export interface ReportState {
  status: ReportStatus;
  version: number;
  narrative: Narrative | null;
  attachments: string[];
  /** Timeliness is judged on the first submission: a return for corrections does not make it late. */
  firstSubmittedAt: string | null;
  late: boolean | null;
  submittedAt: string | null;
  /** Added: who submitted last (absent on states folded before). */
  submittedBy?: string | null;
  acceptedAt: string | null;
  returnCount: number;
  stats: ReportStats | null;
}

export const initialReport = (): ReportState => ({
  status: 'due',
  version: 0,
  narrative: null,
  attachments: [],
  firstSubmittedAt: null,
  late: null,
  submittedAt: null,
  acceptedAt: null,
  returnCount: 0,
  stats: null,
});

export type ReportCommand =
  | { type: 'save_draft'; narrative: Narrative; attachments?: string[] }
  | { type: 'submit'; narrative?: Narrative; attachments?: string[]; stats: ReportStats }
  | { type: 'return'; reason: string }
  | { type: 'accept'; note?: string };

export type ReportEvent = { at: string; actorId: string } & (
  | { type: 'ReportDraftSaved'; data: { narrative: Narrative; attachments: string[] } }
  | {
      type: 'ReportSubmitted';
      data: { narrative: Narrative; attachments: string[]; late: boolean; stats: ReportStats };
    }
  | { type: 'ReportReturned'; data: { reason: string } }
  | { type: 'ReportAccepted'; data: { note: string | null } }
);

/** Who is acting: the reporting unit itself, or the campaign office that reviews reports. */
export interface ReportContext {
  now: string;
  actorId: string;
  period: ReportPeriod;
  as: 'unit' | 'office';
  /** Added: the actor's unit and the reporting unit's path, so an office that also reports does not accept
   * its own report (separation of duties, domain/access/duties.ts). Absent: only the user rule applies. */
  actorUnitPath?: string;
  unitPath?: string;
}

type ReportRefusalCode =
  | 'period_not_open'
  | 'report_already_accepted'
  | 'invalid_transition'
  | 'forbidden'
  | 'separation_of_duties'
  | 'validation';
export interface ReportRefusal {
  code: ReportRefusalCode;
  message: string;
  allowed: ReportCommand['type'][];
}
type ReportDecision = { ok: true; events: ReportEvent[] } | { ok: false; error: ReportRefusal };

const FROM: Record<ReportCommand['type'], { states: ReportStatus[]; by: 'unit' | 'office' }> = {
  save_draft: { states: ['due', 'draft', 'returned'], by: 'unit' },
  submit: { states: ['due', 'draft', 'returned'], by: 'unit' },
  return: { states: ['submitted'], by: 'office' },
  accept: { states: ['submitted'], by: 'office' },
};

export function allowedReportCommands(
  s: ReportState,
  as: 'unit' | 'office',
  who?: Pick<ReportContext, 'actorId' | 'actorUnitPath' | 'unitPath'>,
): ReportCommand['type'][] {
  return (Object.keys(FROM) as ReportCommand['type'][]).filter(
    (t) =>
      FROM[t].by === as &&
      FROM[t].states.includes(s.status) &&
      (as === 'unit' || who === undefined || officeDuty(s, who) === null),
  );
}

/** The office's decision on a report is not its submitter's, nor its own unit's (an office that also reports). */
function officeDuty(s: ReportState, who: Pick<ReportContext, 'actorId' | 'actorUnitPath' | 'unitPath'>) {
  return mayDecide(
    { userId: who.actorId, unitPath: who.actorUnitPath ?? '' },
    { requestedBy: s.submittedBy ?? null, requestingUnitPath: who.unitPath ?? null },
    'report',
  );
}

export function decideReport(s: ReportState, c: ReportCommand, ctx: ReportContext): ReportDecision {
  const refuse = (code: ReportRefusalCode, message: string): ReportDecision => ({
    ok: false,
    error: { code, message, allowed: allowedReportCommands(s, ctx.as) },
  });
  if (s.status === 'accepted')
    return refuse(
      'report_already_accepted',
      `the report for ${ctx.period.period} was accepted and can no longer change`,
    );
  if (ctx.now < ctx.period.opensAt)
    return refuse('period_not_open', `the period ${ctx.period.period} opens at ${ctx.period.opensAt}`);
  const rule = FROM[c.type];
  if (rule.by !== ctx.as) {
    return refuse(
      'forbidden',
      rule.by === 'unit'
        ? 'only the reporting unit writes and submits its report'
        : 'only the campaign office returns or accepts reports',
    );
  }
  if (!rule.states.includes(s.status))
    return refuse('invalid_transition', `cannot ${c.type} a report that is ${s.status}`);
  if (rule.by === 'office') {
    const duty = officeDuty(s, ctx);
    if (duty) return refuse(duty.code, duty.message);
  }
  const base = { at: ctx.now, actorId: ctx.actorId };
  switch (c.type) {
    case 'save_draft':
      return {
        ok: true,
        events: [
          {
            ...base,
            type: 'ReportDraftSaved',
            data: { narrative: c.narrative, attachments: c.attachments ?? s.attachments },
          },
        ],
      };
    case 'submit': {
      const narrative = c.narrative ?? s.narrative;
      if (!narrative)
        return refuse(
          'validation',
          'a report needs its narrative (本月进展, 存在问题, 下步计划) before it is submitted',
        );
      const late = s.late ?? ctx.now > ctx.period.dueAt;
      return {
        ok: true,
        events: [
          {
            ...base,
            type: 'ReportSubmitted',
            data: { narrative, attachments: c.attachments ?? s.attachments, late, stats: c.stats },
          },
        ],
      };
    }
    case 'return':
      return { ok: true, events: [{ ...base, type: 'ReportReturned', data: { reason: c.reason } }] };
    case 'accept':
      return { ok: true, events: [{ ...base, type: 'ReportAccepted', data: { note: c.note ?? null } }] };
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
}

export function evolveReport(s: ReportState, e: ReportEvent): ReportState {
  const v = { ...s, version: s.version + 1 };
  switch (e.type) {
    case 'ReportDraftSaved':
      return {
        ...v,
        status: s.status === 'returned' ? 'returned' : 'draft',
        narrative: e.data.narrative,
        attachments: e.data.attachments,
      };
    case 'ReportSubmitted':
      return {
        ...v,
        status: 'submitted',
        narrative: e.data.narrative,
        attachments: e.data.attachments,
        late: e.data.late,
        firstSubmittedAt: s.firstSubmittedAt ?? e.at,
        submittedAt: e.at,
        submittedBy: e.actorId,
        stats: e.data.stats,
      };
    case 'ReportReturned':
      return { ...v, status: 'returned', returnCount: s.returnCount + 1 };
    case 'ReportAccepted':
      return { ...v, status: 'accepted', acceptedAt: e.at };
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/** Where a unit stands on a period at `now`, for the board and for reminders. */
export type BoardStanding = 'not_open' | 'open' | 'due_soon' | 'missing' | 'on_time' | 'late';

export function standing(
  period: ReportPeriod,
  s: Pick<ReportState, 'status' | 'late'>,
  now: string,
  remindBeforeDays: number,
): BoardStanding {
  if (s.late !== null) return s.late ? 'late' : 'on_time';
  if (now < period.opensAt) return 'not_open';
  if (now > period.dueAt) return 'missing';
  return Date.parse(period.dueAt) - Date.parse(now) <= remindBeforeDays * 86_400_000 ? 'due_soon' : 'open';
}

/** Reminders the period calls for at `now` (for the notification machinery to deliver):
 * one `before_due` when the due day is near, one `late` once it has passed without a submission.
 * `key` is stable, so a deliverer can deduplicate. */
export interface ReportReminder {
  key: string;
  unitId: string;
  period: string;
  kind: 'before_due' | 'late';
  dueAt: string;
}

export function reportReminders(
  period: ReportPeriod,
  units: { unitId: string; state: Pick<ReportState, 'status' | 'late'> }[],
  now: string,
  remindBeforeDays: number,
): ReportReminder[] {
  const out: ReportReminder[] = [];
  for (const u of units) {
    const st = standing(period, u.state, now, remindBeforeDays);
    if (st === 'due_soon')
      out.push({
        key: `report-${period.period}-${u.unitId}-before`,
        unitId: u.unitId,
        period: period.period,
        kind: 'before_due',
        dueAt: period.dueAt,
      });
    if (st === 'missing')
      out.push({
        key: `report-${period.period}-${u.unitId}-late`,
        unitId: u.unitId,
        period: period.period,
        kind: 'late',
        dueAt: period.dueAt,
      });
  }
  return out;
}
