// 整改时限 as offices write it: a date cell, an Excel serial number, or words — 2022.6.30, 6月底,
// 10月中旬, 第三季度, 年底, 春节前 (from the calendar data), 明年6月底, 立行立改, 长期坚持, and
// combinations such as "2022年6月底前完成，长期坚持" (a date AND a standing obligation). The original
// words are always kept. Pure.
import type { CalendarData } from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { FESTIVAL_WORDS, festivalStarts } from '../../domain/calendar/festivals.ts';

export type Deadline =
  | { kind: 'date'; date: string; original: string; standing?: boolean }
  | { kind: 'immediate'; original: string; standing?: boolean } // 立行立改
  | { kind: 'long_term'; original: string } // 长期坚持 alone
  | { kind: 'invalid'; original: string; reason: string };

export interface DeadlineContext {
  /** The year a deadline without one means: the row's or the campaign's year, never today's by accident. */
  year: number;
  /** A festival without a year means its next holiday on or after this day (the ledger's date). */
  after: string;
  calendar: CalendarData;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

function valid(y: number, m: number, d: number): boolean {
  return y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= lastDay(y, m);
}

/** Excel's day numbers (1900 date system, with its phantom 29 Feb 1900): 45930 → 2025-09-30. */
export function excelSerialToDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 32874 || serial > 73050) return null; // 1990 … 2100
  const ms = Math.round((Math.floor(serial) - 25569) * 86_400_000);
  return new Date(ms).toISOString().slice(0, 10);
}

const CN: Record<string, number> = {
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
  十一: 11,
  十二: 12,
};
const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : (CN[s] ?? Number.NaN));

const STANDING = /长期坚持|长期整改|长期推进|持续整改|持续推进|持续抓好|常态化|长效|长期|每月|每季度|每年/;
const IMMEDIATE = /立行立改|立即整改|即知即改|马上就改|即查即改|立即|即时/;

export function contextFor(today: string, calendar: CalendarData = OFFICIAL_CALENDAR): DeadlineContext {
  return { year: Number(today.slice(0, 4)), after: today, calendar };
}

export function parseDeadline(value: unknown, context: string | DeadlineContext): Deadline {
  const ctx = typeof context === 'string' ? contextFor(context) : context;
  if (value instanceof Date) {
    const d = value.toISOString().slice(0, 10);
    return { kind: 'date', date: d, original: d };
  }
  if (typeof value === 'number') {
    const d = excelSerialToDate(value);
    return d
      ? { kind: 'date', date: d, original: String(value) }
      : { kind: 'invalid', original: String(value), reason: `数字 ${value} 不是有效的日期` };
  }
  const original = String(value ?? '').trim();
  const s = original
    .replace(/(\d)[ T]\d{1,2}:\d{2}(:\d{2})?$/, '$1') // 12345 工单: "2022-03-22 17:00:00"
    .replace(/[\s\u3000]+/g, '')
    .replace(/[（(].*?[）)]/g, '');
  if (s === '') return { kind: 'invalid', original, reason: '整改时限为空' };
  const standing = STANDING.test(s);
  // Parts: "2022年6月底前完成，长期坚持" → a date part and a standing part.
  const parts = s.split(/[，,；;。]|并且|并|同时/).filter((p) => p !== '');
  let date: string | null = null;
  let immediate = false;
  let unknown: string | null = null;
  let year = ctx.year;
  for (const p of parts) {
    if (IMMEDIATE.test(p)) {
      immediate = true;
      continue;
    }
    const d = datePart(strip(p), { ...ctx, year });
    if (d) {
      year = Number(d.slice(0, 4)); // a later part without a year continues this one's
      if (!date || d > date) date = d;
    } else if (!STANDING.test(p)) unknown ??= p;
  }
  if (unknown !== null && !date && !immediate && !standing)
    return {
      kind: 'invalid',
      original,
      reason: `无法识别的整改时限「${original}」（可写日期、“2025年9月底前”、“春节前”、“立行立改”或“长期坚持”）`,
    };
  if (date) return standing ? { kind: 'date', date, original, standing } : { kind: 'date', date, original };
  if (immediate) return standing ? { kind: 'immediate', original, standing } : { kind: 'immediate', original };
  if (standing) return { kind: 'long_term', original };
  return { kind: 'invalid', original, reason: `无法识别的整改时限「${original}」` };
}

