// Requests that ask for the same costly answer while it is being computed wait for that computation
// instead of starting their own (the dashboard's aggregates: at a million items one pass costs seconds of
// PostgreSQL's CPU, and a township's office opens the same dashboard at the same hour). Nothing is kept
// once the answer is out: a request that comes after it computes afresh, so no answer is older than the
// request that joined it.
export function shareInFlight<T>(): (key: string, compute: () => Promise<T>) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key, compute) => {
    const joined = running.get(key);
    if (joined) return joined;
    const answer = compute().finally(() => running.delete(key));
    running.set(key, answer);
    return answer;
  };
}
