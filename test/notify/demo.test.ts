// The demo township (seed 003) on both queue backends: move the injected clock past deadlines and
// see the right notices, once each, in the inbox and on a local group robot — across a restart of
// the notifier in the middle.
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, loadDemo } from '../../bin/demo.ts';
import { noticeFor } from '../../domain/notice/derive.ts';
import { evolve } from '../../domain/item/evolve.ts';
import type { ItemEvent, ItemState } from '../../domain/item/types.ts';
import { deliveries, itemEvents, items, notices, users } from '../../db/schema.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine } from '../../workflows/local/local-engine.ts';
import { TestClock, type World } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';
import { redisForSuite } from '../support/redis.ts';
import { type FakeRobot, startFakeRobot } from '../support/webhook-server.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

const redis = await redisForSuite();
if (!redis) console.log('[test] demo.test: Redis backend SKIPPED — no REDIS_URL and no redis-server installed');
afterAll(async () => {
  await redis?.stop();
});

describe.each([
  { backend: 'postgres' as const, run: true },
  { backend: 'redis' as const, run: !!redis },
])('demo township, notices on BullMQ ($backend backend)', ({ backend, run }) => {
  let w: World;
  let n: NotifyWorld;
  let robot: FakeRobot;
  let villageId: string;
  const prefix = `demo${process.pid}${backend}`;
  const start = (world: World) =>
    startNotifyWorld(world, { redisUrl: backend === 'redis' ? redis!.url : undefined, prefix });

  beforeAll(async () => {
    if (!run) return;
    const { db, url } = await createTestDatabase();
    await loadDemo(db, () => {}, { items: 60, now: new Date('2026-05-15T02:00:00.000Z') });
    const clock = new TestClock(new Date('2026-05-15T02:00:00.000Z'));
    const engine = createLocalEngine({ db, env: createEngineEnv(db, 0), clock });
    w = { db, url, clock, engine, tokens: {}, userIds: {} } as unknown as World;
    n = await start(w);
    for (const u of await db.select({ username: users.username, id: users.id }).from(users)) {
      const r = await n.call(null, 'POST', '/api/v1/auth/login', { username: u.username, password: DEMO_PASSWORD });
      w.tokens[u.username] = r.body.token;
      w.userIds[u.username] = u.id;
    }
    const [cun01] = await db.select({ unitId: users.unitId }).from(users).where(eq(users.username, 'cun01'));
    villageId = cun01!.unitId;
    robot = await startFakeRobot();
    const r = await n.call('admin', 'POST', '/api/v1/admin/webhooks', {
      unitId: villageId,
      kind: 'wecom',
      name: '村工作群',
      url: robot.url,
    });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await n?.stop();
    await robot?.close();
  });

  it.runIf(run)(
    'tells the right people once per cause, also when the notifier restarts in the middle',
    async () => {
      await n.settle(60_000); // the notices of the demo's history
      for (let day = 0; day < 30; day++) {
        w.clock.advanceDays(1);
        await n.sweep();
        if (day === 12) {
          // Restart mid-run: the outbox is drained into queued jobs, then the process goes away.
          await n.notifier.drainNow();
          await n.stop();
          n = await start(w);
        }
      }
      await n.settle(60_000);

      // Every cause in every trail is recorded once, and the inbox holds exactly its recipients.
      const all = await w.db.select({ id: items.id }).from(items);
      let causes = 0;
      for (const { id } of all) {
        const rows = await w.db.select().from(itemEvents).where(eq(itemEvents.itemId, id)).orderBy(asc(itemEvents.seq));
        let s: ItemState | null = null;
        const expected: number[] = [];
        const recorded = new Map<number, { userId: string | null }[]>();
        for (const r of rows) {
          const e = { type: r.type, at: r.at, actorId: r.actorId, data: r.data } as ItemEvent;
          s = evolve(s, e);
          if (e.type === 'NoticeSent') {
            expect(recorded.has(e.data.causeSeq), `item ${id} cause ${e.data.causeSeq} recorded twice`).toBe(false);
            recorded.set(e.data.causeSeq, e.data.recipients);
          } else if (noticeFor(e, s)) expected.push(r.seq);
        }
        expect(
          [...recorded.keys()].sort((a, b) => a - b),
          `item ${id}`,
        ).toEqual(expected);
        for (const [seq, recipients] of recorded) {
          const inbox = await w.db
            .select({ userId: notices.userId })
            .from(notices)
            .where(and(eq(notices.itemId, id), eq(notices.causeSeq, seq)));
          expect(inbox.map((x) => x.userId).sort()).toEqual(
            recipients.flatMap((r) => (r.userId ? [r.userId] : [])).sort(),
          );
        }
        causes += expected.length;
      }
      expect(causes).toBeGreaterThan(100);

      // The clock passed deadlines: handlers of those items heard of it (逾期), the assigning lead too.
      const missed = await w.db
        .select({ itemId: itemEvents.itemId, seq: itemEvents.seq })
        .from(itemEvents)
        .where(and(eq(itemEvents.type, 'DeadlineMissed'), sql`${itemEvents.at} > '2026-05-15T02:00:00Z'`));
      expect(missed.length).toBeGreaterThan(0);
      for (const m of missed) {
        const [item] = await w.db.select({ unitId: items.responsibleUnitId }).from(items).where(eq(items.id, m.itemId));
        const handlers = await w.db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.unitId, item!.unitId!), sql`'handler' = any(${users.roles})`));
        const told = await w.db
          .select({ userId: notices.userId, kind: notices.kind })
          .from(notices)
          .where(and(eq(notices.itemId, m.itemId), eq(notices.causeSeq, m.seq)));
        expect(told.every((t) => t.kind === 'deadline_missed')).toBe(true);
        for (const h of handlers) expect(told.map((t) => t.userId)).toContain(h.id);
        expect(told.length).toBeGreaterThan(handlers.length); // the assigning unit as well
      }

      // The village's robot got each of its messages once.
      const robotDeliveries = await w.db.select().from(deliveries).where(eq(deliveries.channel, 'webhook'));
      expect(robotDeliveries.length).toBeGreaterThan(0);
      expect(robotDeliveries.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(robot.received).toHaveLength(robotDeliveries.length);
      const cun01 = await n.call('cun01', 'GET', '/api/v1/notices/unread-count');
      expect(cun01.body.unread).toBeGreaterThan(0);
    },
    180_000,
  );
});
