// Festivals by name, read from the holiday spans of the official calendar (the State Council notices
// list days, not names). Offices write deadlines such as 春节前 or 国庆节前; the first day of the
// holiday span is what "before the festival" runs up to. Pure.
import type { CalendarData } from './calendar.ts';

export const FESTIVALS = ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'] as const;
export type Festival = (typeof FESTIVALS)[number];

/** The spellings in ledgers, longest first so 国庆节 wins over 国庆. */
export const FESTIVAL_WORDS: [string, Festival][] = (
  [
    ['元旦节', '元旦'],
    ['元旦', '元旦'],
    ['春节', '春节'],
    ['农历新年', '春节'],
    ['清明节', '清明节'],
    ['清明', '清明节'],
    ['劳动节', '劳动节'],
    ['五一', '劳动节'],
    ['端午节', '端午节'],
    ['端午', '端午节'],
    ['中秋节', '中秋节'],
    ['中秋', '中秋节'],
    ['国庆节', '国庆节'],
    ['国庆', '国庆节'],
    ['十一', '国庆节'],
  ] as [string, Festival][]
).sort((a, b) => b[0].length - a[0].length);

interface Span {
  first: string;
  last: string;
}

function spans(days: string[]): Span[] {
  const sorted = [...new Set(days)].sort();
  const out: Span[] = [];
  for (const d of sorted) {
    const prev = out[out.length - 1];
    if (prev && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${prev.last}T00:00:00Z`) === 86_400_000) prev.last = d;
    else out.push({ first: d, last: d });
  }
  return out;
}

/** The first holiday day of each festival in `year`, or null when that year's notice is not loaded. */
export function festivalStarts(cal: CalendarData, year: number): Partial<Record<Festival, string>> | null {
  const y = cal.years[String(year)];
  if (!y) return null;
  const out: Partial<Record<Festival, string>> = {};
  const md = (d: string) => d.slice(5);
  for (const s of spans(y.holidays.filter((d) => d.startsWith(`${year}-`)))) {
    const has = (mmdd: string) => md(s.first) <= mmdd && mmdd <= md(s.last);
    if (has('01-01')) out.元旦 = s.first;
    else if (md(s.first) >= '01-15' && md(s.first) <= '02-25') out.春节 = s.first;
    else if (md(s.first) >= '04-01' && md(s.first) <= '04-07') out.清明节 = s.first;
    else if (has('05-01')) out.劳动节 = s.first;
    else if (md(s.first) >= '05-25' && md(s.first) <= '06-25') out.端午节 = s.first;
    else if (has('10-01')) {
      out.国庆节 = s.first;
      // 中秋 and 国庆 share one span in years when they fall together (2023, 2025).
      if (md(s.first) < '10-01' || md(s.last) > '10-07') out.中秋节 ??= s.first;
    } else if (md(s.first) >= '09-07' && md(s.first) <= '10-08') out.中秋节 = s.first;
  }
  return out;
}
