// Quality warnings from 003 §二(一): numbers that look good on paper but hide no real work.
import { addMonthsToInstant, monthsBetween, shanghaiDate } from '../calendar/calendar.ts';
import { type Message, render } from '../messages/index.ts';
import type { CampaignSettings, ItemState, QualityWarning } from './types.ts';

/** Measures were recorded: a progress report or a completed milestone. */
export function hasMeasures(state: ItemState): boolean {
  return state.progressCount > 0 || state.milestones.some((m) => m.completedAt !== null);
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
 * 纳而不帮: when (instant) the warning falls due for an item that still has no measures
 * `noMeasuresWarningMonths` after assignment — or null when it cannot (any more).
 */
export function includedNotHelpedDue(state: ItemState, settings: CampaignSettings): string | null {
  if (state.status !== 'assigned' && state.status !== 'in_progress') return null;
  if (state.assignedAt === null || hasMeasures(state) || hasWarning(state, 'included_not_helped')) return null;
  return addMonthsToInstant(state.assignedAt, settings.noMeasuresWarningMonths);
}

export function includedNotHelped(state: ItemState, settings: CampaignSettings, now: string): QualityWarning {
  const message: Message = {
    code: 'quality.included_not_helped',
    params: { assignedOn: shanghaiDate(state.assignedAt ?? now), months: settings.noMeasuresWarningMonths },
  };
  return { code: 'included_not_helped', raisedAt: now, detail: render(message), message };
}

/** The reason of a flag set by the last escalation step (挂牌督办), as text and as a message. */
export function flaggedByEscalation(deadline: string): { reason: string; message: Message } {
  const message: Message = { code: 'flag.overdue_escalation', params: { since: deadline } };
  return { reason: render(message), message };
}
