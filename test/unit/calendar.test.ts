import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addMonthsToInstant,
  type CalendarData,
  daysBetween,
  endOfDay,
  isValidDate,
  isWeekend,
  isWorkingDay,
  shanghaiDate,
  startOfDay,
  validateCalendarYear,
  withYears,
  workingDaysBetween,
} from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';

const cal = OFFICIAL_CALENDAR;

describe('the bundled official calendar', () => {
  it('has 2022–2026, each with its notice and consistent data', () => {
    expect(Object.keys(cal.years).sort()).toEqual(['2022', '2023', '2024', '2025', '2026']);
    for (const y of Object.values(cal.years)) {
      expect(y.source).toMatch(
        new RegExp(`^国办发明电〔${y.year - 1}〕\\d+号 国务院办公厅关于${y.year}年部分节假日安排的通知$`),
      );
      const check = validateCalendarYear(y);
      expect(check.ok ? [] : check.errors).toEqual([]);
    }
  });

  it.each([
    // [year, statutory holiday days, make-up workdays]
    ['2022', 31, 7],
    ['2023', 26, 7],
    ['2024', 28, 8],
    ['2025', 28, 5],
    ['2026', 33, 6],
  ])('%s lists %i holiday days and %i make-up workdays', (year, holidays, workdays) => {
    expect(cal.years[year]!.holidays).toHaveLength(holidays);
    expect(cal.years[year]!.workdays).toHaveLength(workdays);
  });

  it.each([
    ['2026-01-01', false],
    ['2026-01-04', true],
    ['2026-02-14', true],
    ['2026-02-15', false],
    ['2026-02-23', false],
    ['2026-02-24', true],
    ['2026-02-28', true],
    ['2026-03-01', false],
    ['2026-10-07', false],
    ['2026-10-10', true],
    ['2025-10-08', false],
    ['2025-09-28', true],
    ['2024-02-18', true],
    ['2023-06-25', true],
    ['2022-10-09', true],
    ['2026-03-04', true],
    ['2026-03-07', false],
  ])('%s is a working day: %s', (date, expected) => {
    expect(isWorkingDay(date, cal)).toBe(expected);
  });

  it('answers null for a year without data instead of guessing Mon–Fri', () => {
    expect(isWorkingDay('2027-03-03', cal)).toBeNull();
    expect(isWorkingDay('2021-03-03', cal)).toBeNull();
  });
});

describe('addDays', () => {
  it('counts working days across the 2026 Spring Festival (make-up Saturday counts, the holiday does not)', () => {
    // 02-13 Fri (1), 02-14 Sat make-up (2), 02-15..23 off, 02-24 (3), 02-25 (4), 02-26 (5)
    expect(addDays('2026-02-12', 5, 'working', cal)).toEqual({ date: '2026-02-26', provisional: false });
    expect(addDays('2026-02-12', 2, 'working', cal)).toEqual({ date: '2026-02-14', provisional: false });
    expect(addDays('2026-02-12', 3, 'working', cal)).toEqual({ date: '2026-02-24', provisional: false });
  });

  it('counts working days across 国庆 2026 and its make-up days', () => {
    expect(addDays('2026-09-30', 3, 'working', cal).date).toBe('2026-10-10'); // 10-08, 10-09, Sat 10-10
    expect(addDays('2026-09-18', 1, 'working', cal).date).toBe('2026-09-20'); // Sun 09-20 is a workday
    expect(addDays('2026-10-12', -1, 'working', cal).date).toBe('2026-10-10');
    expect(addDays('2026-10-09', -2, 'working', cal).date).toBe('2026-09-30');
  });

  it('counts calendar days plainly and never marks them provisional', () => {
    expect(addDays('2026-12-20', 30, 'calendar', cal)).toEqual({ date: '2027-01-19', provisional: false });
    expect(addDays('2026-03-02', 0, 'working', cal)).toEqual({ date: '2026-03-02', provisional: false });
  });

  it('marks a count through a year without data provisional (Mon–Fri assumed)', () => {
    expect(addDays('2026-12-24', 10, 'working', cal)).toEqual({ date: '2027-01-07', provisional: true });
    const with2027 = withYears(cal, [{ year: 2027, source: 'test', holidays: ['2027-01-01'], workdays: [] }]);
    expect(addDays('2026-12-24', 10, 'working', with2027)).toEqual({ date: '2027-01-08', provisional: false });
  });

  it('counts working days between two dates', () => {
    expect(workingDaysBetween('2026-02-12', '2026-02-26', cal)).toEqual({ days: 5, provisional: false });
    expect(workingDaysBetween('2026-02-26', '2026-02-12', cal)).toEqual({ days: -5, provisional: false });
    expect(daysBetween('2026-02-12', '2026-02-26')).toBe(14);
  });
});

