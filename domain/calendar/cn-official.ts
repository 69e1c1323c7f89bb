// The official working calendar bundled with the code: one entry per State Council notice on
// the next year's public holidays (国务院办公厅关于XXXX年部分节假日安排的通知, published each
// autumn/winter as 国办发明电). Holidays list every day of each span; workdays are the make-up
// working days (调休) on Saturdays and Sundays.
//
// These years are a floor, not the truth of record: an admin loads the next year's notice through
// the API (validated by validateCalendarYear), and the `calendar_years` table extends or overrides
// the years below. Until a year is loaded, deadlines counted through it are provisional.

import type { CalendarData, CalendarYear } from './calendar.ts';

/** Every date from `first` to `last` inclusive. */
function span(first: string, last: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

function year(y: number, source: string, holidays: string[][], workdays: string[]): CalendarYear {
  return { year: y, source, holidays: holidays.flat(), workdays };
}

export const OFFICIAL_CALENDAR: CalendarData = {
  years: {
    '2022': year(
      2022,
      '国办发明电〔2021〕11号 国务院办公厅关于2022年部分节假日安排的通知',
      [
        span('2022-01-01', '2022-01-03'), // 元旦
        span('2022-01-31', '2022-02-06'), // 春节
        span('2022-04-03', '2022-04-05'), // 清明节
        span('2022-04-30', '2022-05-04'), // 劳动节
        span('2022-06-03', '2022-06-05'), // 端午节
        span('2022-09-10', '2022-09-12'), // 中秋节
        span('2022-10-01', '2022-10-07'), // 国庆节
      ],
      ['2022-01-29', '2022-01-30', '2022-04-02', '2022-04-24', '2022-05-07', '2022-10-08', '2022-10-09'],
    ),

    '2023': year(
      2023,
      '国办发明电〔2022〕16号 国务院办公厅关于2023年部分节假日安排的通知',
      [
        span('2023-01-01', '2023-01-02'), // 元旦 (from 2022-12-31; only this year's days here)
        span('2023-01-21', '2023-01-27'), // 春节
        ['2023-04-05'], // 清明节
        span('2023-04-29', '2023-05-03'), // 劳动节
        span('2023-06-22', '2023-06-24'), // 端午节
        span('2023-09-29', '2023-10-06'), // 中秋节、国庆节
      ],
      ['2023-01-28', '2023-01-29', '2023-04-23', '2023-05-06', '2023-06-25', '2023-10-07', '2023-10-08'],
    ),

    '2024': year(
      2024,
      '国办发明电〔2023〕7号 国务院办公厅关于2024年部分节假日安排的通知',
      [
        ['2024-01-01'], // 元旦
        span('2024-02-10', '2024-02-17'), // 春节
        span('2024-04-04', '2024-04-06'), // 清明节
        span('2024-05-01', '2024-05-05'), // 劳动节
        ['2024-06-10'], // 端午节
        span('2024-09-15', '2024-09-17'), // 中秋节
        span('2024-10-01', '2024-10-07'), // 国庆节
      ],
      ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12'],
    ),

    '2025': year(
      2025,
      '国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知',
      [
        ['2025-01-01'], // 元旦
        span('2025-01-28', '2025-02-04'), // 春节
        span('2025-04-04', '2025-04-06'), // 清明节
        span('2025-05-01', '2025-05-05'), // 劳动节
        span('2025-05-31', '2025-06-02'), // 端午节
        span('2025-10-01', '2025-10-08'), // 国庆节、中秋节
      ],
      ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
    ),

    '2026': year(
      2026,
      '国办发明电〔2025〕7号 国务院办公厅关于2026年部分节假日安排的通知',
      [
        span('2026-01-01', '2026-01-03'), // 元旦
        span('2026-02-15', '2026-02-23'), // 春节
        span('2026-04-04', '2026-04-06'), // 清明节
        span('2026-05-01', '2026-05-05'), // 劳动节
        span('2026-06-19', '2026-06-21'), // 端午节
        span('2026-09-25', '2026-09-27'), // 中秋节
        span('2026-10-01', '2026-10-07'), // 国庆节
      ],
      ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
    ),
  },
};
