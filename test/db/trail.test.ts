// The trail nobody can quietly rewrite. The application's role may only INSERT into it; a trigger refuses
// UPDATE, DELETE and TRUNCATE to the owner as well; and a forger who gets past both (a superuser switching
// triggers off) and covers his tracks — recomputed hashes, a ledger row made to match — is named by the
// signed checkpoints: per item (GET /items/:id/audit), for the whole database (the admin endpoint and
// `zhenggai verify`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from '../../db/audit.ts';
import type { Tx } from '../../db/client.ts';
import { itemEvents, items, trailCheckpointHeads, trailCheckpoints } from '../../db/schema.ts';
import { fold } from '../../domain/item/index.ts';
import type { ItemEvent } from '../../domain/item/types.ts';
import { checkpointAll, createCheckpoint, headsDigest } from '../../services/trail/checkpoint.ts';
import { ledgerColumns } from '../../workflows/ledger.ts';
import { assign, build, report, TEST_TRAIL_KEY, type World } from '../support/app.ts';
import { asForger } from '../support/forge.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

async function itemWithTrail() {
  const id = await report(w);
  await assign(w, id);
  await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
  await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, { note: '已入户动员' });
  return id;
}
const checkpoint = async () => {
  const r = await w.call('admin', 'POST', '/api/v1/admin/trail/checkpoints', { campaignId: w.campaignId });
  expect(r.status).toBe(201);
  return r.body;
};
const verifyAll = async () => {
  const r = await w.call('admin', 'GET', '/api/v1/admin/trail/verify');
  expect(r.status).toBe(200);
  return r.body as { ok: boolean; problems: { kind: string; itemId?: string; seq?: number; message: string }[] };
};
/** The database's own words (drizzle wraps them as the error's cause). */
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: Error & { cause?: Error }) => err.cause?.message ?? err.message,
  );
