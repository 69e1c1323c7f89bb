// Updates queued on one item's workflow run one at a time, each deciding on the state the previous one left.
// The worker-kill fault run found two progress notes both persisted "after version 4": while an Update's
// persist ran, two more were accepted and waited; when it finished, both waiters were released in the same
// activation and both decided on version 4. The second persist then found seq 5 taken by the other note and
// failed with LedgerDiverged — and a retry with the same Idempotency-Key got that failure back for good.
// Here the worker is stopped so several Updates queue up, then started: every one must land, once.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemEvents } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';

describe.skipIf(engineUnavailable('temporal') !== null)('updates queued on one workflow (start-dev)', () => {
  let w: World;
  /** The item's progress notes in the trail, in seq order. */
  const progressNotes = (id: string) =>
    w.db
      .select({ seq: itemEvents.seq, note: sql<string>`${itemEvents.data}->>'note'` })
      .from(itemEvents)
      .where(and(eq(itemEvents.itemId, id), eq(itemEvents.type, 'ProgressRecorded')))
      .orderBy(itemEvents.seq);
  beforeAll(async () => {
    w = await build({ engine: 'temporal' });
  }, 120_000);
  afterAll(async () => {
    await w.temporal?.startWorker().catch(() => {});
  });

  it('applies each of six queued progress notes exactly once, in consecutive seqs', async () => {
    const id = await report(w);
    await assign(w, id);
    expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
    await w.temporal!.settle(id);

    await w.temporal!.stopWorker();
    w.temporal!.commandTimeoutMs = 90_000;
    const notes = Array.from({ length: 6 }, (_, i) => `排队的进展 ${i}`);
    const sent = notes.map((note, i) =>
      w.call('h1', 'POST', `/api/v1/items/${id}/progress`, { note }, { 'idempotency-key': `queued-${id}-${i}` }),
    );
    // Let every Update reach the server while no worker polls, so they are delivered together.
    await new Promise((r) => setTimeout(r, 1500));
    await w.temporal!.startWorker();
    const answers = await Promise.all(sent);
    expect(answers.map((a) => a.status)).toEqual(notes.map(() => 200));
    await w.temporal!.settle(id);

    const rows = await progressNotes(id);
    expect(rows.map((r) => r.note).sort()).toEqual([...notes].sort());
    const seqs = rows.map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
  }, 180_000);

  it('decides a command that arrives while another is persisted on the state that one leaves, not before it', async () => {
    // The ledger holds a persisted event before the workflow has applied it: a caller who read the ledger
    // (here: an If-Match one version ahead) was refused by the validator with 412 for a state about to pass.
    const id = await report(w);
    await assign(w, id);
    expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
    await w.temporal!.settle(id);
    const { version } = (await w.call('h1', 'GET', `/api/v1/items/${id}`)).body as { version: number };

    await w.temporal!.stopWorker();
    w.temporal!.commandTimeoutMs = 90_000;
    const first = w.call(
      'h1',
      'POST',
      `/api/v1/items/${id}/progress`,
      { note: '先到的进展' },
      {
        'if-match': `"${version}"`,
      },
    );
    await new Promise((r) => setTimeout(r, 700));
    const second = w.call(
      'h1',
      'POST',
      `/api/v1/items/${id}/progress`,
      { note: '后到的进展' },
      {
        'if-match': `"${version + 1}"`,
      },
    );
    await new Promise((r) => setTimeout(r, 1500));
    await w.temporal!.startWorker();
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    // A stale one is still refused, by the handler: 412 as before.
    const stale = await w.call(
      'h1',
      'POST',
      `/api/v1/items/${id}/progress`,
      { note: '过时的' },
      {
        'if-match': `"${version}"`,
      },
    );
    expect(stale.status).toBe(412);
    await w.temporal!.settle(id);
    const rows = await progressNotes(id);
    expect(rows.map((r) => r.note)).toEqual(['先到的进展', '后到的进展']);
    expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
  }, 180_000);
});