/** Words around a date that say nothing about it: 前, 之前, 以前, 完成, 整改到位, 办结. */
function strip(p: string): string {
  let t = p;
  for (let i = 0; i < 3; i++)
    t = t.replace(/(之前|以前|前|底前|完成整改|整改完毕|整改到位|全面完成|基本完成|完成|办结|落实|到位)$/, (m) =>
      m === '底前' ? '底' : '',
    );
  return t.replace(/^(于|在|截至|截止|到|至)/, '');
}

function yearOf(word: string | undefined, ctx: DeadlineContext): number {
  if (!word) return ctx.year;
  if (/^(今年|当年|本年|年内)$/.test(word)) return ctx.year;
  if (/^(明年|次年|下一年|来年)$/.test(word)) return ctx.year + 1;
  if (word === '后年') return ctx.year + 2;
  const y = Number(word.replace(/年$/, ''));
  return y < 100 ? 2000 + y : y;
}

const YEAR = '(\\d{4}|\\d{2}(?=年)|今年|当年|本年|明年|次年|来年|后年)年?';

function datePart(s: string, ctx: DeadlineContext): string | null {
  if (s === '') return null;
  // A range ("2022年6月至12月", "3月—6月底"): its end, in the start's year.
  const range = s.split(/至|到|—|－|~|～/);
  if (range.length === 2 && range[0] && range[1]) {
    const start = datePart(range[0], ctx);
    const y = start ? Number(start.slice(0, 4)) : ctx.year;
    return datePart(range[1], { ...ctx, year: y });
  }
  if (/^\d{5}(\.\d+)?$/.test(s)) return excelSerialToDate(Number(s));
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return dated(Number(m[1]), Number(m[2]), Number(m[3]));
  // 6月30日, 6.30 (the row's year)
  m = /^(?:(\d{2,4})年|(今年|明年|次年))?(\d{1,2})[月.](\d{1,2})[日号]?$/.exec(s);
  if (m) return dated(yearOf(m[1] ?? m[2], ctx), Number(m[3]), Number(m[4]));
  // 2022.6 / 2022-06 (a month): its last day
  m = /^(\d{4})[-/.](\d{1,2})$/.exec(s);
  if (m) return monthEnd(Number(m[1]), Number(m[2]), '');
  // 2025年9月底 / 9月末 / 9月 / 9月上旬 / 中旬 / 下旬
  m = new RegExp(`^(?:${YEAR})?(\\d{1,2}|[一二三四五六七八九十]{1,3})月份?(底|末|份|上旬|中旬|下旬|中|初|)$`).exec(s);
  if (m) return monthEnd(yearOf(m[1], ctx), num(m[2]!), m[3]!);
  m = new RegExp(`^(?:${YEAR})?(?:年底|年末|底|末|全年|12月|十二月)$`).exec(s);
  if (m && s !== '底' && s !== '末') return `${yearOf(m[1], ctx)}-12-31`;
  m = new RegExp(`^(?:${YEAR})?(?:第)?([1-4一二三四])季度(?:末|底)?$`).exec(s);
  if (m) {
    const y = yearOf(m[1], ctx);
    const q = num(m[2]!);
    return iso(y, q * 3, lastDay(y, q * 3));
  }
  m = new RegExp(`^(?:${YEAR})?(上半年|下半年|年中)(?:末|底)?$`).exec(s);
  if (m) return m[2] === '下半年' ? `${yearOf(m[1], ctx)}-12-31` : `${yearOf(m[1], ctx)}-06-30`;
  // 春节前 / 2023年春节前 / 国庆节前: the day before the holiday starts
  m = new RegExp(`^(?:${YEAR})?(.+?)(?:节日)?$`).exec(s);
  const word = m?.[2] === '年' ? '春节' : m?.[2]; // "年前" is before the Chinese New Year
  const fest = FESTIVAL_WORDS.find(([w]) => w === word)?.[1];
  if (m && fest) {
    const explicit = m[1] ? yearOf(m[1], ctx) : null;
    for (const y of explicit ? [explicit] : [Number(ctx.after.slice(0, 4)), Number(ctx.after.slice(0, 4)) + 1]) {
      const first = festivalStarts(ctx.calendar, y)?.[fest];
      if (first && (explicit || first > ctx.after)) return dayBefore(first);
    }
    return null;
  }
  return null;
}

function dated(y: number, mo: number, d: number): string | null {
  return valid(y, mo, d) ? iso(y, mo, d) : null;
}

function monthEnd(y: number, mo: number, part: string): string | null {
  if (!valid(y, mo, 1)) return null;
  if (part === '上旬' || part === '初') return iso(y, mo, 10);
  if (part === '中旬' || part === '中') return iso(y, mo, 20);
  return iso(y, mo, lastDay(y, mo));
}
