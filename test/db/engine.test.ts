// The local runtime on real PostgreSQL: time passing months ahead through the sweep, each
// escalation step exactly once — also when nothing ran while the deadline passed.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { items } from '../../db/schema.ts';
import { ItemNotFound } from '../../workflows/engine.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

const sweep = () => sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });

async function types(id: string): Promise<string[]> {
  const r = await w.call('super', 'GET', `/api/v1/items/${id}`);
  return r.body.timeline.map((e: { type: string; data: { level?: number } }) =>
    e.type === 'Escalated' ? `Escalated:${e.data.level}` : e.type,
  );
}

async function acceptedItem(deadline: string) {
  const id = await report(w);
  await assign(w, id, { deadline });
  expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
  return id;
}

describe('wake-ups driven by the sweep', () => {
  it('fires reminders, the missed deadline and each escalation step once, in order, as days pass', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await acceptedItem('2026-03-13'); // a Friday
    const steps: string[][] = [];
    for (let day = 0; day < 40; day++) {
      w.clock.advanceDays(1);
      await sweep();
      await sweep(); // a second sweep at the same instant finds nothing more
      steps.push((await types(id)).slice(3));
    }
    const all = await types(id);
    const timed = all.filter((t) => /Reminder|Deadline|Escalated|ItemFlagged|QualityWarning/.test(t));
    expect(timed).toEqual([
      'ReminderIssued',
      'ReminderIssued',
      'DeadlineMissed',
      'Escalated:1',
      'Escalated:2',
      'Escalated:3',
      'Escalated:4',
      'ItemFlagged',
      'QualityWarningRaised',
    ]);
    const [row] = await w.db.select().from(items).where(eq(items.id, id));
    expect(row).toMatchObject({ overdue: true, escalationLevel: 4, flagged: true });
  });

  it('catches up after downtime: one late sweep gives every step once, in due order, without stale reminders', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await acceptedItem('2026-03-13');
    w.clock.set('2026-06-30T02:00:00.000Z'); // the process was down for four months
    const first = await sweep();
    expect(first.failed).toEqual([]);
    const r = await w.call('super', 'GET', `/api/v1/items/${id}`);
    const timed = r.body.timeline.filter((e: { type: string }) => /Reminder|Deadline|Escalated/.test(e.type));
    // The reminders' moment ("还有3天", "还有1天") passed during the downtime: they are dropped, not sent late.
    expect(timed.map((e: { type: string; data: { level?: number } }) => e.data.level ?? e.type)).toEqual([
      'DeadlineMissed',
      1,
      2,
      3,
      4,
    ]);
    const due = timed.map((e: { data: { dueAt: string } }) => e.data.dueAt);
    expect([...due].sort()).toEqual(due); // recorded with the instants they were due at
    expect(timed.every((e: { at: string }) => e.at === '2026-06-30T02:00:00.000Z')).toBe(true);
    const before = r.body.version;
    await sweep();
    w.clock.advanceDays(1);
    await sweep();
    expect((await w.call('super', 'GET', `/api/v1/items/${id}`)).body.version).toBe(before);
  });

  it('never ticks one item twice when two sweeps race (SKIP LOCKED)', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await acceptedItem('2026-03-13'));
    w.clock.set('2026-05-01T02:00:00.000Z');
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.failed.concat(b.failed)).toEqual([]);
    for (const id of ids) {
      const t = await types(id);
      expect(t.filter((x) => x === 'DeadlineMissed')).toHaveLength(1);
      expect(t.filter((x) => x === 'Escalated:1')).toHaveLength(1);
    }
  });

  it('keeps next_wake_at equal to the domain answer and clears it when nothing is left to wait for', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await report(w);
    const [reported] = await w.db.select({ wake: items.nextWakeAt }).from(items).where(eq(items.id, id));
    expect(reported!.wake).toBeNull(); // nothing is timed before assignment
    await w.call('super', 'POST', `/api/v1/items/${id}/dismiss`, { reason: '不属实' });
    const due = await w.db.execute(
      sql`select count(*)::int as n from items where id = ${id} and next_wake_at is not null`,
    );
    expect(due.rows[0]).toEqual({ n: 0 });
  });
});

describe('scope, checked inside the command transaction', () => {
  it("refuses a command on an item outside the caller's subtree as not found, and writes nothing", async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await acceptedItem('2026-03-31'); // responsible: village1
    const [before] = await w.db.select().from(items).where(eq(items.id, id));
    const h2 = {
      userId: w.userIds.h2!,
      unitId: w.units.village2.id,
      unitPath: w.units.village2.path,
      roles: ['handler' as const],
    };
    await expect(
      w.engine.execute({
        itemId: id,
        command: { type: 'record_progress', note: '越权' },
        actor: h2,
        scopePath: w.units.village2.path,
      }),
    ).rejects.toThrow(ItemNotFound);
    const [after] = await w.db.select().from(items).where(eq(items.id, id));
    expect(after).toEqual(before);
    const [{ n }] = (await w.db.execute(sql`select count(*)::int as n from item_events where item_id = ${id}`))
      .rows as [{ n: number }];
    expect(n).toBe(before!.version);
    // The same caller inside the subtree, and an unscoped (admin) caller, get through.
    const h1 = {
      userId: w.userIds.h1!,
      unitId: w.units.village1.id,
      unitPath: w.units.village1.path,
      roles: ['handler' as const],
    };
    const out = await w.engine.execute({
      itemId: id,
      command: { type: 'record_progress', note: '已入户核实' },
      actor: h1,
      scopePath: w.units.village1.path,
    });
    expect(out).toMatchObject({ state: { version: before!.version + 1 }, ledgerNo: before!.seqNo });
  });
});
