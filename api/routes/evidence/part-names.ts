// The multipart parser (@fastify/busboy) drops a part whose file name holds a CR or LF without a word
// and hands the request's other files on, so a request with such a name was half stored. The raw body
// is watched as it streams past instead: each part's header is read and its file name (quoted, or
// RFC 5987 `filename*=`) checked, so the route can refuse the whole request.
import type { Readable } from 'node:stream';
import { CONTROL, invalidFileName } from './ingest.ts';

/** Headers of one part longer than this are not file-name headers worth reading (busboy caps them too). */
const MAX_HEADER = 16 * 1024;

/** Start watching `raw` (before the multipart parser pipes it); the function returned tells the first
 * bad file name seen so far, or null. Call it once the parts are read. */
export function watchPartNames(raw: Readable, contentType: string | undefined): () => string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) return () => null;
  const delimiter = Buffer.from(`\r\n--${m[1] ?? m[2]}`);
  let bad: string | null = null;
  // A CRLF in front, so the first boundary (which has none) is found like the others.
  let buf = Buffer.from('\r\n');
  let inHeader = false;
  raw.on('data', (chunk: Buffer) => {
    if (bad !== null) return;
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!inHeader) {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
          return;
        }
        buf = buf.subarray(at + delimiter.length);
        inHeader = true;
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEADER) inHeader = false;
        return;
      }
      bad = badNameIn(buf.subarray(0, end).toString('utf8'));
      buf = buf.subarray(end + 4);
      inHeader = false;
      if (bad !== null) return;
    }
  });
  return () => bad;
}

/** The Problem for a name watchPartNames found. */
export const refusedPartName = (name: string) =>
  invalidFileName(name, 'control characters (such as a line break) are not allowed in a file name; nothing was stored');

/** The first file name in a part's header block that holds a control character (CR, LF, …), or null. */
export function badNameIn(head: string): string | null {
  for (const q of head.matchAll(/filename="/gi)) {
    const rest = head.slice(q.index + q[0].length);
    const close = rest.search(/(?<!\\)"/);
    // An unclosed quote: the name ran into the next header line.
    const name = close < 0 ? rest : rest.slice(0, close);
    if (close < 0 || CONTROL.test(name)) return name;
  }
  for (const e of head.matchAll(/filename\*=([^']*)'[^']*'([^;\r\n]*)/gi)) {
    let name: string;
    try {
      name = /^utf-8$/i.test(e[1]!)
        ? decodeURIComponent(e[2]!)
        : e[2]!.replace(/%([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    } catch {
      return e[2]!; // not decodable: refused as it stands
    }
    if (CONTROL.test(name)) return name;
  }
  return null;
}
