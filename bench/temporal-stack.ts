// Temporal on one machine, as the benchmark and the fault runs use it: `temporal server start-dev` with its
// SQLite file, the worker process (`zhenggai worker`) and the environment an ENGINE=temporal API process
// needs. Every process is our child and is stopped on exit; the pinned binaries come from
// bin/install-temporal.sh (.tmp/temporal/bin).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../bin/config.ts';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { inArray } from 'drizzle-orm';
import { selectOpenItems, startOpenItemWorkflows, workflowStarter } from '../bin/temporal-migrate.ts';
import { items } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { type DevServer, INSTALL_HINT, startDevServer, temporalCliPath } from '../test/support/temporal.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TASK_QUEUE = 'zhenggai-items';

export interface WorkerProcess {
  pid(): number | null;
  start(): Promise<void>;
  /** SIGKILL: the worker dies mid-task. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface TemporalStack {
  server: DevServer;
  worker: WorkerProcess;
  /** Environment of an API process (`zhenggai start`) on this stack. */
  apiEnv: NodeJS.ProcessEnv;
  /** Start the workflows of the database's open items (temporal-migrate). */
  migrate(db: Db): Promise<{ started: number; running: number }>;
  /** Start the workflows of these items from their ledger rows, `parallel` at a time. */
  startItems(db: Db, ids: string[], parallel?: number): Promise<number>;
  /** A workflow's history as JSON (for diagnostics). */
  history(workflowId: string): Promise<unknown>;
  /**
   * Start the workflows of every open item, as temporal-migrate selects them (keyset by id) and starts them
   * (workflowStarter), but `parallel` starts at a time instead of one.
   */
  startOpen(db: Db, parallel: number): Promise<{ started: number; running: number }>;
  /** Tasks waiting in the task queue (Temporal's approximateBacklogCount): workflow and activity tasks. */
  backlog(): Promise<{ workflow: number; activity: number }>;
  close(): Promise<void>;
}

export async function startTemporalStack(opts: {
  databaseUrl: string;
  dir: string;
  log: (m: string) => void;
  /** False: the worker is not started here (the caller starts it with `worker.start()`). Default true. */
  startWorker?: boolean;
}): Promise<TemporalStack> {
  const cli = temporalCliPath();
  if (!cli) throw new Error(`the Temporal CLI is not installed: ${INSTALL_HINT}`);
  const t0 = Date.now();
  const server = await startDevServer({ cli, dbFile: join(opts.dir, 'temporal.sqlite') });
  opts.log(`temporal server start-dev on ${server.address} (SQLite ${server.dbFile}) in ${Date.now() - t0} ms`);
  const apiEnv: NodeJS.ProcessEnv = {
    ENGINE: 'temporal',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
  };
  const worker = workerProcess({
    env: { ...process.env, ...apiEnv, DATABASE_URL: opts.databaseUrl, LOG_LEVEL: 'warn' },
    logFile: join(opts.dir, 'worker.log'),
    log: opts.log,
  });
  if (opts.startWorker !== false) await worker.start();
  const config = loadConfig({ DATABASE_URL: opts.databaseUrl, ...apiEnv, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  return {
    server,
    worker,
    apiEnv,
    migrate: (db) => startOpenItemWorkflows(config, db, () => {}, { batch: 500 }),
    async history(workflowId) {
      const connection = await Connection.connect({ address: server.address });
      try {
        const h = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
        return JSON.parse(historyToJSON(h));
      } finally {
        await connection.close();
      }
    },
    async startItems(db, ids, parallel = 16) {
      const connection = await Connection.connect({ address: server.address });
      try {
        const start = workflowStarter(new Client({ connection, namespace: 'default' }), TASK_QUEUE);
        const rows = await db.select({ id: items.id, state: items.state }).from(items).where(inArray(items.id, ids));
        let next = 0;
        let started = 0;
        const lane = async () => {
          while (next < rows.length) if ((await start(rows[next++]!)) === 'started') started++;
        };
        await Promise.all(Array.from({ length: parallel }, lane));
        return started;
      } finally {
        await connection.close();
      }
    },
    async startOpen(db, parallel) {
      const connection = await Connection.connect({ address: server.address });
      try {
        const start = workflowStarter(new Client({ connection, namespace: 'default' }), TASK_QUEUE);
        const out = { started: 0, running: 0 };
        let after: string | undefined;
        for (;;) {
          const rows = await selectOpenItems(db, { after, limit: 1000 });
          if (rows.length === 0) break;
          after = rows.at(-1)!.id;
          let next = 0;
          const lane = async () => {
            while (next < rows.length) out[await start(rows[next++]!)]++;
          };
          await Promise.all(Array.from({ length: parallel }, lane));
        }
        return out;
      } finally {
        await connection.close();
      }
    },
    async backlog() {
      const connection = await Connection.connect({ address: server.address });
      try {
        const hint = async (taskQueueType: 1 | 2) => {
          const r = await connection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: TASK_QUEUE },
            taskQueueType,
            reportStats: true,
          });
          return Number(r.stats?.approximateBacklogCount ?? 0);
        };
        // 1: TASK_QUEUE_TYPE_WORKFLOW, 2: TASK_QUEUE_TYPE_ACTIVITY
        return { workflow: await hint(1), activity: await hint(2) };
      } finally {
        await connection.close();
      }
    },
    close: async () => {
      await worker.stop();
      await server.stop();
    },
  };
}

function workerProcess(o: { env: NodeJS.ProcessEnv; logFile: string; log: (m: string) => void }): WorkerProcess {
  let child: ChildProcess | null = null;
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) =>
      c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
    );
  const end = (signal: NodeJS.Signals) => async () => {
    const c = child;
    child = null;
    if (!c) return;
    c.kill(signal);
    await exited(c);
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  return {
    pid: () => child?.pid ?? null,
    async start() {
      const c = spawn(process.execPath, ['--import', 'tsx', 'bin/zhenggai.ts', 'worker'], {
        cwd: ROOT,
        env: o.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let ready = false;
      const lines: string[] = [];
      for (const s of [c.stdout!, c.stderr!]) {
        s.on('data', (b: Buffer) => {
          log.write(b);
          const text = b.toString();
          lines.push(text);
          if (text.includes('worker polling')) ready = true;
        });
      }
      // Bundling the workflow code takes seconds on an idle machine, a minute or more on a busy one.
      const deadline = Date.now() + 300_000;
      while (!ready) {
        if (c.exitCode !== null) throw new Error(`the worker exited (${c.exitCode}): ${lines.join('').slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`the worker did not start polling within 300 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      o.log(`worker pid ${c.pid} polling ${TASK_QUEUE}`);
    },
    kill9: end('SIGKILL'),
    stop: end('SIGTERM'),
  };
}
