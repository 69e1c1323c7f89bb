// Everything time-based about an item, in one place: the pending timers, the earliest one
// (nextWake) and what a tick fires. nextWake and tick read the same list, so a tick at nextWake
// always fires something and a tick before it never does.
//
// Documented choices:
// - Reminders fire at 09:00 Shanghai on the (working) day `d` days before the deadline day.
// - Deadline timers (reminders, DeadlineMissed, escalation, 纳而不帮) run only while the item is
//   assigned or in_progress: a submitted item waits for review and is not overdue; if it is
//   rejected, its timers resume (and catch up).
// - Escalation step k is due at the end of the (working) day `afterDays` after the deadline day,
//   and never before the lower steps (steps are taken in level order).
// - A tick after downtime fires every due timer once, in order of due instant; each event's
//   `dueAt` is the scheduled instant and `at` the tick's `now` — except a reminder whose moment has
//   passed (a nearer reminder or the missed deadline is due too): it is dropped, never sent late.
// - An instant counted through a year without official calendar data carries `provisional`, like the
//   deadline (a fixed-date deadline's own day is provisional too: is it a working day?).
// - A provisional deadline is recomputed as soon as the calendar covers it; that timer is due at
//   the start of the day its count began (so it comes first, and is already due when a year is loaded).

import {
  addDays,
  atHour,
  endOfDay,
  instantMs,
  isWorkingDay,
  shanghaiDate,
  startOfDay,
  toInstant,
} from '../calendar/calendar.ts';
import type { CalendarData } from '../calendar/calendar.ts';
import { type Message, render } from '../messages/index.ts';
import { evolve } from './evolve.ts';
import { flaggedByEscalation, includedNotHelped, includedNotHelpedDue } from './quality.ts';
import { closingEvents, openObjections } from './sign-off.ts';
import type { CampaignSettings, ItemEvent, ItemState } from './types.ts';

export interface TimeEnv {
  settings: CampaignSettings;
  calendar: CalendarData;
}

type Step = CampaignSettings['escalationSteps'][number];

/** `provisional`: the instant was counted through a year without official calendar data (国办发明电 not loaded),
 * the same mark a deadline carries; it is recounted once that year is loaded. Absent when exact. */
export type Timer = { provisional?: true } & (
  | { kind: 'recompute'; dueAt: string; deadline: string }
  | { kind: 'reminder'; dueAt: string; daysBefore: number }
  | { kind: 'deadline_missed'; dueAt: string }
  | { kind: 'escalation'; dueAt: string; step: Step }
  | { kind: 'included_not_helped'; dueAt: string }
  | { kind: 'window_elapsed'; dueAt: string }
  | { kind: 'recheck_due'; dueAt: string }
  | { kind: 'review_waiting'; dueAt: string }
  | { kind: 'supervision_reminder'; dueAt: string; daysBefore: number }
  | { kind: 'supervision_overdue'; dueAt: string }
  | { kind: 'notice_end'; dueAt: string }
);

const mark = (provisional: boolean): { provisional?: true } => (provisional ? { provisional: true } : {});

// Ties at the same instant: recompute first (it may move the deadline), then the deadline's story in order.
const PRIORITY: Record<Timer['kind'], number> = {
  recompute: 0,
  reminder: 1,
  deadline_missed: 2,
  escalation: 3,
  included_not_helped: 4,
  window_elapsed: 5,
  recheck_due: 6,
  review_waiting: 7,
  supervision_reminder: 8,
  supervision_overdue: 9,
  notice_end: 10,
};

