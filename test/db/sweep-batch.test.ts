// The sweep ticks a batch of items in one joint write (executeBatchIn). One bad item must neither take
// the batch down nor pass silently: when the joint write fails, each item is written alone, the bad
// one is reported with its reason and retried later, the others get exactly the events a lone tick
// would give them, with an intact hash chain.
import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemEvents, items } from '../../db/schema.ts';
import { asForger } from '../support/forge.ts';
import { CommandRefused } from '../../workflows/engine.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

async function acceptedItem(deadline: string) {
  const id = await report(w);
  await assign(w, id, { deadline });
  expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
  return id;
}
const trail = async (id: string) =>
  (
    await w.db
      .select({ seq: itemEvents.seq, type: itemEvents.type })
      .from(itemEvents)
      .where(eq(itemEvents.itemId, id))
      .orderBy(asc(itemEvents.seq))
  ).map((e) => e.type);

describe('a batch of ticks with one bad item', () => {
  it('writes the good items, reports the bad one with its reason and retries it in 5 minutes', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const ids = [
      await acceptedItem('2026-03-04'),
      await acceptedItem('2026-03-04'),
      await acceptedItem('2026-03-04'),
      await acceptedItem('2026-03-04'),
    ];
    const bad = ids[2]!;
    // Sabotage: a stray row where the bad item's next event must go (the joint INSERT hits the unique key).
    const [row] = await w.db.select({ version: items.version }).from(items).where(eq(items.id, bad));
    await w.db.insert(itemEvents).values({
      itemId: bad,
      seq: row!.version + 1,
      type: 'ItemCommented',
      at: '2026-03-02T03:00:00.000Z',
      actorId: null,
      data: { text: 'stray' },
      prevHash: 'x',
      hash: 'y',
    } as never);

    w.clock.set('2026-03-05T02:00:00.000Z'); // past the deadline: each item is due (DeadlineMissed)
    const r = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
    expect(r.failed.map((f) => f.itemId)).toEqual([bad]);
    expect(r.failed[0]!.error).toMatch(/duplicate key|item_events/);
    expect(r.ticked).toBe(3);
    for (const id of ids.filter((x) => x !== bad)) {
      expect(await trail(id)).toContain('DeadlineMissed');
      expect((await w.call('super', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
      const [it] = await w.db.select({ overdue: items.overdue }).from(items).where(eq(items.id, id));
      expect(it!.overdue).toBe(true);
    }
    const [b] = await w.db
      .select({ overdue: items.overdue, wake: items.nextWakeAt })
      .from(items)
      .where(eq(items.id, bad));
    expect(b!.overdue).toBe(false); // nothing of the failed tick was written
    expect(new Date(b!.wake!).toISOString()).toBe('2026-03-05T02:05:00.000Z');
    // Once the stray row is gone the item is ticked like the others.
    await asForger(w.db, (tx) =>
      tx.delete(itemEvents).where(and(eq(itemEvents.itemId, bad), eq(itemEvents.type, 'ItemCommented'))),
    );
    w.clock.set('2026-03-05T02:06:00.000Z');
    const again = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
    expect(again).toMatchObject({ ticked: 1, failed: [] });
    expect(await trail(bad)).toEqual(await trail(ids[0]!)); // alone, the same events the batch wrote for the others
    expect((await w.call('super', 'GET', `/api/v1/items/${bad}/audit`)).body).toMatchObject({ ok: true });
  });

  it('answers each command of a joint batch on its own: a refusal does not stop the others', async () => {
    w.clock.set('2026-04-01T02:00:00.000Z');
    const a = await acceptedItem('2026-04-20');
    const b = await acceptedItem('2026-04-20');
    const out = await w.engine.executeMany!([
      { itemId: a, actor: null, command: { type: 'tick' } },
      { itemId: b, actor: null, command: { type: 'approve' } as never }, // no actor: refused by the decider
    ]);
    expect('error' in out[0]!).toBe(false);
    expect('error' in out[1]! && out[1].error).toBeInstanceOf(CommandRefused);
  });
});
