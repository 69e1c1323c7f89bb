// Redis (the BullMQ backend of `zhenggai start` with REDIS_URL) killed with -9 under load and started
// again empty: the ledger keeps taking commands meanwhile (the outbox is in PostgreSQL), /readyz says the
// queue is down, the queues recover by themselves, every acknowledged assignment's robot message is sent,
// and none twice.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { users, webhookTargets } from '../../db/schema.ts';
import { redisServerAvailable, startOwnRedis } from '../support/redis.ts';
import { startFakeRobot } from '../support/webhook-server.ts';
import { itemLoad, login, ownDatabase, PASSWORD, run, seedCampaign, startServer, until } from './support.ts';
import pg from 'pg';

const available = redisServerAvailable();
if (!available) console.log('[test] faults/redis.test: SKIPPED — redis-server is not installed');

describe.runIf(available)('Redis killed under load', () => {
  it('the queues recover, nothing acknowledged is lost, no notice is sent twice', async () => {
    const redis = await startOwnRedis();
    const robot = await startFakeRobot();
    try {
      const db = await ownDatabase();
      const env = {
        ...db.env,
        REDIS_URL: redis.url,
        SWEEP_EVERY_SECONDS: '2',
        NOTIFY_EVERY_SECONDS: '1',
        NOTIFY_RECONCILE_SECONDS: '5',
        NOTIFY_BACKOFF_MS: '200',
        NOTIFY_ATTEMPTS: '10',
        NOTIFY_RATE_PER_HOUR: '10000',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      };
      const made = run(['create-admin', '--username', 'admin', '--password', PASSWORD], env);
      expect(await made.exited, made.err()).toBe(0);
      const fx = await seedCampaign(db.ownerUrl);
      const [admin] = await fx.owner.select({ id: users.id }).from(users).where(eq(users.username, 'admin'));
      const [target] = await fx.owner
        .insert(webhookTargets)
        .values({ unitId: fx.villageId, kind: 'wecom', name: '朝阳村工作群', url: robot.url, createdBy: admin!.id })
        .returning();
      await fx.owner.$client.end();

      const app = await startServer(env);
      const token = await login(app.base, 'super', PASSWORD);
      const load = itemLoad(
        app.base,
        token,
        (title) => ({
          campaignId: fx.campaignId,
          categoryId: fx.categoryId,
          source: 'screening',
          title,
          description: title,
        }),
        (n) => ({
          path: '/api/v1/items/:id/assign',
          body: { responsibleUnitId: fx.villageId, measures: `落实整改 ${n}`, mode: 'immediate' },
          text: n,
        }),
        6,
      );
      await until('robot messages before the kill', () => robot.received.length >= 5, 60_000);

      await redis.stop(); // SIGKILL; no persistence: it comes back empty
      const before = load.acknowledged.length;
      await until('writes while Redis is down', () => load.acknowledged.length >= before + 6, 30_000);
      const ready = await fetch(`${app.base}/readyz`);
      expect(ready.status).toBe(503);
      await ready.arrayBuffer();
      await redis.start();
      const after = load.acknowledged.length;
      await until('writes after Redis is back', () => load.acknowledged.length >= after + 6, 30_000);
      await load.stop();

      expect(app.p.exitCode).toBeNull();
      expect(app.err()).not.toMatch(/unhandled|uncaught/i);
      expect(
        [...new Set(load.statuses)].filter((s) => ![200, 201, 409, 503].includes(s)),
        load.odd.join('\n'),
      ).toEqual([]);
      await until('ready again', async () => (await fetch(`${app.base}/readyz`)).status === 200, 30_000);

      // Every acknowledged assignment's message is delivered, each once.
      const assigned = new Set(load.acknowledged.filter((a) => a.kind === 'follow').map((a) => a.itemId));
      const owner = new pg.Client({ connectionString: db.ownerUrl });
      await owner.connect();
      try {
        const sent = async () =>
          (
            await owner.query('select item_id, status from deliveries where target_id = $1 order by item_id', [
              target!.id,
            ])
          ).rows as { item_id: string; status: string }[];
        await until(
          'every acknowledged assignment delivered',
          async () => {
            const rows = await sent();
            const done = new Set(rows.filter((r) => r.status === 'sent').map((r) => r.item_id));
            return [...assigned].every((id) => done.has(id)) && rows.every((r) => r.status === 'sent');
          },
          60_000,
        ).catch(async (err) => {
          const rows = await sent();
          const by = rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
          const outbox = (await owner.query('select count(*)::int as n from notify_outbox')).rows[0];
          const missing = [...assigned].filter((id) => !rows.some((r) => r.item_id === id)).length;
          throw new Error(
            `${(err as Error).message}: deliveries ${JSON.stringify(by)}, acknowledged ${assigned.size}, never planned ${missing}, outbox ${JSON.stringify(outbox)}\n${app.out().slice(-3000)}\n${app.err().slice(-3000)}`,
          );
        });
        await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive now
        const rows = await sent();
        const perItem = new Map<string, number>();
        for (const r of rows) perItem.set(r.item_id, (perItem.get(r.item_id) ?? 0) + 1);
        expect([...perItem].filter(([, n]) => n > 1)).toEqual([]);
        expect(robot.received).toHaveLength(rows.length);
        const noticeSent = (
          await owner.query(
            `select item_id, count(*)::int as n from item_events where type = 'NoticeSent' group by item_id having count(*) > 1`,
          )
        ).rows;
        expect(noticeSent).toEqual([]);
      } finally {
        await owner.end();
      }
      app.p.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    } finally {
      await robot.close();
      await redis.stop();
    }
  }, 240_000);
});
