// 发文字号 (GB/T 9704-2012 §7.2.4): the office's prefix, the year in hexagonal brackets 〔〕, the
// sequence without leading zeros or 第: 朝振办〔2026〕12号.

export function docNumber(prefix: string, year: number, seq: number): string {
  return `${prefix}〔${year}〕${seq}号`;
}

/** A prefix an office may choose: Chinese characters only, 2–12 of them (no brackets, figures or 号). */
export const PREFIX_PATTERN = /^[\u4e00-\u9fff]{2,12}$/;
