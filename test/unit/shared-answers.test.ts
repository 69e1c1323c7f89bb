import { afterEach, describe, expect, it, vi } from 'vitest';
import { shareAnswers } from '../../api/shared-answers.ts';

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

describe('shareAnswers, nothing kept (the dashboard)', () => {
  it('requests for the same key while it runs share one computation and its answer', async () => {
    const share = shareAnswers<string>();
    const g = gate();
    const asked = [share('a', g.compute), share('a', g.compute), share('a', g.compute)];
    expect(g.started()).toBe(1);
    g.finish('answer');
    expect(await Promise.all(asked)).toEqual(['answer', 'answer', 'answer']);
  });

  it('another key computes apart; once answered, the same key computes afresh', async () => {
    const share = shareAnswers<string>();
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
    const share = shareAnswers<string>();
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

describe('shareAnswers with keepMs (the list totals)', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps an answer for keepMs after it was asked for, then computes afresh', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T02:00:00.000Z'), toFake: ['Date'] });
    const share = shareAnswers<string>({ keepMs: 5_000 });
    const g = gate();
    const first = share('a', g.compute);
    g.finish('100');
    expect(await first).toBe('100');
    vi.setSystemTime(new Date('2026-03-02T02:00:04.999Z'));
    expect(await share('a', g.compute)).toBe('100');
    expect(g.started()).toBe(1);
    vi.setSystemTime(new Date('2026-03-02T02:00:05.000Z'));
    const later = share('a', g.compute);
    expect(g.started()).toBe(2);
    g.finish('101');
    expect(await later).toBe('101');
  });

  it('a computation still running is joined even past keepMs; a failure is not kept', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T02:00:00.000Z'), toFake: ['Date'] });
    const share = shareAnswers<string>({ keepMs: 1_000 });
    const g = gate();
    const slow = share('a', g.compute);
    vi.setSystemTime(new Date('2026-03-02T02:00:03.000Z'));
    const joined = share('a', g.compute);
    expect(g.started()).toBe(1);
    g.fail(new Error('statement timeout'));
    await expect(slow).rejects.toThrow('statement timeout');
    await expect(joined).rejects.toThrow('statement timeout');
    const retry = share('a', g.compute);
    expect(g.started()).toBe(2);
    g.finish('ok');
    expect(await retry).toBe('ok');
  });

  it('forgets everything at maxEntries rather than growing without bound', async () => {
    const share = shareAnswers<string>({ keepMs: 60_000, maxEntries: 2 });
    const g = gate();
    for (const k of ['a', 'b']) {
      const p = share(k, g.compute);
      g.finish(k);
      await p;
    }
    const c = share('c', g.compute); // the third key clears the two kept ones
    g.finish('c');
    await c;
    const a = share('a', g.compute);
    expect(g.started()).toBe(4);
    g.finish('a2');
    expect(await a).toBe('a2');
  });
});
