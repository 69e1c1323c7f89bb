// `npm run bench:notify [-- --items 50000 --overdue 0.1 --backends postgres,redis] [--engine temporal]`
// (--engine temporal: the same data set on a real Temporal server, bench/notify-temporal.ts.)
//
// Fan-out of one overdue sweep: N open items (the benchmark data set of bench/load.ts: 10 % reported,
// 10 % assigned, 80 % in progress, deadlines spread over the coming weeks), the clock moved to the
// instant at which `--overdue` of them are past their deadline, then ONE sweep. Measured from the
// sweep's start until every notice is in the inbox (outbox empty, no notify/deliver job waiting or
// running): the sweep ticks the due items (reminders, DeadlineMissed, Escalated), the notifier drains
// the outbox, resolves recipients, writes the inbox and records each cause in the trail (NoticeSent).
// Runs once per queue backend on a fresh copy of the same database. Targets: Redis ≤ 60 s, PostgreSQL ≤ 120 s.
// Inbox only (no webhook targets, no e-mail or SMS preferences): the external channels are the
// deliver queue's work, measured by the channel tests, not here.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { count } from 'drizzle-orm';
import pg from 'pg';
import { createDb, migrateDb } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { notices, notifyOutbox } from '../db/schema.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { sweepInParallel } from '../workers/wake-sweep.ts';
import { loggingSmsProvider } from '../workers/notify/channels/sms.ts';
import { DELIVER_QUEUE, NOTIFY_QUEUE } from '../workers/notify/notifier.ts';
import { startNotifier } from '../workers/notify/start.ts';
import { createQueueKit } from '../workers/queues.ts';
import { startOwnRedis } from '../test/support/redis.ts';
import { loadWorld } from './load.ts';
import { crossing, steadyState } from './notify-world.ts';

const TARGET_SECONDS = { redis: 60, postgres: 120 } as const;
const { values: argv } = parseArgs({
  options: {
    items: { type: 'string', default: '50000' },
    overdue: { type: 'string', default: '0.1' },
    backends: { type: 'string', default: 'postgres,redis' },
    concurrency: { type: 'string', default: '8' },
    out: { type: 'string' },
    /** Diagnostics: run the sweep to its end before the notifier starts (no overlap). */
    'sweep-first': { type: 'boolean', default: false },
    /** Claimers of the one sweep run (workers/wake-sweep.ts sweepInParallel; the service uses 3). */
    claimers: { type: 'string', default: '3' },
    /** local: one sweep on a moved clock; temporal: durable timers on a real server (bench/notify-temporal.ts). */
    engine: { type: 'string', default: 'local' },
    /** temporal: workflow starts in flight at once. */
    starters: { type: 'string', default: '16' },
    /** temporal: give up waiting after this many seconds (the figures then say how far it got). */
    timeout: { type: 'string', default: '3600' },
  },
});
const items = Number(argv.items);
const overdueShare = Number(argv.overdue);
const backends = argv.backends!.split(',').map((s) => s.trim()) as ('postgres' | 'redis')[];
const concurrency = Number(argv.concurrency);
const log = (m: string) => console.log(`[bench:notify] ${m}`);

