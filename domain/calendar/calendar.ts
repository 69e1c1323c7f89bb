// The official Chinese working calendar and the date arithmetic every rule uses.
// Dates are 'YYYY-MM-DD' strings in Asia/Shanghai; instants are UTC ISO strings.
// Shanghai has been UTC+8 without DST since 1991, so a fixed offset is exact and we never
// need Intl (whose time-zone data differs between runtimes, e.g. Temporal's sandbox).

/** One State Council notice (国办发明电): the days off and the make-up working days (调休) of a year. */
export interface CalendarYear {
  year: number;
  /** Document number and title of the notice, e.g. "国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知". */
  source: string;
  /** Every day of each statutory holiday span (weekend days inside a span may be listed). */
  holidays: string[];
  /** Make-up working days that fall on a Saturday or Sunday. */
  workdays: string[];
}

export interface CalendarData {
  years: Record<string, CalendarYear>;
}

type DayKind = 'calendar' | 'working';

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------- plain dates

export function isValidDate(date: unknown): date is string {
  if (typeof date !== 'string') return false;
  const m = DATE_RE.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function epochDay(date: string): number {
  if (!isValidDate(date)) throw new RangeError(`not a valid date (YYYY-MM-DD): ${String(date)}`);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function fromEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function dayOfWeek(date: string): number {
  return new Date(epochDay(date) * DAY_MS).getUTCDay();
}

export function isWeekend(date: string): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** Same day of month `n` months later, clamped to the month's end (01-31 + 1 → 02-28). */
export function addMonths(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`months must be an integer: ${n}`);
  const total = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + n;
  epochDay(date); // validates
  const y = Math.floor(total / 12);
  const mo = total - y * 12 + 1;
  const d = Math.min(Number(date.slice(8, 10)), daysInMonth(y, mo));
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Months between the months of two dates (2026-01-31 → 2026-02-01 is 1). */
export function monthsBetween(from: string, to: string): number {
  const idx = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
  return idx(to) - idx(from);
}

// ---------------------------------------------------------------- instants (Asia/Shanghai)

/** Milliseconds since the epoch; throws on anything Date.parse cannot read. */
export function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not a valid instant: ${instant}`);
  return ms;
}

export function isValidInstant(instant: unknown): instant is string {
  return typeof instant === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(instant) && !Number.isNaN(Date.parse(instant));
}

/** Normalized UTC ISO form, so instants compare as strings. */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** The Shanghai calendar date of an instant. */
export function shanghaiDate(instant: string): string {
  return toInstant(instantMs(instant) + SHANGHAI_OFFSET_MS).slice(0, 10);
}

/** 00:00 Shanghai of `date`, as a UTC instant. */
export function startOfDay(date: string): string {
  return toInstant(epochDay(date) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** The end of `date` in Shanghai = 00:00 of the next day ('2026-03-31' → '2026-03-31T16:00:00.000Z'). */
export function endOfDay(date: string): string {
  return toInstant((epochDay(date) + 1) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** `hour`:00 Shanghai on `date`. */
export function atHour(date: string, hour: number): string {
  return toInstant(epochDay(date) * DAY_MS - SHANGHAI_OFFSET_MS + hour * 3_600_000);
}

/** The instant `n` months later, keeping the Shanghai time of day (day clamped to month end). */
export function addMonthsToInstant(instant: string, n: number): string {
  const ms = instantMs(instant);
  const date = shanghaiDate(instant);
  const timeOfDay = ms - instantMs(startOfDay(date));
  return toInstant(instantMs(startOfDay(addMonths(date, n))) + timeOfDay);
}

// ---------------------------------------------------------------- working days

// Sets per year object, built once; a pure cache (same input → same answer).
const cache = new WeakMap<CalendarYear, { holidays: Set<string>; workdays: Set<string> }>();

function sets(y: CalendarYear) {
  let s = cache.get(y);
  if (!s) {
    s = { holidays: new Set(y.holidays), workdays: new Set(y.workdays) };
    cache.set(y, s);
  }
  return s;
}

/** Whether `date` is a working day; null when no notice for its year is loaded (never guess Mon–Fri here). */
export function isWorkingDay(date: string, cal: CalendarData): boolean | null {
  const y = cal.years[date.slice(0, 4)];
  if (!y) return null;
  const s = sets(y);
  if (s.workdays.has(date)) return true;
  if (s.holidays.has(date)) return false;
  return !isWeekend(date);
}

/**
 * The date `days` (working) days after `from` (`from` itself not counted; negative counts back).
 * A day in a year without data counts as Mon–Fri, and the answer is then `provisional`:
 * the runtime recomputes it once that year's notice is loaded.
 */
export function addDays(
  from: string,
  days: number,
  kind: DayKind,
  cal: CalendarData,
): { date: string; provisional: boolean } {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer: ${days}`);
  let cur = epochDay(from);
  if (kind === 'calendar') return { date: fromEpochDay(cur + days), provisional: false };
  const step = days < 0 ? -1 : 1;
  let left = Math.abs(days);
  let provisional = false;
  while (left > 0) {
    cur += step;
    const date = fromEpochDay(cur);
    const working = isWorkingDay(date, cal);
    if (working === null) {
      provisional = true;
      if (!isWeekend(date)) left--;
    } else if (working) left--;
  }
  return { date: fromEpochDay(cur), provisional };
}

