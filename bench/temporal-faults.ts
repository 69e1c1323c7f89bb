// `npm run faults:temporal [-- --items 1000 --connections 32 --unreachable 60]`
//
// Faults on a real Temporal stack: embedded PostgreSQL (fsync on), `temporal server start-dev` with its
// SQLite file, the worker process and an ENGINE=temporal API process, all on this machine. 32 clients post
// progress notes (each with its own Idempotency-Key and a note naming it) while:
//   1. worker-kill     the worker is killed with SIGKILL mid-Updates and restarted 5 s later;
//   2. server-kill     the Temporal server is killed with SIGKILL and restarted on its SQLite file 5 s later;
//   3. unreachable     the Temporal server is frozen (SIGSTOP) for --unreachable seconds, then resumed.
// Every request that did not get a 2xx is then retried with the same key and body until it gets one.
// Checked after each phase: every acknowledged note is in the trail exactly once (also the retried ones:
// no duplicate per Idempotency-Key), the touched items' hash chains verify and their ledger rows equal
// the fold of their events, and no timer event was written twice. Prints a summary and writes
// bench/results/temporal-faults.json. Exits 1 if any check fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDb, migrateDb } from '../db/client.ts';
import { freePort, startEmbeddedPostgres } from '../db/embedded.ts';
import { BENCH_PASSWORD, loadWorld, mulberry32, verifySample } from './load.ts';
import { startServer } from './server-process.ts';
import { startTemporalStack } from './temporal-stack.ts';

const { values: argv } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '32' },
    unreachable: { type: 'string', default: '60' },
    only: { type: 'string', default: 'worker-kill,server-kill,unreachable' },
    out: { type: 'string', default: 'bench/results/temporal-faults.json' },
  },
});
const opts = {
  items: Number(argv.items),
  connections: Number(argv.connections),
  unreachableS: Number(argv.unreachable),
  only: new Set(argv.only!.split(',')),
};
const log = (m: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  key: string;
  itemId: string;
  token: string;
  note: string;
  first: { status: number; applied?: unknown; ms: number } | null;
  final: number | null;
  tries: number;
}

