// Re-deriving wake-ups: after downtime, a changed campaign rule or a damaged row, the reconcile job
// recomputes every open item's next wake-up from the domain, so the sweep skips nothing due.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextWake } from '../../domain/item/index.ts';
import { campaigns, items } from '../../db/schema.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { rederiveWakeups } from '../../workers/notify/periodic.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

let w: World;
let n: NotifyWorld;
beforeAll(async () => {
  w = await build();
  n = await startNotifyWorld(w, { prefix: `pd${process.pid}` });
});

const wakeOf = async (id: string) =>
  (await w.db.select({ wake: items.nextWakeAt }).from(items).where(eq(items.id, id)))[0]!.wake;
const kinds = async (id: string) =>
  ((await n.call('h1', 'GET', '/api/v1/notices?limit=200')).body.notices as { itemId: string; kind: string }[])
    .filter((x) => x.itemId === id)
    .map((x) => x.kind)
    .reverse();

describe('re-deriving wake-ups', () => {
  it('restores a lost wake-up, so the reminder that fell due during downtime is still sent', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await report(w);
    await assign(w, id, { deadline: '2026-03-13' });
    await n.settle();
    const expected = await wakeOf(id);
    await w.db.update(items).set({ nextWakeAt: null }).where(eq(items.id, id)); // lost (e.g. restored from an old backup)
    w.clock.set('2026-03-11T02:00:00.000Z'); // down past the 3-day reminder (Mar 10, 09:00)
    await n.sweep();
    await n.settle();
    expect(await kinds(id)).toEqual(['assigned']); // the sweep alone cannot see it
    const r = await rederiveWakeups(w.db, createEngineEnv(w.db, 0));
    expect(r.fixed).toBeGreaterThanOrEqual(1);
    expect(new Date((await wakeOf(id))!).toISOString()).toBe(new Date(expected!).toISOString());
    await n.sweep();
    await n.settle();
    expect(await kinds(id)).toEqual(['assigned', 'deadline_approaching']);
    expect((await rederiveWakeups(w.db, createEngineEnv(w.db, 0))).fixed).toBe(0); // nothing left to fix
  });

  it('re-aims wake-ups when a campaign changes its reminder steps', async () => {
    w.clock.set('2026-04-01T02:00:00.000Z');
    const id = await report(w);
    await assign(w, id, { deadline: '2026-04-30' });
    const [c] = await w.db.select().from(campaigns).where(eq(campaigns.id, w.campaignId));
    await w.db
      .update(campaigns)
      .set({ settings: { ...c!.settings, remindBeforeDays: [10, 3, 1] } })
      .where(eq(campaigns.id, w.campaignId));
    await rederiveWakeups(w.db, createEngineEnv(w.db, 0));
    const [row] = await w.db.select().from(items).where(eq(items.id, id));
    const env = createEngineEnv(w.db, 0);
    expect(new Date(row!.nextWakeAt!).toISOString()).toBe(
      nextWake(row!.state, { settings: await env.settings(w.campaignId), calendar: await env.calendar() }),
    );
    expect(new Date(row!.nextWakeAt!).toISOString()).toBe('2026-04-16T01:00:00.000Z'); // 10 working days before, 09:00 Shanghai
    await w.db.update(campaigns).set({ settings: c!.settings }).where(eq(campaigns.id, w.campaignId));
  });

  it('runs as the reconcile job on the queue', async () => {
    w.clock.set('2026-05-06T02:00:00.000Z');
    const id = await report(w);
    await assign(w, id, { deadline: '2026-05-29' });
    await w.db.update(items).set({ nextWakeAt: null }).where(eq(items.id, id));
    await n.notifier.reconcileNow();
    const end = Date.now() + 15_000;
    while ((await wakeOf(id)) === null && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await wakeOf(id)).not.toBeNull();
  });
});