/** Working days in (from, to]; negative when `to` is before `from`. Provisional as in addDays. */
export function workingDaysBetween(
  from: string,
  to: string,
  cal: CalendarData,
): { days: number; provisional: boolean } {
  const a = epochDay(from);
  const b = epochDay(to);
  const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
  let days = 0;
  let provisional = false;
  for (let d = lo + 1; d <= hi; d++) {
    const date = fromEpochDay(d);
    const working = isWorkingDay(date, cal);
    if (working === null) provisional = true;
    if (working ?? !isWeekend(date)) days++;
  }
  return { days: sign * days, provisional };
}

// ---------------------------------------------------------------- loading a year

type CalendarYearCheck = { ok: true; year: CalendarYear } | { ok: false; errors: string[] };

/** Checks a year an admin loads (from the new notice) and returns it normalized (sorted, deduplicated). */
export function validateCalendarYear(input: unknown): CalendarYearCheck {
  const errors: string[] = [];
  if (typeof input !== 'object' || input === null) return { ok: false, errors: ['expected an object'] };
  const y = input as Record<string, unknown>;
  const year = y.year;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2200) {
    errors.push('year: an integer between 2000 and 2200');
  }
  if (typeof y.source !== 'string' || y.source.trim() === '')
    errors.push("source: the notice's document number and title");
  const lists: Record<'holidays' | 'workdays', string[]> = { holidays: [], workdays: [] };
  for (const key of ['holidays', 'workdays'] as const) {
    const v = y[key];
    if (!Array.isArray(v)) {
      errors.push(`${key}: an array of YYYY-MM-DD dates`);
      continue;
    }
    for (const d of v) {
      if (!isValidDate(d)) {
        errors.push(`${key}: ${String(d)} is not a valid date`);
        continue;
      }
      if (typeof year === 'number' && Number(d.slice(0, 4)) !== year) errors.push(`${key}: ${d} is not in ${year}`);
      if (key === 'workdays' && !isWeekend(d))
        errors.push(`workdays: ${d} is a weekday; only Saturdays and Sundays can be make-up workdays`);
      lists[key].push(d);
    }
  }
  const holidays = new Set(lists.holidays);
  for (const d of new Set(lists.workdays)) {
    if (holidays.has(d)) errors.push(`${d} is listed both as a holiday and as a make-up workday`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    year: {
      year: year as number,
      source: (y.source as string).trim(),
      holidays: [...holidays].sort(),
      workdays: [...new Set(lists.workdays)].sort(),
    },
  };
}

/** `base` extended or overridden by `years` (the database's years win over the bundled ones). */
export function withYears(base: CalendarData, years: CalendarYear[]): CalendarData {
  const out: Record<string, CalendarYear> = { ...base.years };
  for (const y of years) out[String(y.year)] = y;
  return { years: out };
}
