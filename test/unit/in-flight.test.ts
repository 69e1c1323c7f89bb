import { describe, expect, it } from 'vitest';
import { shareInFlight } from '../../api/in-flight.ts';

/** A computation the test finishes when it chooses, counting how often it was started. */
function gate() {
  let started = 0;
  let finish!: (v: string) => void;
  let fail!: (e: Error) => void;
  const compute = () => {
    started++;
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { compute, started: () => started, finish: (v: string) => finish(v), fail: (e: Error) => fail(e) };
}

describe('shareInFlight', () => {
  it('requests for the same key while it runs share one computation and its answer', async () => {
    const share = shareInFlight<string>();
    const g = gate();
    const asked = [share('a', g.compute), share('a', g.compute), share('a', g.compute)];
    expect(g.started()).toBe(1);
    g.finish('answer');
    expect(await Promise.all(asked)).toEqual(['answer', 'answer', 'answer']);
  });

  it('another key computes apart; once answered, the same key computes afresh', async () => {
    const share = shareInFlight<string>();
    const a = gate();
    const b = gate();
    const first = share('a', a.compute);
    const other = share('b', b.compute);
    expect([a.started(), b.started()]).toEqual([1, 1]);
    a.finish('1');
    b.finish('x');
    expect([await first, await other]).toEqual(['1', 'x']);
    const again = share('a', a.compute);
    expect(a.started()).toBe(2);
    a.finish('2');
    expect(await again).toBe('2');
  });

  it('a failure reaches every request that joined, and is not kept', async () => {
    const share = shareInFlight<string>();
    const g = gate();
    const asked = [share('a', g.compute), share('a', g.compute)];
    g.fail(new Error('database gone'));
    for (const p of asked) await expect(p).rejects.toThrow('database gone');
    const retry = share('a', g.compute);
    expect(g.started()).toBe(2);
    g.finish('back');
    expect(await retry).toBe('back');
  });
});
