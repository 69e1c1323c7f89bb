// The ledger query as the API defines it, and its round trip through the browser's address bar
// (so a dashboard number, a workbench card or a saved filter is just a ledger URL).
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import { addDays, type CalendarData } from '../../../domain/calendar/calendar.ts';
import type { paths } from './schema';

export type LedgerQuery = NonNullable<paths['/api/v1/items']['get']['parameters']['query']>;

/** The filter keys of the list (everything except paging). */
export const FILTER_KEYS = ['campaignId', 'categoryId', 'unitId', 'status', 'source', 'overdue', 'flagged', 'deadlineFrom', 'deadlineTo', 'q', 'sort', 'order'] as const;
export type LedgerFilter = Pick<LedgerQuery, (typeof FILTER_KEYS)[number]>;

export function filterFromRoute(q: LocationQuery): LedgerFilter {
  const f: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = q[k];
    if (typeof v === 'string' && v !== '') f[k] = v;
  }
  return f as LedgerFilter;
}

export function filterToRoute(f: LedgerFilter): LocationQueryRaw {
  const out: LocationQueryRaw = {};
  for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== '') out[k] = f[k] as string;
  return out;
}

/** "Due soon": an open item whose deadline lies within the next `days` calendar days. */
export function dueSoonRange(today: string, days = 7, calendar: CalendarData = { years: {} }) {
  return { deadlineFrom: today, deadlineTo: addDays(today, days, 'calendar', calendar).date };
}
