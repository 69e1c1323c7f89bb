// `npm run bench:notify -- --engine temporal [--items 50000 --overdue 0.1 --starters 16 --timeout 3600]`
//
// The notification fan-out on a real Temporal server, whose clock cannot be moved: "the worker was down
// while 10 % of the items fell due, then it comes back". The data set of bench:notify is generated whole
// days back in time (load.ts `pastDue`), so that about `--overdue` of the items are past their deadline in
// real time; `temporal server start-dev` (SQLite file) is started WITHOUT the worker and the workflows of all
// open items are started from their ledger rows (temporal-migrate's selection and starter, `--starters` in
// flight); the API process (`zhenggai start`, ENGINE=temporal: its notifier drains the outbox and records each
// cause through a Workflow Update) runs meanwhile. Then the worker process (`zhenggai worker`) starts, and
// the time is taken until every item that was due at that moment has ticked (its ledger row moved past it),
// the outbox is empty and no notify/deliver job waits or runs. Afterwards: until the task queue is empty
// (every workflow on its durable timer), Temporal's memory and SQLite file; every ticked item's hash chain
// and fold; no tick event and no notice cause twice.
//
// What it is not: in production the workflows would have run their first task long before (loaded the
// campaign's settings, set their timer) and only the due ones would wake. Here the worker meets the first
// task of every workflow as well (a `loadEnv` activity each), in the order they were started — so the
// figure is a migration and an outage together, an upper bound for an outage alone.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { shanghaiDate } from '../domain/calendar/calendar.ts';
import { createDb, migrateDb, type Db } from '../db/client.ts';
import { freePort, startEmbeddedPostgres } from '../db/embedded.ts';
import { DELIVER_QUEUE, NOTIFY_QUEUE } from '../workers/notify/notifier.ts';
import { createQueueKit, type QueueKit } from '../workers/queues.ts';
import { loadWorld, verifySample } from './load.ts';
import { crossing, steadyState } from './notify-world.ts';
import { cpuSnap, memoryOf, type CpuSnap } from './proc.ts';
import { startServer } from './server-process.ts';
import { startTemporalStack, type TemporalStack } from './temporal-stack.ts';

