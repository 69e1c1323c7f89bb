// The wake-up sweep as a BullMQ job scheduler: on BullMQ's PostgreSQL backend (always) and on
// Redis (when REDIS_URL is set). The scheduler, not the test, ticks the item.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { items } from '../../db/schema.ts';
import { createQueueKit, type QueueKit } from '../../workers/queues.ts';
import { startWakeSweep } from '../../workers/wake-sweep.ts';
import { assign, build, report, type World } from '../support/app.ts';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.log('[test] queue.test: Redis backend SKIPPED — set REDIS_URL to run BullMQ on Redis too');

const backends = [
  { name: 'postgres', redisUrl: undefined, run: true },
  { name: 'redis', redisUrl: REDIS_URL, run: !!REDIS_URL },
];

describe.each(backends)('wake-up sweep on BullMQ ($name backend)', ({ name, redisUrl, run }) => {
  let w: World;
  let kit: QueueKit;
  beforeAll(async () => {
    if (!run) return;
    w = await build();
    kit = createQueueKit({ redisUrl, databaseUrl: w.url, prefix: `t${process.pid}${name}` });
  });
  afterAll(async () => {
    await kit?.close();
  });

  it.runIf(run)('ticks a due item through the job scheduler, once', async () => {
    expect(kit.backend).toBe(name);
    const id = await report(w);
    await assign(w, id, { deadline: '2026-03-13' });
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    const sweep = await startWakeSweep(
      kit,
      { db: w.db, engine: w.engine, clock: w.clock },
      { everySeconds: 1, log: () => {} },
    );
    w.clock.set('2026-04-30T02:00:00.000Z');
    const deadline = Date.now() + 20_000;
    let row;
    do {
      await new Promise((r) => setTimeout(r, 250));
      [row] = await w.db.select().from(items).where(eq(items.id, id));
    } while (!row?.flagged && Date.now() < deadline);
    expect(row).toMatchObject({ overdue: true, flagged: true, escalationLevel: 4 });
    const version = row!.version;
    await new Promise((r) => setTimeout(r, 2500)); // more scheduler runs: nothing new is due
    const [after] = await w.db.select().from(items).where(eq(items.id, id));
    expect(after!.version).toBe(version);
    await sweep.worker.close();
  });
});
