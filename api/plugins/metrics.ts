// /metrics in the Prometheus text format: queue depth, failed (dead) and delayed jobs per queue,
// notices and deliveries by state, and the process defaults (memory, event loop, GC).
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { sql } from 'drizzle-orm';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Db } from '../../db/client.ts';
import type { QueueView } from '../../services/jobs.ts';
import { unauthenticated } from '../problem.ts';
import type { StuckWorkflow } from '../../workflows/temporal/temporal-engine.ts';

/** Compared as digests: equal length, constant time, whatever the caller sends. */
const digest = (s: string) => createHash('sha256').update(s).digest();

/** token: when set (METRICS_TOKEN), /metrics answers only requests with "Authorization: Bearer <token>". */
export default fp<{ db: Db; queues?: QueueView; token?: string; stuckWorkflows?: () => Promise<StuckWorkflow[]> }>(
  async (app, { db, queues, token, stuckWorkflows }) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'zhenggai_' });
    new Gauge({
      name: 'zhenggai_queue_jobs',
      help: 'BullMQ jobs per queue and state (failed = dead letters)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        if (!queues) return;
        for (const name of queues.names()) {
          const c = await queues.counts(name);
          for (const [state, n] of Object.entries(c)) this.set({ queue: name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'zhenggai_deliveries',
      help: 'Notification deliveries per channel and status',
      labelNames: ['channel', 'status'],
      registers: [registry],
      async collect() {
        this.reset();
        const r = await db.execute<{ channel: string; status: string; n: number }>(
          sql`select channel, status, count(*)::int as n from deliveries group by 1, 2`,
        );
        for (const row of r.rows) this.set({ channel: row.channel, status: row.status }, row.n);
      },
    });
    new Gauge({
      name: 'zhenggai_notify_outbox',
      help: 'Events waiting for their notices',
      registers: [registry],
      async collect() {
        const r = await db.execute<{ n: number }>(sql`select count(*)::int as n from notify_outbox`);
        this.set(r.rows[0]?.n ?? 0);
      },
    });
    if (stuckWorkflows) {
      // An alert, not a stall: a workflow whose tasks keep failing (above all a determinism failure after a
      // deploy) takes no commands and fires no timers until someone fixes the code or resets it.
      new Gauge({
        name: 'zhenggai_engine_stuck_workflows',
        help: 'Item workflows Temporal reports stuck (workflow tasks failing), by cause; alert on > 0',
        labelNames: ['cause'],
        registers: [registry],
        async collect() {
          this.reset();
          const stuck = await stuckWorkflows().catch(() => null);
          if (stuck === null) return; // Temporal unreachable: /readyz says so
          this.set({ cause: 'nondeterminism' }, stuck.filter((w) => w.nondeterministic).length);
          this.set({ cause: 'other' }, stuck.filter((w) => !w.nondeterministic).length);
        },
      });
    }
    const expected = token ? digest(token) : null;
    app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
      if (expected) {
        const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
          throw unauthenticated(
            '/metrics needs "Authorization: Bearer <METRICS_TOKEN>" (the scrape token set in the server\'s configuration)',
          );
        }
      }
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  },
  { name: 'metrics' },
);
