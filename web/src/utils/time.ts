// Times shown to people, in one place: instants (ISO, UTC from the API) said in China Standard Time
// (Asia/Shanghai, UTC+8 all year, no daylight saving) as "2026-03-31 18:05", whatever the browser's zone.
const SHANGHAI_MS = 8 * 3600_000;
const shifted = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms + SHANGHAI_MS).toISOString();
};

/** An instant as "YYYY-MM-DD HH:mm" (Shanghai); '' when absent, the text itself when it is not a time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = shifted(iso);
  return d ? `${d.slice(0, 10)} ${d.slice(11, 16)}` : iso;
}

/** The calendar day of an instant in Shanghai ("YYYY-MM-DD"); a bare date passes through unchanged. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const d = shifted(iso);
  return d ? d.slice(0, 10) : iso;
}

/** The Shanghai day of an instant as offices write it: 2026年4月2日. */
export function officeDate(iso: string | null | undefined): string {
  const d = formatDate(iso);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : d;
}

/** ISO instants inside a sentence (e.g. a server-written warning: "拍摄于 2026-03-02T01:00:00.000Z")
 * replaced by their Shanghai time; bare dates stay as they are. */
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;
export const formatTimesIn = (text: string | null | undefined): string =>
  (text ?? '').replace(INSTANT, (m) => formatTime(m));

/** The last day before an exclusive end instant (a due instant is the midnight after the due day). */
export const dueDayOf = (dueAt: string) => formatDate(new Date(Date.parse(dueAt) - 1).toISOString());
