// 整改时限 as offices write it: a date cell, an Excel serial number, or words. Pure.

export type Deadline =
  | { kind: 'date'; date: string; original: string }
  | { kind: 'immediate'; original: string } // 立行立改
  | { kind: 'long_term'; original: string } // 长期坚持
  | { kind: 'invalid'; original: string; reason: string };

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

function valid(y: number, m: number, d: number): boolean {
  return y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= lastDay(y, m);
}

/** Excel's day numbers (1900 date system, with its phantom 29 Feb 1900): 45930 → 2025-09-30. */
export function excelSerialToDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 32874 || serial > 73050) return null; // 1990 … 2100
  const ms = Math.round((Math.floor(serial) - 25569) * 86_400_000);
  return new Date(ms).toISOString().slice(0, 10);
}

const CN_DIGITS: Record<string, number> = {
  一: 1,
  二: 2,
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

export function parseDeadline(value: unknown, today: string): Deadline {
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
    .replace(/\s+/g, '')
    .replace(/[（(].*?[）)]/g, '')
    .replace(/之?前$|以前$|前完成$|完成$/, '');
  if (s === '') return { kind: 'invalid', original, reason: '整改时限为空' };
  if (/立行立改|立即整改|即知即改|马上就改/.test(s)) return { kind: 'immediate', original };
  if (/长期坚持|长期整改|持续整改|常态化|长期/.test(s)) return { kind: 'long_term', original };
  if (/^\d{5}(\.\d+)?$/.test(s)) {
    const d = excelSerialToDate(Number(s));
    if (d) return { kind: 'date', date: d, original };
  }
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return valid(y, mo, d)
      ? { kind: 'date', date: iso(y, mo, d), original }
      : { kind: 'invalid', original, reason: `${original} 不是有效的日期` };
  }
  // 2025年9月底 / 9月末 / 9月 / 9月上旬 / 中旬 / 下旬
  m = /^(?:(\d{4})年)?(\d{1,2}|[一二三四五六七八九十]{1,3})月(底|末|份|上旬|中旬|下旬|)$/.exec(s);
  if (m) {
    const y = m[1] ? Number(m[1]) : Number(today.slice(0, 4));
    const mo = /^\d+$/.test(m[2]!) ? Number(m[2]) : (CN_DIGITS[m[2]!] ?? 0);
    if (!valid(y, mo, 1)) return { kind: 'invalid', original, reason: `${original} 不是有效的月份` };
    const d = m[3] === '上旬' ? 10 : m[3] === '中旬' ? 20 : lastDay(y, mo);
    return { kind: 'date', date: iso(y, mo, d), original };
  }
  m = /^(\d{4})年(?:底|末|年底|年末|全年)?$/.exec(s) ?? /^(\d{4})年(?:12|十二)月?$/.exec(s);
  if (m) return { kind: 'date', date: `${m[1]}-12-31`, original };
  m = /^(\d{4})年(?:第)?([1-4一二三四])季度(?:末|底)?$/.exec(s);
  if (m) {
    const q = /\d/.test(m[2]!) ? Number(m[2]) : CN_DIGITS[m[2]!]!;
    const y = Number(m[1]);
    return { kind: 'date', date: iso(y, q * 3, lastDay(y, q * 3)), original };
  }
  m = /^(\d{4})年(上半年|下半年)(?:末|底)?$/.exec(s);
  if (m) return { kind: 'date', date: m[2] === '上半年' ? `${m[1]}-06-30` : `${m[1]}-12-31`, original };
  return {
    kind: 'invalid',
    original,
    reason: `无法识别的整改时限「${original}」（可写日期、“2025年9月底前”、“立行立改”或“长期坚持”）`,
  };
}
