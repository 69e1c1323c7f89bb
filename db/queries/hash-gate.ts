// argon2 costs 19 MiB and tens of milliseconds of a core per hash: unbounded, a burst of sign-ins is a
// denial of service (memory and every core). At most HASH_CONCURRENCY run at once; up to HASH_QUEUE wait
// their turn; beyond that the caller is told to come back (503 with Retry-After) instead of queueing forever.
export const HASH_CONCURRENCY = 2;
export const HASH_QUEUE = 32;

export class HashBusy extends Error {
  constructor() {
    super('too many password checks at once; try again in a moment');
  }
}

export function createHashGate(concurrency = HASH_CONCURRENCY, queue = HASH_QUEUE) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const stats = { peak: 0, refused: 0 };
  return {
    stats,
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running >= concurrency) {
        if (waiting.length >= queue) {
          stats.refused++;
          throw new HashBusy();
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else running++;
      stats.peak = Math.max(stats.peak, running);
      try {
        return await work();
      } finally {
        const next = waiting.shift();
        if (next)
          next(); // the slot passes straight to the next waiter
        else running--;
      }
    },
  };
}

/** The process's one gate: every argon2 hash and verify goes through it. */
export const hashGate = createHashGate();
