// The list's `count=true` totals, kept per reader scope and filter for a few seconds: a dashboard that
// pages through a list asks for the same total on every page, and each count reads every matching
// index entry (100k at a city's scope). A total may therefore be up to `ttlMs` old.
export interface CountCache {
  get(key: string, count: () => Promise<number>): Promise<number>;
}

export function createCountCache(ttlMs = 5_000, maxEntries = 1_000): CountCache {
  const entries = new Map<string, { at: number; n: Promise<number> }>();
  return {
    get(key, count) {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < ttlMs) return hit.n;
      if (entries.size >= maxEntries) entries.clear();
      const n = count();
      // A failed count is not kept: the next request asks the database again.
      n.catch(() => entries.delete(key));
      entries.set(key, { at: now, n });
      return n;
    },
  };
}
