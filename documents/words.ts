// Words as offices write them: dates in Asia/Shanghai, years and days in Chinese numerals or Arabic
// figures, ordinals for headings, the 发文字号. Pure functions; no clock reads.
import { instantMs, shanghaiDate } from '../domain/calendar/index.ts';

/**
 * 成文日期 style. GB/T 9704-2012 §7.3.5.2 writes it in Arabic figures (2026年12月6日); many offices
 * still write Chinese numerals (二〇二六年十二月六日, the 1999 edition's form). Chosen per office.
 */
export type DateStyle = 'chinese' | 'arabic';

const DIGITS = '〇一二三四五六七八九';

/** 1..99 in Chinese numerals: 6 → 六, 10 → 十, 12 → 十二, 20 → 二十, 31 → 三十一. */
export function cnNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new RangeError(`cnNumber: ${n}`);
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

const parse = (date: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
};

/** '2026-12-06' → 二〇二六年十二月六日 (chinese) or 2026年12月6日 (arabic: no leading zeros). */
export function cnDate(date: string, style: DateStyle = 'chinese'): string {
  const { y, m, d } = parse(date);
  if (style === 'arabic') return `${y}年${m}月${d}日`;
  const year = String(y)
    .split('')
    .map((c) => DIGITS[Number(c)])
    .join('');
  return `${year}年${cnNumber(m)}月${cnNumber(d)}日`;
}

/** Dates inside the body (periods, deadlines) in Arabic figures, as body text writes them: 2026年3月31日. */
export const bodyDate = (date: string) => cnDate(date, 'arabic');

/** The Shanghai day an instant falls on. */
export const dayOf = (instant: string) => shanghaiDate(instant);

/**
 * The last day covered by an "as of" instant that marks the end of a day: '2026-03-31T16:00:00.000Z'
 * (00:00 of 1 April in Shanghai) is data up to and including 31 March.
 */
export const dayBefore = (instant: string) => shanghaiDate(new Date(instantMs(instant) - 1).toISOString());

/** Heading ordinals: 一、二、… then （一）（二）… */
export const ordinal = (i: number) => cnNumber(i + 1);

export { docNumber } from '../domain/document/number.ts';

/** Scores as figures with two decimals and no Latin. */
export const score = (x: number) => x.toFixed(2);
