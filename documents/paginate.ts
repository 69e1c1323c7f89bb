// Where does the text end on the last page? The 版记 belongs at the foot of the last page (GB/T 9704
// §7.4), which .docx can only say with a floating frame — and LibreOffice places neither floating
// tables nor paragraph frames there. Every line of our layout has a fixed height (exact line spacing,
// fixed table fonts), so the page breaks can be worked out here and the 版记 pushed down with empty
// lines. Tests check the result against LibreOffice's own pages.
import { mm } from './layout.ts';

/** The 版心's height in twips. */
export const CAPACITY = mm(225);

export type Piece =
  /** Lines of a paragraph: a paragraph breaks between lines; a heading keeps with what follows. */
  | { kind: 'lines'; height: number; count: number; keepNext?: boolean }
  /** A table: rows never split; the header row repeats on each page. */
  | { kind: 'rows'; header: number; rows: number[] }
  /** Lines kept together on one page (the 落款 with the seal's room). */
  | { kind: 'keep'; height: number }
  /** A page break before what follows. */
  | { kind: 'break' };

/** Twips left free on the last page after the pieces. */
export function freeOnLastPage(pieces: Piece[]): number {
  let used = 0;
  const place = (h: number) => {
    if (used + h > CAPACITY && used > 0) used = 0;
    used += h;
  };
  const firstUnit = (p: Piece | undefined) =>
    !p || p.kind === 'break'
      ? 0
      : p.kind === 'lines'
        ? p.height
        : p.kind === 'keep'
          ? p.height
          : p.header + (p.rows[0] ?? 0);
  for (const [i, p] of pieces.entries()) {
    if (p.kind === 'break') used = 0;
    else if (p.kind === 'lines' && p.keepNext && used + p.height * p.count + firstUnit(pieces[i + 1]) > CAPACITY)
      used = p.height * p.count;
    else if (p.kind === 'lines') for (let n = 0; n < p.count; n++) place(p.height);
    else if (p.kind === 'keep') place(p.height);
    else {
      place(p.header);
      for (const r of p.rows) {
        if (used + r > CAPACITY) {
          used = 0;
          place(p.header);
        }
        place(r);
      }
    }
  }
  return CAPACITY - used;
}

/**
 * Lines a text takes at `perLine` characters a line. LibreOffice puts a quarter-em between Chinese and
 * figures (autospace), so each change between them counts a quarter character.
 */
export function lineCount(text: string, perLine: number, indentChars = 0): number {
  let width = indentChars;
  let prev: 'cjk' | 'latin' | null = null;
  for (const c of text) {
    const latin = c.charCodeAt(0) < 0x2000;
    width += latin ? 0.5 : 1;
    const kind = latin ? 'latin' : 'cjk';
    if (prev && prev !== kind && /[0-9A-Za-z]/.test(latin ? c : '0')) width += 0.25;
    prev = kind;
  }
  return Math.max(1, Math.ceil(width / perLine - 1e-9));
}
