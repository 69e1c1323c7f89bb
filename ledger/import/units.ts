// Unit and category names as written, matched to the campaign's: "朝阳村委会", "朝阳镇朝阳村" and
// "朝阳村（社区）" all mean 朝阳村; near misses are suggested, never silently taken. Pure.

export interface RefUnit {
  id: string;
  name: string;
  path: string;
}

const unitKey = (s: string) =>
  s
    .replace(/[\s\u3000]/g, '')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/(村民委员会|居民委员会|居委会|委会|党支部|党总支)$/, '');

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export function suggest<T extends { name: string }>(written: string, options: T[], key: (s: string) => string): T[] {
  const k = key(written);
  // Nearest first, then by name: the same words get the same suggestions whatever order the options came in.
  return options
    .map((o) => ({ o, d: editDistance(k, key(o.name)), c: key(o.name).includes(k) || k.includes(key(o.name)) }))
    .filter((x) => x.c || x.d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d || (a.o.name < b.o.name ? -1 : a.o.name > b.o.name ? 1 : 0))
    .slice(0, 3)
    .map((x) => x.o);
}

export function resolveUnit(
  written: string,
  units: RefUnit[],
  prefix: string[],
): { unit: RefUnit | null; suggestions: RefUnit[] } {
  let k = unitKey(written);
  for (const p of prefix) if (k.startsWith(p) && k.length > p.length) k = k.slice(p.length);
  const exact = units.filter((u) => unitKey(u.name) === k);
  if (exact.length === 1) return { unit: exact[0]!, suggestions: [] };
  if (exact.length > 1) return { unit: null, suggestions: exact };
  return { unit: null, suggestions: suggest(k, units, unitKey) };
}
