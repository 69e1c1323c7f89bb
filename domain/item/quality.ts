// Quality warnings from 003 §二(一): numbers that look good on paper but hide no real work.
import { addMonthsToInstant, monthsBetween, shanghaiDate } from '../calendar/calendar.ts';
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
  return {
    code: 'fast_in_fast_out',
    raisedAt: now,
    detail: `reported ${shanghaiDate(state.reportedAt)} and closed ${shanghaiDate(now)} without substantive measures (快进快出)`,
  };
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
  return {
    code: 'included_not_helped',
    raisedAt: now,
    detail: `assigned ${shanghaiDate(state.assignedAt ?? now)}, no measures recorded within ${settings.noMeasuresWarningMonths} month(s) (纳而不帮)`,
  };
}
