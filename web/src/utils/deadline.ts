// The deadline said plainly: 剩余 3 个工作日 / 今天到期 / 已逾期 5 天, and the escalation level (督办级别).
// Working days come from the same calendar code the server decides with (domain/calendar).
import { daysBetween, shanghaiDate, workingDaysBetween, type CalendarData } from '../../../domain/calendar/calendar.ts';
import { t } from '../i18n.ts';

export interface DeadlineInfo {
  text: string;
  tone: 'ok' | 'warn' | 'bad' | 'muted';
  provisional: boolean;
}

interface ItemLike {
  status: string;
  deadline: string | null;
  overdue: boolean;
  deadlineProvisional: boolean;
}

export const today = () => shanghaiDate(new Date().toISOString());

export function deadlineInfo(
  item: ItemLike,
  opts: { calendar: CalendarData | null; workingDays: boolean; now?: string },
): DeadlineInfo {
  const provisional = item.deadlineProvisional;
  // Past the work: whether it was handed in (or finished) after the deadline — the overdue fact stays
  // on the item once the deadline was missed, until a new deadline starts a new clock.
  if (item.status === 'dismissed') return { text: t('deadline.dismissed'), tone: 'muted', provisional: false };
  if (item.status === 'submitted')
    return item.overdue
      ? { text: t('deadline.submittedLate'), tone: 'bad', provisional: false }
      : { text: t('deadline.submittedOnTime'), tone: 'muted', provisional: false };
  if (item.status === 'closed' || item.status === 'verified')
    return item.overdue
      ? { text: t('deadline.doneLate'), tone: 'warn', provisional: false }
      : { text: t('deadline.done'), tone: 'muted', provisional: false };
  if (!item.deadline) return { text: t('deadline.none'), tone: 'muted', provisional: false };
  const now = opts.now ?? today();
  if (item.overdue || item.deadline < now) {
    return {
      text: t('deadline.overdueDays', { n: Math.max(1, daysBetween(item.deadline, now)) }),
      tone: 'bad',
      provisional,
    };
  }
  if (item.deadline === now) return { text: t('deadline.today'), tone: 'warn', provisional };
  if (opts.workingDays && opts.calendar) {
    const n = workingDaysBetween(now, item.deadline, opts.calendar).days;
    return { text: t('deadline.remainingWorking', { n }), tone: n <= 3 ? 'warn' : 'ok', provisional };
  }
  const n = daysBetween(now, item.deadline);
  return { text: t('deadline.remainingDays', { n }), tone: n <= 3 ? 'warn' : 'ok', provisional };
}

export function escalationText(level: number, steps: { level: number; target: string }[] | undefined): string {
  if (level <= 0) return '';
  const step = steps?.find((s) => s.level === level);
  const target = step ? t(`deadline.escalationTarget.${step.target}`) : '';
  return `${t('deadline.escalation', { n: level })}${target ? ` · ${target}` : ''}`;
}

/** Kept here for existing imports; the one formatter lives in utils/time.ts. */
export { formatTime } from './time.ts';
