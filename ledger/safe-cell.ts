// Formula injection (CSV/DDE injection): a cell that starts with = + - @, a tab, a carriage return
// or another control character could run as a formula when the file is opened. Such text is written
// as text: a leading apostrophe, the convention spreadsheet programs themselves use.

const DANGEROUS_START = /^[=+\-@\t\r\u0000-\u001f]/;
// XML 1.0 cannot carry these at all; an .xlsx with them is refused by Excel as corrupt.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function neutralise(text: string): string {
  const clean = text.replace(XML_INVALID, '');
  return DANGEROUS_START.test(text) ? `'${clean}` : clean;
}

/** One CSV field (RFC 4180): neutralised, quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number | Date | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  const s = neutralise(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Reading back: an apostrophe before a formula-like start is the neutraliser's (or a typist's) mark, not text. */
export function unneutralise(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}
