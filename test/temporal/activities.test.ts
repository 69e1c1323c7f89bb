// The Temporal persist activity on real PostgreSQL: a retried attempt writes nothing twice, the
// hash chain stays intact, the ledger row is what the local engine writes for the same commands,
// and a workflow that disagrees with the trail is stopped with a non-retryable failure.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyItemChain } from '../../db/audit.ts';
import { campaigns, itemEvents, items, milestones } from '../../db/schema.ts';
import { decide, fold, nextWake } from '../../domain/item/index.ts';
import type { Actor, ItemCommand, ItemEvent, ItemState } from '../../domain/item/types.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createItemActivities } from '../../workflows/temporal/activities.ts';
import { FAILURE, type ItemActivities, type PersistInput } from '../../workflows/temporal/item.workflow.ts';
import { build, type World } from '../support/app.ts';

let w: World;
let acts: ItemActivities;
let actors: Record<'super' | 'lead' | 'h1', Actor>;
beforeAll(async () => {
  w = await build();
  acts = createItemActivities({ db: w.db, env: createEngineEnv(w.db, 0) });
  const u = w.units;
  actors = {
    super: { userId: w.userIds.super!, unitId: u.office.id, unitPath: u.office.path, roles: ['supervisor'] },
    lead: { userId: w.userIds.lead!, unitId: u.labour.id, unitPath: u.labour.path, roles: ['lead'] },
    h1: { userId: w.userIds.h1!, unitId: u.village1.id, unitPath: u.village1.path, roles: ['handler'] },
  };
});

/** What the workflow hands the activity for a command: the decider's events and the state after them. */
async function decided(
  state: ItemState | null,
  command: ItemCommand,
  actor: Actor,
  now: string,
): Promise<PersistInput> {
  const env = await acts.loadEnv(w.campaignId);
  const d = decide(state, command, { now, actor, ...env });
  if (!d.ok) throw new Error(`refused: ${d.error.message}`);
  const after = fold(d.events, state)!;
  return {
    itemId: after.id,
    campaignId: after.campaignId,
    fromVersion: state?.version ?? 0,
    events: d.events,
    after,
    wake: nextWake(after, env),
    now,
  };
}

const reportCmd = (itemId: string): ItemCommand => ({
  type: 'report',
  itemId,
  campaignId: w.campaignId,
  categoryId: w.categoryId,
  source: 'screening',
  title: '脱贫人口未参加城乡居民医保',
  description: '朝阳村王某户',
  reportingUnit: { id: w.units.office.id, path: w.units.office.path },
  ownerUnit: { id: w.units.office.id, path: w.units.office.path },
  leadUnit: { id: w.units.labour.id, path: w.units.labour.path },
});
const assignCmd = (): ItemCommand => ({
  type: 'assign',
  responsibleUnit: { id: w.units.village1.id, path: w.units.village1.path },
  measures: '动员参保',
  mode: 'phased',
  deadline: '2026-04-30',
  milestones: [{ id: 'm1', title: '入户核实', dueOn: '2026-03-20' }],
});

const eventRows = async (itemId: string) =>
  (await w.db.select({ n: count() }).from(itemEvents).where(eq(itemEvents.itemId, itemId)))[0]!.n;