async function main() {
  if (argv.engine === 'temporal') {
    if (backends.some((b) => b !== 'postgres'))
      throw new Error(
        '--engine temporal runs the API process as shipped (BullMQ on PostgreSQL): use --backends postgres',
      );
    const { notifyOnTemporal } = await import('./notify-temporal.ts');
    await notifyOnTemporal({
      items,
      overdueShare,
      starters: Number(argv.starters),
      timeoutSeconds: Number(argv.timeout),
      out:
        argv.out ??
        (items >= 50_000 ? fileURLToPath(new URL('./results/notify-temporal-latest.json', import.meta.url)) : null),
      log,
    });
    return;
  }
  if (argv.engine !== 'local') throw new Error(`--engine: local or temporal, not ${argv.engine}`);
  const dir = await mkdtemp(join(os.tmpdir(), 'zg-bench-notify-'));
  const server = await startEmbeddedPostgres({ dir: join(dir, 'pg'), durable: true });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const results: Record<string, unknown>[] = [];
  try {
    await admin.query('create database bench_tpl');
    const tpl = createDb(server.url('bench_tpl'), { max: 8 });
    await migrateDb(tpl);
    const t0 = Date.now();
    await loadWorld(tpl, { items, log });
    log(`loaded ${items} items in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await steadyState(tpl, log);
    const { at, overdue } = await crossing(tpl, items, overdueShare);
    log(
      `clock moved to ${at.toISOString()}: ${overdue} of ${items} items past their deadline (${((overdue / items) * 100).toFixed(1)} %)`,
    );
    await tpl.$client.end();

    for (const backend of backends) {
      const name = `bench_${backend}`;
      await admin.query(`create database ${name} template bench_tpl`);
      const url = server.url(name);
      const db = createDb(url, { max: 20 });
      const clock = { now: () => at };
      const env = createEngineEnv(db);
      const engine = createLocalEngine({ db, env, clock });
      const redis =
        backend === 'redis'
          ? process.env.REDIS_URL
            ? { url: process.env.REDIS_URL, stop: async () => {} }
            : await startOwnRedis()
          : null;
      const kit = createQueueKit({ redisUrl: redis?.url, databaseUrl: url, prefix: `bench${process.pid}`, log });
      const startNotifying = () =>
        startNotifier(
          kit,
          {
            db,
            engine,
            env,
            clock,
            kit,
            mailer: null,
            sms: loggingSmsProvider(() => {}),
            log,
            config: { allowedHosts: [], ratePerHour: 1000, timeoutMs: 5000, attempts: 5, backoffMs: 1000 },
          },
          { drainEverySeconds: 1, digestCron: '0 8 * * *', reconcileEverySeconds: 3600 },
          { log, concurrency: { notify: concurrency, deliver: concurrency } },
        );
      const start = Date.now();
      let notifier = argv['sweep-first'] ? null : await startNotifying();
      const swept = await sweepInParallel({ db, engine, clock }, Number(argv.claimers));
      notifier ??= await startNotifying();
      const sweepSeconds = (Date.now() - start) / 1000;
      log(
        `${backend}: sweep (${argv.claimers} claimers) ticked ${swept.ticked} items (${swept.events} events, ${swept.failed.length} failed) in ${sweepSeconds.toFixed(1)} s`,
      );
      await notifier.drainNow();
      let last = 0;
      for (;;) {
        const [ob] = await db.select({ n: count() }).from(notifyOutbox);
        const c = [await kit.counts(NOTIFY_QUEUE), await kit.counts(DELIVER_QUEUE)];
        if (ob!.n === 0 && c.every((x) => x.waiting + x.active + x.prioritized === 0)) break;
        if (Date.now() - last > 5000) {
          last = Date.now();
          const [nn] = await db.select({ n: count() }).from(notices);
          log(
            `  … ${((Date.now() - start) / 1000).toFixed(0)} s: ${nn!.n} notices, outbox ${ob!.n}, notify queue ${c[0]!.waiting} waiting / ${c[0]!.active} active`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (Date.now() - start) / 1000;
      const {
        rows: [m],
      } = await db.$client.query(
        `select (select count(*)::int from notices) as notices, (select count(*)::int from item_events where type = 'NoticeSent') as causes,
                (select count(*)::int from (select key from notices group by key having count(*) > 1) d) as duplicates`,
      );
      const r = {
        backend,
        items,
        overdue,
        ticked: swept.ticked,
        events: swept.events,
        causes: m.causes,
        notices: m.notices,
        duplicates: m.duplicates,
        sweepSeconds: +sweepSeconds.toFixed(1),
        seconds: +seconds.toFixed(1),
        noticesPerSecond: Math.round(m.notices / seconds),
        targetSeconds: TARGET_SECONDS[backend],
        met: seconds <= TARGET_SECONDS[backend],
      };
      results.push(r);
      log(
        `${backend}: ${m.notices} notices for ${m.causes} causes in ${seconds.toFixed(1)} s → ${r.noticesPerSecond} notices/s (target ≤ ${r.targetSeconds} s: ${r.met ? 'met' : 'MISSED'})`,
      );
      await notifier.close();
      await kit.close();
      await redis?.stop();
      await db.$client.end();
    }
  } finally {
    await admin.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.table(results);
  const out =
    argv.out ?? (items >= 50_000 ? fileURLToPath(new URL('./results/notify-latest.json', import.meta.url)) : null);
  if (out)
    await writeFile(
      out,
      `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, results }, null, 2)}\n`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
