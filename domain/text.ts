// Small helpers for people's text (names, objections, file names), counted in characters as people
// read them: by code point, so a CJK Extension B character (𠮷, U+20BB7: two UTF-16 code units, common
// in Chinese personal names) is never cut in half into a lone surrogate.

/** At most `max` characters (code points) of `text`, with '…' appended only when something was cut. */
export function truncate(text: string, max: number): string {
  let count = 0;
  let end = 0;
  for (const ch of text) {
    if (count === max) return `${text.slice(0, end)}…`;
    count++;
    end += ch.length;
  }
  return text;
}
