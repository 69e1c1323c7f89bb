// Costly answers shared between requests, by key (the reader's scope and the filters):
// - while one is being computed, requests for the same key wait for it instead of starting their own
//   (the dashboard's aggregates: at a million items one pass costs seconds of PostgreSQL's CPU, and a
//   township's office opens the same dashboard at the same hour);
// - with `keepMs`, the answer is kept that long after it was asked for (the list's `count=true` totals: a
//   ledger paged through asks for the same total on every page, and each count reads every matching index
//   entry). With keepMs 0 nothing is kept: no answer is older than the request that joined it.
// A failure reaches every request that joined it and is not kept: the next request asks again.
export type SharedAnswers<T> = (key: string, compute: () => Promise<T>) => Promise<T>;

export function shareAnswers<T>(opts: { keepMs?: number; maxEntries?: number } = {}): SharedAnswers<T> {
  const keepMs = opts.keepMs ?? 0;
  const maxEntries = opts.maxEntries ?? 1_000;
  const entries = new Map<string, { at: number; answer: Promise<T>; settled: boolean }>();
  const forget = (key: string, entry: object) => {
    if (entries.get(key) === entry) entries.delete(key);
  };
  return (key, compute) => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && (!hit.settled || now - hit.at < keepMs)) return hit.answer;
    if (entries.size >= maxEntries) entries.clear();
    const entry = { at: now, answer: compute(), settled: false };
    entries.set(key, entry);
    entry.answer.then(
      () => {
        entry.settled = true;
        if (keepMs <= 0) forget(key, entry);
      },
      () => forget(key, entry),
    );
    return entry.answer;
  };
}
