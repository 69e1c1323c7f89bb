// Deadlines given as a number of days: counted in working days on the official calendar when the
// campaign says so, and remembered as such so a provisional count can be redone later.
import { addDays } from '../calendar/calendar.ts';
import type { CalendarData } from '../calendar/calendar.ts';
import type { CampaignSettings } from './types.ts';

export interface CountedDeadline {
  deadline: string;
  deadlineProvisional: boolean;
  deadlineWorkingDays: { from: string; days: number } | null;
}

/** The last day `days` (working) days after `today` (today not counted). */
export function countDeadline(
  today: string,
  days: number,
  settings: CampaignSettings,
  calendar: CalendarData,
): CountedDeadline {
  if (!settings.workingDays) {
    return {
      deadline: addDays(today, days, 'calendar', calendar).date,
      deadlineProvisional: false,
      deadlineWorkingDays: null,
    };
  }
  const r = addDays(today, days, 'working', calendar);
  return { deadline: r.date, deadlineProvisional: r.provisional, deadlineWorkingDays: { from: today, days } };
}

/** A deadline given as a date is exact: never provisional. */
export function fixedDeadline(date: string): CountedDeadline {
  return { deadline: date, deadlineProvisional: false, deadlineWorkingDays: null };
}

/**
 * "Overdue" as every screen counts it (workbench, dashboard, filtered ledger, export): the deadline was
 * missed and the work is still with the unit. An item handed in late (submitted) or finished late keeps
 * the missed-deadline fact (`overdue` in the state) and is shown as 逾期提交 / 逾期办结, not counted here.
 */
export const DEADLINE_RUNNING = ['assigned', 'in_progress'] as const;
export function isOverdue(item: { status: string; overdue: boolean }): boolean {
  return item.overdue && (DEADLINE_RUNNING as readonly string[]).includes(item.status);
}