const audit = async (id: string) => (await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body;

/** Rewrite the stored events from `from` on with `edit`, recompute every hash after, and make the row match. */
async function rewrite(tx: Tx, id: string, keep: number, edit: (e: ItemEvent, seq: number) => ItemEvent) {
  const rows = await tx.select().from(itemEvents).where(eq(itemEvents.itemId, id)).orderBy(asc(itemEvents.seq));
  const events: ItemEvent[] = [];
  let prev = rows[0]!.prevHash;
  for (const r of rows.slice(0, keep)) {
    const e = edit(
      { type: r.type, at: new Date(r.at).toISOString(), actorId: r.actorId, data: r.data } as ItemEvent,
      r.seq,
    );
    const hash = eventHash(prev, { itemId: id, seq: r.seq, type: e.type, at: e.at, actorId: e.actorId, data: e.data });
    await tx
      .update(itemEvents)
      .set({ data: e.data, prevHash: prev, hash })
      .where(and(eq(itemEvents.itemId, id), eq(itemEvents.seq, r.seq)));
    events.push(e);
    prev = hash;
  }
  await tx.delete(itemEvents).where(and(eq(itemEvents.itemId, id), sql`${itemEvents.seq} > ${keep}`));
  const state = fold(events)!;
  await tx
    .update(items)
    .set({ ...ledgerColumns(state), lastHash: prev })
    .where(eq(items.id, id));
}

describe('the trail is append-only', () => {
  it("refuses UPDATE, DELETE and TRUNCATE to the application's role (no privilege)", async () => {
    const id = await itemWithTrail();
    for (const stmt of [
      sql`update item_events set data = '{}' where item_id = ${id}`,
      sql`delete from item_events where item_id = ${id}`,
      sql`truncate item_events cascade`,
      sql`update trail_checkpoints set reason = 'x'`,
      sql`delete from trail_checkpoint_heads`,
    ]) {
      expect(await refusal(w.appDb.execute(stmt))).toMatch(/permission denied/);
    }
    expect(await audit(id)).toMatchObject({ ok: true, events: 4 });
  });

  it('refuses them to the owner too (the trigger), unless triggers are switched off', async () => {
    const id = await itemWithTrail();
    await checkpoint();
    for (const stmt of [
      sql`update item_events set data = '{}' where item_id = ${id}`,
      sql`delete from item_events where item_id = ${id} and seq = 4`,
      sql`truncate item_events cascade`,
      sql`update trail_checkpoints set reason = 'x'`,
      sql`delete from trail_checkpoint_heads`,
      sql`truncate trail_checkpoints cascade`,
    ]) {
      expect(await refusal(w.db.execute(stmt))).toMatch(/the trail is append-only/);
    }
    expect(await audit(id)).toMatchObject({ ok: true, events: 4, problems: [] });
  });
});

describe('a forger who covers his tracks is named', () => {
  it('verifies an untouched database against its checkpoints', async () => {
    await itemWithTrail();
    await checkpoint();
    const v = await verifyAll();
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true });
  });

  it('rewrite-and-rehash: an edited event with every later hash recomputed and the row refolded', async () => {
    const id = await itemWithTrail();
    const cp = await checkpoint();
    await asForger(w.db, (tx) =>
      rewrite(tx, id, 4, (e, seq) =>
        seq === 2 ? ({ ...e, data: { ...(e.data as object), measures: '已全部整改到位' } } as ItemEvent) : e,
      ),
    );
    const v = await audit(id);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toContain(`event 4 of item ${id}`);
    expect(v.problems.join('\n')).toContain(`checkpoint #${cp.no}`);
    const all = await verifyAll();
    expect(all.ok).toBe(false);
    expect(all.problems).toContainEqual(expect.objectContaining({ kind: 'event_differs', itemId: id, seq: 4 }));
  });

  it('delete-last-event-and-fix-row: the last event removed and the row set back to match', async () => {
    const id = await itemWithTrail();
    await checkpoint();
    await asForger(w.db, (tx) => rewrite(tx, id, 3, (e) => e));
    expect((await w.db.select().from(itemEvents).where(eq(itemEvents.itemId, id))).length).toBe(3);
    const v = await audit(id);
    expect(v).toMatchObject({ ok: false, events: 3 });
    expect(v.problems.join('\n')).toMatch(new RegExp(`event 4 of item ${id} .*is gone`));
    const all = await verifyAll();
    expect(all.problems).toContainEqual(expect.objectContaining({ kind: 'event_missing', itemId: id, seq: 4 }));
  });

  it('edit-state: a ledger row changed behind the engine (in progress → verified) differs from its events', async () => {
    const id = await itemWithTrail();
    await w.db.execute(
      sql`update items set status = 'verified', state = jsonb_set(state, '{status}', '"verified"') where id = ${id}`,
    );
    const v = await audit(id);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/status: row "verified" ≠ events "in_progress"/);
    const all = await verifyAll();
    expect(all.problems).toContainEqual(expect.objectContaining({ kind: 'row_differs', itemId: id }));
  });

  it('a checkpoint whose recorded heads were changed to match no longer carries its signature', async () => {
    const id = await itemWithTrail();
    const cp = await checkpoint();
    await asForger(w.db, async (tx) => {
      await rewrite(tx, id, 4, (e, seq) => (seq === 3 ? ({ ...e, at: '2026-03-01T00:00:00.000Z' } as ItemEvent) : e));
      const [last] = await tx
        .select()
        .from(itemEvents)
        .where(and(eq(itemEvents.itemId, id), eq(itemEvents.seq, 4)));
      await tx.update(trailCheckpointHeads).set({ hash: last!.hash }).where(eq(trailCheckpointHeads.itemId, id));
    });
    const all = await verifyAll();
    expect(all.problems).toContainEqual(
      expect.objectContaining({
        kind: 'checkpoint_signature',
        message: expect.stringContaining(`checkpoint #${cp.no}`),
      }),
    );
    // A removed checkpoint breaks the sequence of the ones after it.
    await asForger(w.db, async (tx) => {
      const [first] = await tx.select().from(trailCheckpoints).where(eq(trailCheckpoints.no, 1));
      await tx.delete(trailCheckpointHeads).where(eq(trailCheckpointHeads.checkpointId, first!.id));
      await tx.delete(trailCheckpoints).where(eq(trailCheckpoints.id, first!.id));
    });
    expect((await verifyAll()).problems).toContainEqual(
      expect.objectContaining({ kind: 'checkpoint_sequence', checkpointNo: 2 }),
    );
  });

  it('the dashboard tallies of a row changed with the triggers off read as tallies_differ, until rebuilt', async () => {
    const id = await itemWithTrail();
    const [row] = await w.db.select().from(items).where(eq(items.id, id));
    await w.db.execute(sql`select rebuild_item_tallies()`); // whatever the forgers above left
    await asForger(w.db, (tx) => tx.execute(sql`update items set overdue = not overdue where id = ${id}`));
    const drift = (await verifyAll()).problems.filter((p) => p.kind === 'tallies_differ');
    expect(drift).toHaveLength(2); // one fewer under the row's old key, one more under its new one
    expect(drift[0]).toMatchObject({ campaignId: row!.campaignId });
    expect(drift.map((p) => p.message).join('\n')).toMatch(/rebuild_item_tallies\(\)/);
    await w.db.execute(sql`select rebuild_item_tallies()`);
    expect((await verifyAll()).problems.filter((p) => p.kind === 'tallies_differ')).toEqual([]);
    await asForger(w.db, (tx) => tx.execute(sql`update item_tallies set n = n + 1 where n = 1`));
    expect((await verifyAll()).problems.map((p) => p.kind)).toContain('tallies_differ');
  });

  it('`zhenggai verify` checks the whole database and exits 1 naming each divergent item and event', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../../bin/zhenggai.ts', import.meta.url)), 'verify', '--json'],
        {
          env: { ...process.env, DATABASE_URL: w.url, TRAIL_KEY: TEST_TRAIL_KEY },
        },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c) => (stdout += c));
      p.stderr.on('data', (c) => (stderr += c));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(1);
    const v = JSON.parse(out.stdout);
    const kinds = new Set(v.problems.map((p: { kind: string }) => p.kind));
    for (const k of [
      'event_differs',
      'event_missing',
      'row_differs',
      'checkpoint_signature',
      'checkpoint_sequence',
      'tallies_differ',
    ]) {
      expect(kinds).toContain(k);
    }
    expect(v.items).toBeGreaterThanOrEqual(7);
  }, 180_000);
});

