// The official working calendar: the years bundled with the code, extended or overridden by
// the years an admin loaded into `calendar_years` (the next State Council notice, each November).
import { asc } from 'drizzle-orm';
import type { CalendarData, CalendarYear } from '../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../domain/calendar/cn-official.ts';
import type { DbOrTx } from './client.ts';
import { calendarYears } from './schema.ts';

export async function loadCalendar(db: DbOrTx): Promise<CalendarData> {
  const rows = await db.select().from(calendarYears).orderBy(asc(calendarYears.year));
  const years: Record<string, CalendarYear> = { ...OFFICIAL_CALENDAR.years };
  for (const r of rows) {
    years[String(r.year)] = { year: r.year, source: r.source, holidays: r.holidays, workdays: r.workdays };
  }
  return { years };
}

export async function saveCalendarYear(db: DbOrTx, y: CalendarYear): Promise<void> {
  const values = {
    year: y.year,
    source: y.source,
    holidays: y.holidays,
    workdays: y.workdays,
    updatedAt: new Date().toISOString(),
  };
  await db.insert(calendarYears).values(values).onConflictDoUpdate({ target: calendarYears.year, set: values });
}