/** Every timer pending in this state, earliest first. */
export function pendingTimers(state: ItemState, env: TimeEnv): Timer[] {
  const { settings, calendar } = env;
  const kind = settings.workingDays ? 'working' : 'calendar';
  const out: Timer[] = [];
  const active = state.status === 'assigned' || state.status === 'in_progress';
  const terminal = state.status === 'verified' || state.status === 'dismissed';

  if (!terminal && state.deadlineProvisional && state.deadlineWorkingDays) {
    const { from, days } = state.deadlineWorkingDays;
    const r = addDays(from, days, 'working', calendar);
    if (!r.provisional) out.push({ kind: 'recompute', dueAt: startOfDay(from), deadline: r.date });
  }

  if (active && state.deadline !== null) {
    const deadline = state.deadline;
    if (!state.overdue) {
      const ds = [...new Set(settings.remindBeforeDays)].filter((d) => Number.isInteger(d) && d >= 0);
      for (const d of ds) {
        // A reminder with fewer days left already went out: this one's moment has passed (after downtime).
        if (state.remindersSent.includes(d) || state.remindersSent.some((x) => x < d)) continue;
        const r = addDays(deadline, -d, kind, calendar);
        out.push({
          kind: 'reminder',
          dueAt: atHour(r.date, 9),
          daysBefore: d,
          ...mark(r.provisional || dayProvisional(deadline, kind, calendar)),
        });
      }
      out.push({
        kind: 'deadline_missed',
        dueAt: endOfDay(deadline),
        ...mark(state.deadlineProvisional || dayProvisional(deadline, kind, calendar)),
      });
    } else {
      const next = nextEscalation(state, env);
      if (next) out.push(next);
    }
  }

  const nah = includedNotHelpedDue(state, settings);
  if (nah !== null) out.push({ kind: 'included_not_helped', dueAt: nah });

  // A submission waits for review at most reviewLimitDays; then the reviewers are reminded, once per submission.
  // In the 公示 nobody is waiting for a review: the chain is decided.
  if (state.status === 'submitted' && state.submittedAt !== null && !state.reviewRemindedAt && !state.publicNotice) {
    const limit = settings.reviewLimitDays ?? 5;
    if (Number.isInteger(limit) && limit > 0) {
      const r = addDays(shanghaiDate(state.submittedAt), limit, kind, calendar);
      out.push({ kind: 'review_waiting', dueAt: atHour(r.date, 9), ...mark(r.provisional) });
    }
  }

  // The 督办 deadline gets the item deadline's reminders, then one notice when it passes, while the
  // item is still being worked (assigned, in progress or waiting for review).
  const sup = state.supervision;
  if (state.flagged && sup?.dueOn && !sup.overdueAt && (active || state.status === 'submitted')) {
    const ds = [...new Set(settings.remindBeforeDays)].filter((d) => Number.isInteger(d) && d >= 0);
    for (const d of ds) {
      if (sup.remindersSent.includes(d) || sup.remindersSent.some((x) => x < d)) continue;
      const r = addDays(sup.dueOn, -d, kind, calendar);
      out.push({
        kind: 'supervision_reminder',
        dueAt: atHour(r.date, 9),
        daysBefore: d,
        ...mark(r.provisional || dayProvisional(sup.dueOn, kind, calendar)),
      });
    }
    out.push({
      kind: 'supervision_overdue',
      dueAt: endOfDay(sup.dueOn),
      ...mark(dayProvisional(sup.dueOn, kind, calendar)),
    });
  }

  // The 公示's end: the sign-off takes effect then unless an objection (异议) holds it.
  if (state.status === 'submitted' && state.publicNotice && state.publicNotice.endedAt === null) {
    out.push({ kind: 'notice_end', dueAt: state.publicNotice.endsAt });
  }

  if (state.status === 'closed' && state.closedAt !== null) {
    if (state.recheck === null) {
      const last = addDays(shanghaiDate(state.closedAt), settings.recheckWindowDays, 'calendar', calendar).date;
      out.push({ kind: 'window_elapsed', dueAt: endOfDay(last) });
    } else if (!state.recheck.remindedAt) {
      out.push({ kind: 'recheck_due', dueAt: toInstant(instantMs(state.recheck.dueBy)) });
    }
  }

  return out.sort(
    (a, b) =>
      instantMs(a.dueAt) - instantMs(b.dueAt) ||
      PRIORITY[a.kind] - PRIORITY[b.kind] ||
      (a.kind === b.kind && 'daysBefore' in a && 'daysBefore' in b ? b.daysBefore - a.daysBefore : 0),
  );
}

function nextEscalation(state: ItemState, env: TimeEnv): Timer | null {
  const kind = env.settings.workingDays ? 'working' : 'calendar';
  const steps = [...env.settings.escalationSteps].sort((a, b) => a.level - b.level);
  let due = instantMs(state.overdueSince ?? endOfDay(state.deadline!));
  // An item imported already overdue (an old ledger) climbs the steps from the import day, not from a
  // deadline years ago: otherwise every step up to 挂牌督办 would fire at once on import.
  const from =
    state.imported?.overdueAtImport && state.overdueSince ? shanghaiDate(state.overdueSince) : state.deadline!;
  let provisional = state.deadlineProvisional;
  for (const step of steps) {
    const r = addDays(from, Math.max(0, step.afterDays), kind, env.calendar);
    const own = instantMs(endOfDay(r.date));
    // The step's instant is the later of its own count and the steps below: provisional if any count was.
    provisional ||= r.provisional || dayProvisional(r.date, kind, env.calendar);
    due = Math.max(due, own);
    if (step.level > state.escalationLevel)
      return { kind: 'escalation', dueAt: toInstant(due), step, ...mark(provisional) };
  }
  return null;
}

/** A day counted in working days whose own year has no official data (is it a working day at all?). */
function dayProvisional(date: string, kind: 'working' | 'calendar', calendar: CalendarData): boolean {
  return kind === 'working' && isWorkingDay(date, calendar) === null;
}

