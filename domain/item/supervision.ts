// 督办 (004 §二 挂牌督办) and 纳入监测 (003 §二(一)): the field rules of the commands that carry them.
import { isValidDate } from '../calendar/calendar.ts';
import { SUPERVISION_LEVELS, type SupervisionLevel } from './types.ts';

/** Why a 督办 level or deadline is unacceptable, as [field, message], or null. */
export function badSupervision(
  c: { level?: SupervisionLevel; dueOn?: string },
  today: string,
): [field: string, message: string] | null {
  if (c.level !== undefined && !SUPERVISION_LEVELS.includes(c.level))
    return ['level', `must be one of ${SUPERVISION_LEVELS.join(', ')} (督办, 挂牌督办)`];
  if (c.dueOn !== undefined) {
    if (!isValidDate(c.dueOn)) return ['dueOn', `${String(c.dueOn)} is not a valid date (YYYY-MM-DD)`];
    if (c.dueOn < today) return ['dueOn', `${c.dueOn} is before today (${today})`];
  }
  return null;
}

/** Why a 纳入监测 day is unacceptable, or null: a real date, not in the future. */
export function badMonitoredSince(value: unknown, today: string): string | null {
  if (value === undefined || value === null) return null;
  if (!isValidDate(value)) return `${String(value)} is not a valid date (YYYY-MM-DD)`;
  return value > today ? `${value} is after today (${today}): 纳入监测 cannot be in the future` : null;
}