async function main(): Promise<number> {
  const tmp = await mkdtemp(join(os.tmpdir(), 'zhenggai-faults-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const report: Record<string, unknown> = {
    started: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))) },
    options: { ...opts, only: [...opts.only] },
    phases: [] as unknown[],
  };
  let failed = false;
  try {
    const embedded = await startEmbeddedPostgres({ dir: join(tmp, 'pg'), durable: true });
    cleanups.unshift(() => embedded.stop());
    const admin = new pg.Client({ connectionString: embedded.url('postgres') });
    await admin.connect();
    await admin.query('create database zhenggai_faults');
    await admin.end();
    const url = embedded.url('zhenggai_faults');
    const db = createDb(url, { max: 4, applicationName: 'faults' });
    cleanups.unshift(() => db.$client.end());
    await migrateDb(db);
    const world = await loadWorld(db, { items: opts.items, log });
    log(`loaded ${opts.items} items (${world.inProgress.length} in progress)`);

    const stack = await startTemporalStack({ databaseUrl: url, dir: tmp, log });
    cleanups.unshift(() => stack.close());
    const t0 = Date.now();
    const m = await stack.migrate(db);
    log(`temporal-migrate: ${m.started} workflows started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const m2 = await stack.migrate(db);
    if (m2.started !== 0) throw new Error(`a second temporal-migrate started ${m2.started} workflows`);
    report.migrate = { started: m.started, rerunStarted: m2.started, rerunRunning: m2.running };

    const api = await startServer({
      databaseUrl: url,
      port: await freePort(),
      logFile: join(tmp, 'server.log'),
      logLevel: 'info',
      env: stack.apiEnv,
    });
    cleanups.unshift(() => api.stop());
    log(`API (ENGINE=temporal) pid ${api.pid} at ${api.baseUrl}`);
    const tokens = await Promise.all(world.villages.map((v) => login(api.baseUrl, v.handler.username)));
    const rnd = mulberry32(14);
    let n = 0;
    const seen5xx = new Set<string>();

    const post = async (s: Sent) => {
      const t = performance.now();
      try {
        const res = await fetch(`${api.baseUrl}/api/v1/items/${s.itemId}/progress`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', 'idempotency-key': s.key },
          body: JSON.stringify({ note: s.note }),
          signal: AbortSignal.timeout(60_000),
        });
        const body = (await res.json().catch(() => ({}))) as { applied?: unknown; code?: string; detail?: string };
        if (res.status >= 500 && seen5xx.size < 6 && !seen5xx.has(`${res.status} ${body.code}`)) {
          seen5xx.add(`${res.status} ${body.code}`);
          log(`  ${s.key}: ${res.status} ${body.code} ${String(body.detail ?? '').slice(0, 300)}`);
        }
        return { status: res.status, applied: body.applied, ms: performance.now() - t };
      } catch {
        return { status: 0, ms: performance.now() - t };
      }
    };

    const phase = async (name: string, seconds: number, fault: () => Promise<Record<string, unknown>>) => {
      log(`${name}: ${opts.connections} clients for ${seconds} s`);
      const sent: Sent[] = [];
      const end = Date.now() + seconds * 1000;
      const client = async () => {
        while (Date.now() < end) {
          const it = world.inProgress[Math.floor(rnd() * world.inProgress.length)]!;
          const i = n++;
          const s: Sent = {
            key: `fault-${name}-${i}`,
            itemId: it.id,
            token: tokens[it.village]!,
            note: `故障演练 ${name} #${i}`,
            first: null,
            final: null,
            tries: 1,
          };
          sent.push(s);
          s.first = await post(s);
          if (s.first.status >= 500 || s.first.status === 0) await sleep(500); // a client backs off
        }
      };
      const [faultInfo] = await Promise.all([fault(), Promise.all(Array.from({ length: opts.connections }, client))]);
      // Retry every request without a 2xx, same key and body, until it gets one (or a client error), on as
      // many lanes as there were clients (a minute's freeze leaves hundreds to retry).
      const retried = sent.filter((s) => s.first!.status < 200 || s.first!.status >= 300);
      let nextRetry = 0;
      const retryAnswers: Record<string, number> = {}; // a 500 here is a fault the API failed to name (503)
      const retryLane = async () => {
        while (nextRetry < retried.length) await retryOne(retried[nextRetry++]!);
      };
      const retryOne = async (s: Sent) => {
        for (;;) {
          s.tries++;
          const r = await post(s);
          const k = `${r.status}${r.applied !== undefined ? ` applied=${String(r.applied)}` : ''}`;
          retryAnswers[k] = (retryAnswers[k] ?? 0) + 1;
          if ((r.status >= 200 && r.status < 300) || (r.status >= 400 && r.status < 500 && r.status !== 409)) {
            s.final = r.status;
            break;
          }
          if (s.tries > 20) {
            const diag = `/tmp/zg-faults-diag-${s.itemId}`;
            const { rows } = await db.$client.query(
              `select seq, type, at, actor_id, data from item_events where item_id = $1 order by seq`,
              [s.itemId],
            );
            const history = await stack.history(`item-${s.itemId}`);
            await writeFile(`${diag}.json`, JSON.stringify({ key: s.key, events: rows, history }, null, 1));
            log(`${name}: ${s.key} still ${r.status} after 20 tries; events and workflow history in ${diag}.json`);
            throw new Error(`${name}: ${s.key} still ${r.status} after 20 tries`);
          }
          await sleep(1000);
        }
      };
      await Promise.all(Array.from({ length: opts.connections }, retryLane));
      for (const s of sent) s.final ??= s.first!.status;
      const out = await check(db, name, sent);
      const firsts: Record<string, number> = {};
      for (const s of sent) {
        const k = `${s.first!.status}${s.first!.applied !== undefined ? ` applied=${String(s.first!.applied)}` : ''}`;
        firsts[k] = (firsts[k] ?? 0) + 1;
      }
      const result = {
        name,
        seconds,
        fault: faultInfo,
        requests: sent.length,
        firstAnswers: firsts,
        retried: retried.length,
        retryAnswers,
        finalNon2xx: sent.filter((s) => s.final! < 200 || s.final! >= 300).length,
        ...out,
        loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
      };
      log(`${name}: ${JSON.stringify(result)}`);
      if (!out.ok) failed = true;
      (report.phases as unknown[]).push(result);
    };

    if (opts.only.has('worker-kill'))
      await phase('worker-kill', 20, async () => {
        await sleep(5000);
        const pid = stack.worker.pid();
        await stack.worker.kill9();
        log(`worker-kill: SIGKILL worker pid ${pid}`);
        await sleep(5000);
        await stack.worker.start();
        return { killedPid: pid, downSeconds: 5 };
      });
    if (opts.only.has('server-kill'))
      await phase('server-kill', 25, async () => {
        await sleep(5000);
        const pid = stack.server.pid();
        await stack.server.kill();
        log(`server-kill: SIGKILL temporal server pid ${pid}`);
        await sleep(5000);
        const t = Date.now();
        await stack.server.start();
        log(`server-kill: temporal server back on its SQLite file in ${Date.now() - t} ms`);
        return { killedPid: pid, downSeconds: 5, restartMs: Date.now() - t };
      });
    if (opts.only.has('unreachable'))
      await phase('unreachable', opts.unreachableS + 15, async () => {
        await sleep(5000);
        const pid = stack.server.pid()!;
        process.kill(pid, 'SIGSTOP');
        log(`unreachable: temporal server pid ${pid} frozen for ${opts.unreachableS} s`);
        await sleep(opts.unreachableS * 1000);
        process.kill(pid, 'SIGCONT');
        log('unreachable: resumed');
        return { frozenPid: pid, frozenSeconds: opts.unreachableS };
      });
  } finally {
    report.finished = new Date().toISOString();
    report.loadavgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
    for (const c of cleanups) await c().catch((e) => log(`cleanup: ${(e as Error).message}`));
  }
  await writeFile(argv.out!, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${argv.out}; ${failed ? 'FAILED' : 'all checks passed'}`);
  return failed ? 1 : 0;
}

/** The invariants after a phase, read from the database the worker wrote. */
async function check(db: ReturnType<typeof createDb>, name: string, sent: Sent[]) {
  const problems: string[] = [];
  const { rows } = await db.$client.query<{ note: string; n: number }>(
    `select data->>'note' as note, count(*)::int as n from item_events
      where type = 'ProgressRecorded' and data->>'note' like $1 group by 1`,
    [`故障演练 ${name} #%`],
  );
  const written = new Map(rows.map((r) => [r.note, r.n]));
  let acknowledged = 0;
  for (const s of sent) {
    const got = written.get(s.note) ?? 0;
    if (s.final! >= 200 && s.final! < 300) {
      acknowledged++;
      if (got !== 1) problems.push(`${s.key}: acknowledged, in the trail ${got} times`);
    } else if (got > 1) problems.push(`${s.key}: not acknowledged, in the trail ${got} times`);
  }
  const duplicatesInTrail = rows.filter((r) => r.n > 1).length;
  const { rows: timers } = await db.$client.query<{ n: number }>(
    `select count(*)::int as n from (
       select item_id, type, data->>'dueAt', data->>'level', data->>'daysBefore', data->>'kind', count(*) from item_events
        where type in ('ReminderIssued', 'DeadlineMissed', 'Escalated') group by 1, 2, 3, 4, 5, 6 having count(*) > 1) d`,
  );
  if (timers[0]!.n > 0) problems.push(`${timers[0]!.n} timer events written more than once`);
  const touched = [...new Set(sent.map((s) => s.itemId))];
  let chainsVerified = 0;
  for (let i = 0; i < touched.length; i += 50) {
    try {
      chainsVerified += (await verifySample(db, touched.slice(i, i + 50))).length;
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return {
    ok: problems.length === 0,
    acknowledged,
    inTrailOnce: rows.filter((r) => r.n === 1).length,
    duplicatesInTrail,
    duplicateTimerEvents: timers[0]!.n,
    itemsTouched: touched.length,
    chainsVerifiedAndFolded: chainsVerified,
    problems: problems.slice(0, 20),
  };
}

async function tailOf(file: string) {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
}

async function login(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new Error(`login as ${username} failed: ${res.status}`);
  return body.token;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