/** The earliest instant at which a tick would produce events, or null when none ever will (as things stand). */
export function nextWake(state: ItemState, env: TimeEnv): string | null {
  return pendingTimers(state, env)[0]?.dueAt ?? null;
}

function fire(t: Timer, s: ItemState, now: string, actorId: string | null, env: TimeEnv): ItemEvent[] {
  const at = now;
  switch (t.kind) {
    case 'recompute':
      return [{ type: 'DeadlineRecomputed', at, actorId, data: { deadline: t.deadline, deadlineProvisional: false } }];
    case 'reminder':
      return [
        {
          type: 'ReminderIssued',
          at,
          actorId,
          data: { kind: 'deadline_approaching', daysBefore: t.daysBefore, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
    case 'deadline_missed':
      return [
        {
          type: 'DeadlineMissed',
          at,
          actorId,
          data: { deadline: s.deadline!, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
    case 'escalation': {
      const events: ItemEvent[] = [
        {
          type: 'Escalated',
          at,
          actorId,
          data: { level: t.step.level, target: t.step.target, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
      if (t.step.target === 'flag' && !s.flagged) {
        events.push({
          type: 'ItemFlagged',
          at,
          actorId,
          data: { ...flaggedByEscalation(s.deadline!), byEscalation: true },
        });
      }
      return events;
    }
    case 'included_not_helped':
      return [{ type: 'QualityWarningRaised', at, actorId, data: includedNotHelped(s, env.settings, now) }];
    case 'window_elapsed': {
      const verified: ItemEvent[] = [{ type: 'ItemVerified', at, actorId, data: { by: 'window_elapsed' } }];
      if (!s.feedbackRequired) return verified;
      // 事事有回音: an item verified when its window passed is told too (000 §七).
      const message: Message = { code: 'feedback.verified', params: { title: s.title } };
      return [
        ...verified,
        { type: 'ReporterFeedbackDue', at, actorId, data: { outcome: 'verified', text: render(message), message } },
      ];
    }
    case 'recheck_due':
      return [{ type: 'ReminderIssued', at, actorId, data: { kind: 'recheck_due', daysBefore: null, dueAt: t.dueAt } }];
    case 'review_waiting':
      return [
        {
          type: 'ReminderIssued',
          at,
          actorId,
          data: { kind: 'review_waiting', daysBefore: null, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
    case 'supervision_reminder':
      return [
        {
          type: 'ReminderIssued',
          at,
          actorId,
          data: { kind: 'supervision_approaching', daysBefore: t.daysBefore, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
    case 'supervision_overdue':
      return [
        {
          type: 'ReminderIssued',
          at,
          actorId,
          data: { kind: 'supervision_overdue', daysBefore: null, dueAt: t.dueAt, ...mark(!!t.provisional) },
        },
      ];
    case 'notice_end': {
      const open = openObjections(s);
      const ended: ItemEvent = {
        type: 'PublicNoticeEnded',
        at,
        actorId,
        data: { objections: s.publicNotice?.objections.length ?? 0, open },
      };
      if (open > 0) return [ended];
      const after = evolve(s, ended);
      return [ended, ...closingEvents(after, null, now, shanghaiDate(now), actorId, env.settings, env.calendar)];
    }
    default: {
      const _exhaustive: never = t;
      throw new Error(`unknown timer ${(_exhaustive as Timer).kind}`);
    }
  }
}

/** What a tick at `now` fires: every due timer once, in order, each seeing the state the previous left. */
export function tickEvents(state: ItemState, now: string, actorId: string | null, env: TimeEnv): ItemEvent[] {
  const nowMs = instantMs(now);
  const events: ItemEvent[] = [];
  let s = state;
  // Each timer's event removes it from the pending list, so this ends; the bound guards a bug.
  for (let guard = 0; guard < 1000; guard++) {
    const due = pendingTimers(s, env).filter((x) => instantMs(x.dueAt) <= nowMs);
    // After downtime a reminder whose moment has passed ("还有3天" after the deadline) is not sent as if
    // still true: the later truth due with it (a nearer reminder, the missed deadline) goes out instead.
    const t = due.find((x) => !superseded(x, due));
    if (!t) return events;
    for (const e of fire(t, s, now, actorId, env)) {
      events.push(e);
      s = evolve(s, e);
    }
  }
  throw new Error(`item ${state.id}: timers did not settle`);
}

/** A reminder is stale when a later step of the same deadline is due at the same tick. */
function superseded(t: Timer, due: Timer[]): boolean {
  if (t.kind === 'reminder')
    return due.some((x) => x.kind === 'deadline_missed' || (x.kind === 'reminder' && x.daysBefore < t.daysBefore));
  if (t.kind === 'supervision_reminder')
    return due.some(
      (x) => x.kind === 'supervision_overdue' || (x.kind === 'supervision_reminder' && x.daysBefore < t.daysBefore),
    );
  return false;
}
