// Issue 15 §5: every date computed in a year without official calendar data carries the provisional mark a
// deadline carries — the item's pending reminders, deadline and escalation steps (`schedule`) and the
// events fired from them — through the API; 2026's notice is loaded here, 2027's is not.
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build({ now: '2026-12-21T02:00:00.000Z' });
});

type Scheduled = { kind: string; dueAt: string; daysBefore: number | null; level: number | null; provisional: boolean };

describe('the provisional mark on computed instants', () => {
  it('a deadline in 2027 (no notice loaded): its reminders, the deadline and the escalation steps are 暂定', async () => {
    const id = await report(w);
    await assign(w, id, { deadline: '2027-01-08' });
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    const before = (await w.call('h1', 'GET', `/api/v1/items/${id}`)).body.schedule as Scheduled[];
    expect(before.filter((x) => x.kind !== 'included_not_helped')).toEqual([
      expect.objectContaining({ kind: 'reminder', daysBefore: 3, provisional: true }),
      expect.objectContaining({ kind: 'reminder', daysBefore: 1, provisional: true }),
      expect.objectContaining({ kind: 'deadline_missed', provisional: true }),
    ]);
    w.clock.set('2027-01-11T02:00:00.000Z');
    // No sweep runs in this world: the tick the sweep would send, by hand.
    await w.engine.execute({ itemId: id, command: { type: 'tick' }, actor: null });
    const after = (await w.call('h1', 'GET', `/api/v1/items/${id}`)).body;
    const missed = after.timeline.find((e: { type: string }) => e.type === 'DeadlineMissed');
    expect(missed.data).toMatchObject({ provisional: true });
    const next = (after.schedule as Scheduled[]).find((x) => x.kind === 'escalation');
    expect(next).toMatchObject({ level: 2, provisional: true });
  });

  it('a deadline in 2026 (loaded) carries no mark', async () => {
    w.clock.set('2026-12-01T02:00:00.000Z');
    const id = await report(w);
    await assign(w, id, { deadline: '2026-12-18' });
    const schedule = (await w.call('h1', 'GET', `/api/v1/items/${id}`)).body.schedule as Scheduled[];
    expect(schedule.length).toBeGreaterThan(0);
    expect(schedule.every((x) => !x.provisional)).toBe(true);
  });
});