const counter = async () =>
  (await w.db.select({ n: campaigns.itemCounter }).from(campaigns).where(eq(campaigns.id, w.campaignId)))[0]!.n;

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('persistEvents', () => {
  it('writes a report once: a retried attempt returns the same events and hashes and writes nothing', async () => {
    const id = randomUUID();
    const input = await decided(null, reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z');
    const before = await counter();
    const first = await acts.persistEvents(input);
    const again = await acts.persistEvents(input);
    expect(first).toHaveLength(1);
    expect(again).toEqual(first);
    expect(await eventRows(id)).toBe(1);
    expect(await counter()).toBe(before + 1); // the ledger number is taken once
    const [row] = await w.db.select().from(items).where(eq(items.id, id));
    expect(row).toMatchObject({ status: 'reported', version: 1, lastHash: first[0]!.hash });
  });

  it('writes a report once when several attempts race with no row yet to lock (the losers answer the winner)', async () => {
    for (let round = 0; round < 3; round++) {
      const id = randomUUID();
      const input = await decided(null, reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z');
      const answers = await Promise.all(Array.from({ length: 6 }, () => acts.persistEvents(input)));
      for (const a of answers) expect(a).toEqual(answers[0]);
      expect(await eventRows(id)).toBe(1);
    }
  });

  it('keeps the chain intact over several commands, each persisted twice, also concurrently', async () => {
    const id = randomUUID();
    let state: ItemState | null = null;
    const steps: [ItemCommand, Actor, string][] = [
      [reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z'],
      [assignCmd(), actors.lead, '2026-03-02T03:00:00.000Z'],
      [{ type: 'accept' }, actors.h1, '2026-03-03T01:00:00.000Z'],
      [{ type: 'complete_milestone', milestoneId: 'm1', note: '已核实' }, actors.h1, '2026-03-05T01:00:00.000Z'],
    ];
    for (const [command, actor, now] of steps) {
      const input = await decided(state, command, actor, now);
      const [a, b] = await Promise.all([acts.persistEvents(input), acts.persistEvents(input)]); // two attempts racing
      expect(b).toEqual(a);
      state = input.after;
    }
    expect(await eventRows(id)).toBe(4);
    expect(await verifyItemChain(w.db, id)).toMatchObject({ ok: true, events: 4 });
    const ms = await w.db.select().from(milestones).where(eq(milestones.itemId, id));
    expect(ms).toMatchObject([{ id: 'm1', dueOn: '2026-03-20' }]);
    expect(ms[0]!.completedAt).not.toBeNull();
  });

  it('writes the same ledger row and trail as the local engine for the same commands', async () => {
    const viaActivity = randomUUID();
    const viaLocal = randomUUID();
    const at = ['2026-03-02T02:00:00.000Z', '2026-03-02T03:00:00.000Z', '2026-03-03T01:00:00.000Z'];
    const cmds = (id: string): [ItemCommand, Actor][] => [
      [reportCmd(id), actors.super],
      [assignCmd(), actors.lead],
      [{ type: 'accept' }, actors.h1],
    ];
    let state: ItemState | null = null;
    for (const [i, [command, actor]] of cmds(viaActivity).entries()) {
      const input = await decided(state, command, actor, at[i]!);
      await acts.persistEvents(input);
      state = input.after;
    }
    for (const [i, [command, actor]] of cmds(viaLocal).entries()) {
      w.clock.set(at[i]!);
      await w.engine.execute({ itemId: viaLocal, command, actor });
    }
    const row = async (id: string) => {
      const [r] = await w.db.select().from(items).where(eq(items.id, id));
      const { id: _id, seqNo: _seq, lastHash: _h, createdAt: _c, ...rest } = r! as typeof r & { createdAt?: unknown };
      return { ...rest, state: { ...rest.state, id: 'x' } };
    };
    expect(await row(viaActivity)).toEqual(await row(viaLocal));
    const trail = async (id: string) =>
      (await w.db.select().from(itemEvents).where(eq(itemEvents.itemId, id)).orderBy(itemEvents.seq)).map((e) => ({
        seq: e.seq,
        type: e.type,
        at: e.at,
        actorId: e.actorId,
        data: e.type === 'ItemReported' ? { ...(e.data as object), itemId: 'x' } : e.data,
      }));
    expect(await trail(viaActivity)).toEqual(await trail(viaLocal));
  });

  it('re-aims the wake-up for a tick that fired nothing, without adding an event', async () => {
    const id = randomUUID();
    const input = await decided(null, reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z');
    await acts.persistEvents(input);
    const wake = '2026-05-01T00:00:00.000Z';
    expect(await acts.persistEvents({ ...input, fromVersion: 1, events: [], wake })).toEqual([]);
    const [r] = await w.db
      .select({ nextWakeAt: items.nextWakeAt, version: items.version })
      .from(items)
      .where(eq(items.id, id));
    expect(r!.version).toBe(1);
    expect(new Date(r!.nextWakeAt!).toISOString()).toBe(wake);
    expect(await eventRows(id)).toBe(1);
    // A workflow whose state is not the ledger's (another version) is told, not skipped quietly.
    const stale = await failureOf(acts.persistEvents({ ...input, fromVersion: 3, events: [], wake }));
    expect(stale).toMatchObject({ type: FAILURE.diverged, nonRetryable: true });
    expect(stale.message).toContain('ledger row is at version 1');
  });

  it('refuses, non-retryably and writing nothing, when the trail is behind or holds other events', async () => {
    const id = randomUUID();
    const reported = await decided(null, reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z');
    await acts.persistEvents(reported);
    const assigned = await decided(reported.after, assignCmd(), actors.lead, '2026-03-02T03:00:00.000Z');

    // The workflow believes the item is further on than the trail (events 2..3 were never written).
    const ahead = await failureOf(acts.persistEvents({ ...assigned, fromVersion: 2 }));
    expect(ahead).toMatchObject({ type: FAILURE.diverged, nonRetryable: true });
    expect(ahead.message).toContain('ledger row is at version 1');

    // A "retry" that carries a different event than the one stored under that sequence number.
    await acts.persistEvents(assigned);
    const other: ItemEvent = {
      type: 'CommentAdded',
      at: '2026-03-02T03:00:00.000Z',
      actorId: actors.lead.userId,
      data: { text: '不同的事件' },
    };
    const clash = await failureOf(acts.persistEvents({ ...assigned, events: [other] }));
    expect(clash).toMatchObject({ type: FAILURE.diverged, nonRetryable: true });
    expect(clash.message).toContain('stored event 2 is not the event this workflow decided');
    expect(await eventRows(id)).toBe(2);
    expect(await verifyItemChain(w.db, id)).toMatchObject({ ok: true, events: 2 });
  });

  it('runs inside an activity context (MockActivityEnvironment), failures keeping their type', async () => {
    const env = new MockActivityEnvironment({ attempt: 2 });
    const id = randomUUID();
    const input = await decided(null, reportCmd(id), actors.super, '2026-03-02T02:00:00.000Z');
    const first = await env.run(acts.persistEvents, input);
    expect(await env.run(acts.persistEvents, input)).toEqual(first);
    const err = await failureOf(env.run(acts.persistEvents, { ...input, fromVersion: 3 }));
    expect(err.type).toBe(FAILURE.diverged);
  });
});

describe('loadEnv', () => {
  it('reads the campaign settings and the calendar from the database', async () => {
    await w.db
      .update(campaigns)
      .set({ settings: { ...(await acts.loadEnv(w.campaignId)).settings, recheckRate: 0.5 } })
      .where(eq(campaigns.id, w.campaignId));
    const env = await acts.loadEnv(w.campaignId);
    expect(env.settings.recheckRate).toBe(0.5);
    expect(Object.keys(env.calendar.years)).toContain('2026');
    await expect(acts.loadEnv(randomUUID())).rejects.toThrow(/campaign .* not found/);
  });
});
