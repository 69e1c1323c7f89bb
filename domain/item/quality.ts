// Quality warnings from 003 §二(一): numbers that look good on paper but hide no real work.
import { addMonthsToInstant, monthsBetween, shanghaiDate, startOfDay } from '../calendar/calendar.ts';
import { type Message, render } from '../messages/index.ts';
import type { CampaignSettings, ItemState, QualityWarning } from './types.ts';

/**
 * A measure (措施) was taken: a progress entry marked as one (`substantive`), or a completed milestone.
 * A note alone is not a measure — 003 asks that 帮扶措施 be 落实, not that something be written.
 */
export function hasMeasures(state: ItemState): boolean {
  return state.substantiveProgressCount > 0 || state.milestones.some((m) => m.completedAt !== null);
}

/** Where the 纳而不帮 month starts: the day of 纳入监测 when known, else the assignment. */
export function monitoringStart(state: ItemState): string | null {
  return state.monitoredSince ? startOfDay(state.monitoredSince) : state.assignedAt;
}

function hasWarning(state: ItemState, code: QualityWarning['code']): boolean {
  return state.qualityWarnings.some((w) => w.code === code);
}

/**
 * 快进快出: closed in the same or the next month as it was reported (Shanghai months) with no
 * substantive progress and no completed milestone. Checked when the item is approved at `now`.
 */
export function fastInFastOut(state: ItemState, now: string): QualityWarning | null {
  const months = monthsBetween(shanghaiDate(state.reportedAt), shanghaiDate(now));
  if (months > 1) return null;
  if (state.substantiveProgressCount > 0 || state.milestones.some((m) => m.completedAt !== null)) return null;
  const message: Message = {
    code: 'quality.fast_in_fast_out',
    params: { reportedOn: shanghaiDate(state.reportedAt), closedOn: shanghaiDate(now) },
  };
  return { code: 'fast_in_fast_out', raisedAt: now, detail: render(message), message };
}

/**
 * 纳而不帮: when (instant) the warning falls due for an item that still has no measure
 * `noMeasuresWarningMonths` after 纳入监测 (or assignment) — or null when it cannot (any more).
 * Only once assigned: before that there is no unit whose help is missing.
 */
export function includedNotHelpedDue(state: ItemState, settings: CampaignSettings): string | null {
  if (state.status !== 'assigned' && state.status !== 'in_progress') return null;
  const from = monitoringStart(state);
  if (from === null || hasMeasures(state) || hasWarning(state, 'included_not_helped')) return null;
  return addMonthsToInstant(from, settings.noMeasuresWarningMonths);
}

export function includedNotHelped(state: ItemState, settings: CampaignSettings, now: string): QualityWarning {
  const months = settings.noMeasuresWarningMonths;
  const message: Message = state.monitoredSince
    ? { code: 'quality.included_not_helped_monitored', params: { monitoredOn: state.monitoredSince, months } }
    : { code: 'quality.included_not_helped', params: { assignedOn: shanghaiDate(state.assignedAt ?? now), months } };
  return { code: 'included_not_helped', raisedAt: now, detail: render(message), message };
}

/** The reason of a flag set by the last escalation step (挂牌督办), as text and as a message. */
export function flaggedByEscalation(deadline: string): { reason: string; message: Message } {
  const message: Message = { code: 'flag.overdue_escalation', params: { since: deadline } };
  return { reason: render(message), message };
}
