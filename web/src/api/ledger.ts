// The ledger query as the API defines it, and its round trip through the browser's address bar
// (so a dashboard number, a workbench card or a saved filter is just a ledger URL).
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import { addDays, type CalendarData } from '../../../domain/calendar/calendar.ts';
import { api } from './client.ts';
import type { paths } from './schema';

export type LedgerQuery = NonNullable<paths['/api/v1/items']['get']['parameters']['query']>;

/** The filter keys of the list (everything except paging). */
export const FILTER_KEYS = [
  'campaignId',
  'categoryId',
  'unitId',
  'status',
  'source',
  'overdue',
  'flagged',
  'supervisionLevel',
  'deadlineFrom',
  'deadlineTo',
  'q',
  'sort',
  'order',
] as const;
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

/** The ledger's page size. */
export const LEDGER_PAGE = 50;

// The first page of the ledger, requested by the router as soon as navigation to the ledger starts,
// so the request runs while the page's code is still loading; the page takes it if the filter matches.
let prefetched: { key: string; at: number; result: ReturnType<typeof requestFirstPage> } | null = null;
const requestFirstPage = (f: LedgerFilter) =>
  api.GET('/api/v1/items', { params: { query: { ...f, limit: LEDGER_PAGE, count: 'true' } } });

export function prefetchFirstPage(f: LedgerFilter) {
  const result = requestFirstPage(f);
  result.catch(() => undefined); // a network failure is reported when the page takes the result
  prefetched = { key: JSON.stringify(f), at: Date.now(), result };
}

export function firstPage(f: LedgerFilter) {
  const p = prefetched;
  prefetched = null;
  return p && p.key === JSON.stringify(f) && Date.now() - p.at < 5_000 ? p.result : requestFirstPage(f);
}
