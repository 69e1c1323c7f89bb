// A command on an existing item is read, decided, then written in one statement that applies only while
// the row is still at the version read (workflows/ledger.ts appendIfAt). Commands racing on one item must
// each be written once, in order, on one unbroken chain, with the ledger row equal to the fold of its events.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

describe('one statement per command', () => {
  it('writes 24 racing progress notes on one item once each, in sequence, on one chain', async () => {
    const id = await report(w);
    await assign(w, id);
    expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        w.call(
          'h1',
          'POST',
          `/api/v1/items/${id}/progress`,
          { note: `第${i + 1}次进展` },
          { 'idempotency-key': `race-${i}` },
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
    const seqs = answers.map((a) => a.body.events[0].seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 24 }, (_, i) => i + 4));
    const notes = (
      await w.db.execute(
        sql`select data->>'note' as note from item_events where item_id = ${id} and type = 'ProgressRecorded'`,
      )
    ).rows.map((r) => r.note);
    expect(new Set(notes).size).toBe(24);
    const [row] = (await w.db.execute(sql`select version, (state->>'version')::int as sv from items where id = ${id}`))
      .rows as { version: number; sv: number }[];
    expect(row).toEqual({ version: 27, sv: 27 });
    // Each retry replays its own stored answer (stored in the command's statement) and writes nothing.
    const again = await w.call(
      'h1',
      'POST',
      `/api/v1/items/${id}/progress`,
      { note: '第5次进展' },
      { 'idempotency-key': 'race-4' },
    );
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.events).toEqual(answers[4]!.body.events);
    const audit = await w.call('super', 'GET', `/api/v1/items/${id}/audit`);
    expect(audit.body).toMatchObject({ ok: true, events: 27 });
  });

  it('refuses a stale If-Match without writing, and the answer of a refused racer is its own refusal', async () => {
    const id = await report(w);
    await assign(w, id);
    const [a, b] = await Promise.all(
      ['"2"', '"2"'].map((v, i) =>
        w.call(
          'h1',
          'POST',
          `/api/v1/items/${id}/${i === 0 ? 'accept' : 'comments'}`,
          i === 0 ? {} : { text: '收到' },
          {
            'if-match': v,
          },
        ),
      ),
    );
    const statuses = [a!.status, b!.status].sort();
    expect(statuses).toEqual([200, 412]);
    const n = (await w.db.execute(sql`select count(*)::int as n from item_events where item_id = ${id}`)).rows[0];
    expect(n).toEqual({ n: 3 });
  });
});