export interface NotifyTemporalOptions {
  items: number;
  overdueShare: number;
  starters: number;
  timeoutSeconds: number;
  out: string | null;
  log: (m: string) => void;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const load = () => os.loadavg().map(round1);

/** CPU seconds of each part between two snapshots (server = the API process). */
function cpuBetween(a: CpuSnap, b: CpuSnap) {
  const out: Record<string, number> = {
    api: round1(b.server - a.server),
    postgres: round1(b.postgres - a.postgres),
    bench: round1(b.loadgen - a.loadgen),
  };
  for (const k of Object.keys(b.extra)) out[k] = round1(b.extra[k]! - (a.extra[k] ?? 0));
  return out;
}

async function fileMB(...paths: string[]) {
  let bytes = 0;
  for (const p of paths) bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
  return round1(bytes / 1024 / 1024);
}

/** The most frequent messages of a JSON-lines log (warnings and errors only are written at LOG_LEVEL=warn). */
async function logSummary(file: string) {
  const text = await readFile(file, 'utf8').catch(() => '');
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let msg = line;
    try {
      const j = JSON.parse(line) as { msg?: string; message?: string };
      msg = j.msg ?? j.message ?? line;
    } catch {
      /* not JSON */
    }
    const key = msg.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').slice(0, 120);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([msg, n]) => ({ n, msg }));
}

/** Workflow tasks and activities that timed out or failed, in a sample of histories. */
async function historySample(stack: TemporalStack, ids: string[]) {
  const out = { workflows: 0, events: 0, bytes: 0, timedOut: 0, failed: 0 };
  for (const id of ids) {
    const h = (await stack.history(`item-${id}`)) as { events?: { eventType?: string | number }[] };
    const events = h.events ?? [];
    out.workflows++;
    out.events += events.length;
    out.bytes += JSON.stringify(h).length;
    for (const e of events) {
      const t = String(e.eventType ?? '').toUpperCase();
      if (t.includes('TIMED_OUT') || t.includes('TIMEDOUT')) out.timedOut++;
      if (t.includes('FAILED')) out.failed++;
    }
  }
  return {
    workflows: out.workflows,
    eventsPerWorkflow: out.workflows ? round1(out.events / out.workflows) : 0,
    kbPerWorkflow: out.workflows ? round1(out.bytes / out.workflows / 1024) : 0,
    timedOut: out.timedOut,
    failed: out.failed,
  };
}

async function queuesIdle(kit: QueueKit) {
  const c = [await kit.counts(NOTIFY_QUEUE), await kit.counts(DELIVER_QUEUE)];
  return { idle: c.every((x) => x.waiting + x.active + x.prioritized === 0), notify: c[0]! };
}

async function tally(db: Db) {
  const {
    rows: [r],
  } = await db.$client.query(
    `select (select count(*)::int from item_events where type <> 'NoticeSent') as events,
            (select count(*)::int from item_events where type = 'NoticeSent') as causes,
            (select count(*)::int from notices) as notices`,
  );
  return r as { events: number; causes: number; notices: number };
}

/** Tick events or notice causes recorded twice for the same item and wake-up, and notice keys twice. */
async function duplicates(db: Db) {
  const {
    rows: [r],
  } = await db.$client.query(
    `select
       (select count(*)::int from (select 1 from item_events where type <> 'NoticeSent' and data ? 'dueAt'
          group by item_id, type, data->>'dueAt', data->>'kind', data->>'level', data->>'daysBefore' having count(*) > 1) d) as "tickEvents",
       (select count(*)::int from (select 1 from item_events where type = 'NoticeSent'
          group by item_id, data->>'causeSeq' having count(*) > 1) d) as "noticeCauses",
       (select count(*)::int from (select key from notices group by key having count(*) > 1) d) as "noticeKeys"`,
  );
  return r as { tickEvents: number; noticeCauses: number; noticeKeys: number };
}

export async function notifyOnTemporal(o: NotifyTemporalOptions) {
  const { log, items } = o;
  const loadBefore = load();
  const dir = await mkdtemp(join(os.tmpdir(), 'zg-bench-notify-temporal-'));
  const pgDir = join(dir, 'pg');
  const server = await startEmbeddedPostgres({ dir: pgDir, durable: true });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await admin.query('create database bench_temporal');
    const url = server.url('bench_temporal');
    const db = createDb(url, { max: 8 });
    cleanups.unshift(() => db.$client.end());
    await migrateDb(db);
    const postmaster = Number((await readFile(join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]) || null;

    // 1. The data set, generated back in time so that about `overdueShare` of it is past its deadline now.
    const t0 = Date.now();
    const world = await loadWorld(db, { items, log, pastDue: o.overdueShare });
    log(`loaded ${items} items in ${((Date.now() - t0) / 1000).toFixed(1)} s (${world.shiftDays} days back)`);
    await steadyState(db, log);
    const cross = await crossing(db, items, o.overdueShare);
    log(
      `${cross.overdue} of ${items} items (${((cross.overdue / items) * 100).toFixed(1)} %) past their deadline since ${cross.at.toISOString()} (now ${new Date().toISOString()})`,
    );

    // 2. Temporal without its worker; the workflows of all open items started from their ledger rows.
    const stack = await startTemporalStack({ databaseUrl: url, dir, log, startWorker: false });
    cleanups.unshift(() => stack.close());
    const temporalPid = () => stack.server.pid();
    const s0 = cpuSnap(null, postmaster, { temporal: temporalPid() });
    const ts = Date.now();
    const started = await stack.startOpen(db, o.starters);
    const startSeconds = (Date.now() - ts) / 1000;
    const s1 = cpuSnap(null, postmaster, { temporal: temporalPid() });
    const starts = {
      started: started.started,
      alreadyRunning: started.running,
      parallel: o.starters,
      seconds: round1(startSeconds),
      perSecond: round1(started.started / startSeconds),
      cpuSeconds: cpuBetween(s0, s1),
      temporalRssMB: round1((memoryOf(temporalPid()!)?.rssKB ?? 0) / 1024),
      loadAverage: load(),
    };
    log(
      `${started.started} workflows started in ${startSeconds.toFixed(1)} s (${starts.perSecond}/s, ${o.starters} in flight); Temporal used ${starts.cpuSeconds.temporal} s of CPU`,
    );

    // The API process as shipped on Temporal: its notifier drains the outbox the persist activity writes.
    const api = await startServer({
      databaseUrl: url,
      port: await freePort(),
      logFile: join(dir, 'api.log'),
      env: stack.apiEnv,
    });
    cleanups.unshift(() => api.stop());
    const kit = createQueueKit({ databaseUrl: url, log });
    cleanups.unshift(() => kit.close());

    // 3. The worker comes back. Due: every item whose wake-up has passed at this moment.
    const cut = new Date();
    const { rows: dueRows } = await db.$client.query(`select id, version from items where next_wake_at <= $1`, [cut]);
    const due = dueRows.map((r) => r.id as string);
    const versionAt = new Map(dueRows.map((r) => [r.id as string, r.version as number]));
    const {
      rows: [pd],
    } = await db.$client.query(
      `select count(*)::int as n from items where status in ('assigned', 'in_progress') and deadline < $1::date`,
      [shanghaiDate(cut.toISOString())],
    );
    const pastDeadline = pd.n as number;
    log(
      `${due.length} items have a wake-up due now, ${pastDeadline} of them past their deadline (${((pastDeadline / items) * 100).toFixed(1)} % of all); starting the worker`,
    );
    const before = await tally(db);
    const extra = () => ({ temporal: temporalPid(), worker: stack.worker.pid() });
    const c0 = cpuSnap(api.pid, postmaster, extra());
    const tw = Date.now();
    await stack.worker.start();
    const bootSeconds = (Date.now() - tw) / 1000;
    const workerPid = stack.worker.pid()!;
    log(`worker polling after ${bootSeconds.toFixed(1)} s`);
    const loadDuring: number[] = [];
    let lastLog = 0;
    let pending = due.length;
    let completed = false;
    const deadline = tw + o.timeoutSeconds * 1000;
    for (;;) {
      const {
        rows: [p],
      } = await db.$client.query(
        `select count(*)::int as n from items where id = any($1::uuid[]) and next_wake_at <= $2`,
        [due, cut],
      );
      pending = p.n;
      const [{ n: outbox }] = (await db.$client.query(`select count(*)::int as n from notify_outbox`)).rows;
      const q = await queuesIdle(kit);
      if (pending === 0 && outbox === 0 && q.idle) {
        completed = true;
        break;
      }
      if (Date.now() > deadline) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        loadDuring.push(os.loadavg()[0]!);
        const t = await tally(db);
        const b = await stack.backlog().catch(() => ({ workflow: -1, activity: -1 }));
        log(
          `  … ${((Date.now() - tw) / 1000).toFixed(0)} s: ${due.length - pending}/${due.length} ticked, ${t.notices} notices, outbox ${outbox}, notify ${q.notify.waiting} waiting / ${q.notify.active} active; Temporal backlog ${b.workflow} workflow / ${b.activity} activity tasks; load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (Date.now() - tw) / 1000;
    const c1 = cpuSnap(api.pid, postmaster, extra());
    const after = await tally(db);
    const { rows: tickedRows } = await db.$client.query(`select id, version from items where id = any($1::uuid[])`, [
      due,
    ]);
    const tickedIds = tickedRows.filter((r) => r.version > versionAt.get(r.id)!).map((r) => r.id as string);
    const notices = after.notices - before.notices;
    log(
      `${completed ? 'done' : `TIMED OUT after ${o.timeoutSeconds} s`}: ${due.length - pending}/${due.length} due items ticked, ${notices} notices in ${seconds.toFixed(1)} s`,
    );

    // Until every workflow waits on its timer: the task queue empty and the worker idle for 5 s.
    let settleSeconds: number | null = null;
    let prev = cpuSnap(null, null, { worker: workerPid });
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      const now = cpuSnap(null, null, { worker: workerPid });
      const busy = (now.extra.worker! - prev.extra.worker!) / ((now.at - prev.at) / 1000);
      prev = now;
      const b = await stack.backlog().catch(() => ({ workflow: -1, activity: -1 }));
      if (b.workflow === 0 && b.activity === 0 && busy < 0.05) {
        settleSeconds = (Date.now() - tw) / 1000;
        break;
      }
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(
          `  … settling: backlog ${b.workflow} workflow / ${b.activity} activity tasks, worker ${Math.round(busy * 100)} % of a core`,
        );
      }
    }
    const c2 = cpuSnap(api.pid, postmaster, extra());
    const memory = {
      temporalRssMB: round1((memoryOf(temporalPid()!)?.rssKB ?? 0) / 1024),
      workerRssMB: round1((memoryOf(workerPid)?.rssKB ?? 0) / 1024),
      temporalSqliteMB: await fileMB(stack.server.dbFile!, `${stack.server.dbFile}-wal`, `${stack.server.dbFile}-shm`),
    };
    log(
      `settled ${settleSeconds === null ? 'NOT within the timeout' : `after ${settleSeconds.toFixed(0)} s`}: Temporal RSS ${memory.temporalRssMB} MB, SQLite ${memory.temporalSqliteMB} MB, worker RSS ${memory.workerRssMB} MB`,
    );

    // 4. Checks: every ticked item's chain and fold, no duplicates, a sample of histories.
    let verified = 0;
    const unverified: string[] = [];
    for (const id of tickedIds) {
      try {
        await verifySample(db, [id]);
        verified++;
      } catch (err) {
        unverified.push(`${id}: ${(err as Error).message}`);
      }
    }
    const dup = await duplicates(db);
    const histories = await historySample(stack, tickedIds.slice(0, 20));
    log(
      `chains verified ${verified}/${tickedIds.length}; duplicates: ${JSON.stringify(dup)}; histories ${JSON.stringify(histories)}`,
    );

    // Items whose wake-up fell due while the run went on (not waited for, but ticked all the same).
    const { rows: outside } = await db.$client.query(
      `select count(distinct item_id)::int as n from item_events where type <> 'NoticeSent' and not (item_id = any($1::uuid[])) and recorded_at >= $2`,
      [due, cut],
    );
    const result = {
      engine: 'temporal',
      scenario:
        'worker down while the items fell due (world generated days back), workflows of all open items started, then the worker starts; API process (ENGINE=temporal) with its notifier running throughout; BullMQ on PostgreSQL',
      items,
      shiftDays: world.shiftDays,
      pastDeadline,
      crossing: { at: cross.at.toISOString(), overdue: cross.overdue },
      due: due.length,
      starts,
      workerBootSeconds: round1(bootSeconds),
      completed,
      ticked: due.length - pending,
      tickedOutsideDue: outside[0].n as number,
      events: after.events - before.events,
      causes: after.causes - before.causes,
      notices,
      duplicates: dup,
      seconds: round1(seconds),
      noticesPerSecond: Math.round(notices / seconds),
      cpuSeconds: cpuBetween(c0, c1),
      settleSeconds: settleSeconds === null ? null : round1(settleSeconds),
      settleCpuSeconds: cpuBetween(c1, c2),
      memory,
      verified: { chains: verified, of: tickedIds.length, failures: unverified.slice(0, 5) },
      histories,
      logs: { worker: await logSummary(join(dir, 'worker.log')), api: await logSummary(join(dir, 'api.log')) },
      loadAverage: {
        before: loadBefore,
        during: loadDuring.length ? [Math.min(...loadDuring), Math.max(...loadDuring)].map(round1) : null,
        after: load(),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (o.out)
      await writeFile(
        o.out,
        `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, result }, null, 2)}\n`,
      );
  } finally {
    for (const c of cleanups) await c().catch((err) => log(`cleanup: ${(err as Error).message}`));
    await admin.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