describe('hourly checkpoints', () => {
  it('sign a campaign where something moved and skip it when nothing did', async () => {
    const a = await checkpointAll(w.appDb, w.trailSigner, '2026-03-02T03:00:00.000Z');
    expect(a.made).toBeGreaterThanOrEqual(0);
    const b = await checkpointAll(w.appDb, w.trailSigner, '2026-03-02T04:00:00.000Z');
    expect(b.made).toBe(0);
    await itemWithTrail();
    const c = await checkpointAll(w.appDb, w.trailSigner, '2026-03-02T05:00:00.000Z');
    expect(c.made).toBe(1);
  });

  it('read the heads a page at a time (a cursor) and sign the digest of the whole sorted list', async () => {
    for (let i = 0; i < 4; i++) await itemWithTrail();
    const made = await createCheckpoint(w.appDb, w.trailSigner, {
      campaignId: w.campaignId,
      at: '2026-03-02T06:00:00.000Z',
      reason: 'manual',
      pageSize: 2,
    });
    const { rows } = await w.appDb.$client.query<{ id: string; seq: number; hash: string }>(
      `select i.id, e.seq, e.hash from items i
       join lateral (select seq, hash from item_events where item_id = i.id order by seq desc limit 1) e on true
       where i.campaign_id = $1`,
      [w.campaignId],
    );
    expect(rows.length).toBeGreaterThan(4);
    expect(made).toMatchObject({
      items: rows.length,
      headsDigest: headsDigest(rows.map((r) => [r.id, Number(r.seq), r.hash] as const)),
    });
    // The forgers above left their items and checkpoints named; none of the problems is about this one.
    const v = (await verifyAll()) as { problems: { checkpointNo?: number; campaignId?: string }[] };
    expect(v.problems.filter((p) => p.campaignId === w.campaignId && p.checkpointNo === made!.no)).toEqual([]);
  });
});
