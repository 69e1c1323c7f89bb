// If-Match: the version the caller last saw, as an ETag ("7", W/"7" or a bare 7). Up to nine digits,
// so it always fits the version column; anything else is a 400, never a silent "no precondition".
import { badRequest } from './problem.ts';

export function parseIfMatch(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(h);
  if (!m) throw badRequest('invalid_if_match', 'If-Match must be the version you last saw as an ETag, e.g. "7"');
  return Number(m[1]);
}
