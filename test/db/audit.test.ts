// The audit trail is hash-chained per item: a change made directly in the database is caught,
// and the verdict names the first broken link.
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemEvents } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { asForger } from '../support/forge.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

const verdict = async (id: string) => (await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body;

async function itemWithTrail() {
  const id = await report(w);
  await assign(w, id);
  await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
  await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, { note: '已入户动员' });
  return id;
}

describe('audit trail', () => {
  it('verifies an untouched trail', async () => {
    const id = await itemWithTrail();
    expect(await verdict(id)).toMatchObject({ ok: true, events: 4, problems: [] });
  });

  it('catches an edited event and names it', async () => {
    const id = await itemWithTrail();
    await asForger(w.db, (tx) =>
      tx.execute(
        sql`update item_events set data = jsonb_set(data, '{measures}', '"已整改（篡改）"') where item_id = ${id} and seq = 2`,
      ),
    );
    expect(await verdict(id)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('catches a changed actor or time', async () => {
    const id = await itemWithTrail();
    await asForger(w.db, (tx) =>
      tx
        .update(itemEvents)
        .set({ at: '2026-01-01T00:00:00.000Z' })
        .where(and(eq(itemEvents.itemId, id), eq(itemEvents.seq, 3))),
    );
    expect(await verdict(id)).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('catches a deleted event in the middle and at the end', async () => {
    const a = await itemWithTrail();
    await asForger(w.db, (tx) => tx.delete(itemEvents).where(and(eq(itemEvents.itemId, a), eq(itemEvents.seq, 2))));
    expect(await verdict(a)).toMatchObject({ ok: false, brokenAt: 2 });
    const b = await itemWithTrail();
    await asForger(w.db, (tx) => tx.delete(itemEvents).where(and(eq(itemEvents.itemId, b), eq(itemEvents.seq, 4))));
    expect(await verdict(b)).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('catches a recomputed hash that no longer links to the next event', async () => {
    const id = await itemWithTrail();
    // A forger who edits event 2 and fixes its own hash still breaks the link from event 3.
    await asForger(w.db, (tx) =>
      tx.execute(sql`update item_events set hash = repeat('a', 64) where item_id = ${id} and seq = 2`),
    );
    expect(await verdict(id)).toMatchObject({ ok: false, brokenAt: 2 });
  });
});