describe('Asia/Shanghai dates', () => {
  it('converts instants to Shanghai dates at the fixed +08:00 offset', () => {
    expect(shanghaiDate('2026-03-31T15:59:59.999Z')).toBe('2026-03-31');
    expect(shanghaiDate('2026-03-31T16:00:00.000Z')).toBe('2026-04-01');
    expect(shanghaiDate('2026-04-01T00:30:00+08:00')).toBe('2026-04-01');
  });

  it('gives the start and end of a Shanghai day as UTC instants', () => {
    expect(endOfDay('2026-03-31')).toBe('2026-03-31T16:00:00.000Z');
    expect(startOfDay('2026-03-31')).toBe('2026-03-30T16:00:00.000Z');
    expect(endOfDay('2026-12-31')).toBe('2026-12-31T16:00:00.000Z');
  });

  it('validates dates strictly', () => {
    expect(isValidDate('2026-02-30')).toBe(false);
    expect(isValidDate('2026-02-28')).toBe(true);
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2026-13-01')).toBe(false);
    expect(isValidDate('2026-3-1')).toBe(false);
    expect(isValidDate(20260301)).toBe(false);
    expect(() => addDays('2026-02-30', 1, 'working', cal)).toThrow(RangeError);
  });

  it('adds months, clamping to the end of the month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
    expect(addMonths('2026-03-15', -3)).toBe('2025-12-15');
    expect(addMonthsToInstant('2026-01-31T02:00:00.000Z', 1)).toBe('2026-02-28T02:00:00.000Z');
    // 23:30 Shanghai on 01-31 is 15:30Z; a month later keeps 23:30 Shanghai on 02-28.
    expect(addMonthsToInstant('2026-01-31T15:30:00.000Z', 1)).toBe('2026-02-28T15:30:00.000Z');
  });

  it('knows weekends', () => {
    expect(isWeekend('2026-02-14')).toBe(true);
    expect(isWeekend('2026-02-13')).toBe(false);
  });
});

describe('validateCalendarYear (admin loads the next notice)', () => {
  const good = {
    year: 2027,
    source: '国办发明电〔2026〕X号 (test)',
    holidays: ['2027-01-02', '2027-01-01'],
    workdays: ['2027-01-09'],
  };

  it('accepts a consistent year and normalizes it', () => {
    const r = validateCalendarYear(good);
    expect(r).toEqual({ ok: true, year: { ...good, holidays: ['2027-01-01', '2027-01-02'] } });
  });

  it.each([
    ['a bad date', { ...good, holidays: ['2027-02-30'] }, /not a valid date/],
    ['a date of another year', { ...good, holidays: ['2026-12-31'] }, /not in 2027/],
    ['a weekday make-up day', { ...good, workdays: ['2027-01-04'] }, /weekday/],
    ['a day both off and on', { ...good, holidays: ['2027-01-09'], workdays: ['2027-01-09'] }, /both/],
    ['no source', { ...good, source: ' ' }, /source/],
    ['no year', { ...good, year: '2027' }, /year/],
  ])('refuses %s', (_name, input, message) => {
    const r = validateCalendarYear(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
  });

  it('refuses what is not an object', () => {
    expect(validateCalendarYear(null).ok).toBe(false);
  });

  it('lets loaded years extend and override the bundled ones', () => {
    const merged: CalendarData = withYears(cal, [{ ...good, holidays: ['2027-01-01'] }]);
    expect(isWorkingDay('2027-01-01', merged)).toBe(false);
    expect(isWorkingDay('2026-02-16', merged)).toBe(false);
  });
});
