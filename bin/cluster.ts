// Several server processes on one port (SERVER_PROCESSES > 1), with node:cluster.
//
// One Node process answers HTTP on one core: a ledger page costs the server about as much CPU as it costs
// PostgreSQL, so on a machine with two cores or more, one process leaves cores idle while requests queue
// (bench/README.md). The primary opens the database (starts the embedded PostgreSQL, migrates, loads the
// demo), then forks the server processes. Process 0 runs everything `zhenggai start` runs in one process —
// the API and the background work (sweep, notifier, checkpoints, queue workers); the others answer HTTP only
// and put their jobs on the same queues (BullMQ), where process 0's workers take them. The primary itself
// answers nothing: it accepts connections and hands them round-robin to the processes.
//
// A process that dies (kill -9, out of memory) is replaced at once; one that keeps dying (more than five
// times a minute each) stops the whole server with its exit code, rather than looping. SIGTERM or SIGINT to
// the primary stops the processes (each finishes its requests and jobs), then the embedded PostgreSQL.
// A token forgotten in one process (sign-out, a user's roles changed) is forgotten in all of them at once.
import cluster, { type Worker } from 'node:cluster';
import { createDb, endPool, type Db } from '../db/client.ts';
import type { Config } from './config.ts';
import { type Log, type OpenedDatabase, openMigratedDatabase, trailSigner } from './database.ts';

/** The process's slot, 0…SERVER_PROCESSES-1 (its log lines carry it). */
const SLOT_ENV = 'ZHENGGAI_PROCESS';

// Between the primary and its server processes, over the cluster's IPC channel:
type Message =
  | { type: 'forget-token'; token?: string } // either way: a token (or, without one, every token) to forget
  | { type: 'want-database' } // process → primary: loaded, listening for the database
  | { type: 'database'; database: Omit<OpenedDatabase, 'stop'> }; // primary → process: its URLs, once migrated
const isMessage = (m: unknown): m is Message => !!m && typeof m === 'object' && typeof (m as Message).type === 'string';

/** Whether this process is one of a cluster's server processes. */
export const isServerProcess = () => cluster.isWorker && process.env[SLOT_ENV] !== undefined;

/** In a server process: its slot, for log lines. */
export const serverSlot = () => Number(process.env[SLOT_ENV] ?? 0);

/**
 * In a server process: the database its primary opened and migrated (never stopped from here). Asked for as
 * soon as the process runs, so it loads the server's code while the primary starts PostgreSQL and migrates.
 * The URLs (the embedded database's role has a new password each start) travel over IPC, not the environment.
 */
export function databaseFromPrimary(): Promise<OpenedDatabase> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (!isMessage(m) || m.type !== 'database') return;
      process.off('message', onMessage);
      resolve({ ...m.database, stop: async () => {} });
    };
    process.on('message', onMessage);
    process.send!({ type: 'want-database' } satisfies Message);
  });
}

/** In a server process: tell the others a token was forgotten here. */
export function tellOthers(token?: string) {
  process.send?.({ type: 'forget-token', ...(token ? { token } : {}) } satisfies Message);
}

/** In a server process: forget the tokens the others forgot; stop when the primary is gone. */
export function followPrimary(
  forgetToken: (token: string | undefined, relayed: boolean) => void,
  stop: (why: string) => void,
) {
  process.on('message', (m) => {
    if (isMessage(m) && m.type === 'forget-token') forgetToken(m.token, true);
  });
  // The IPC channel closes when the primary exits, however it died: nobody hands this process connections.
  process.once('disconnect', () => stop('the primary process is gone'));
}

export async function startPrimary(
  config: Config,
  opts: { log: Log; beforeListen?: (db: Db) => Promise<void> },
): Promise<{ close: () => Promise<void>; exited: Promise<number> }> {
  const { log } = opts;
  const n = config.SERVER_PROCESSES;
  const slots = new Map<number, number>(); // worker id → slot
  const listening = new Set<number>(); // slots that listen
  const deaths: number[] = [];
  let closing: Promise<void> | null = null;
  let settle: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (settle = r));
  let database: OpenedDatabase | null = null;
  const waiting = new Set<Worker>(); // processes that asked for the database before it was ready

  const fork = (slot: number) => {
    const w = cluster.fork({ [SLOT_ENV]: String(slot) });
    slots.set(w.id, slot);
    return w;
  };
  const tell = (w: Worker, db: OpenedDatabase) => {
    const { stop: _, ...urls } = db;
    if (w.isConnected()) w.send({ type: 'database', database: urls } satisfies Message);
  };
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  cluster.on('message', (from, m) => {
    if (!isMessage(m)) return;
    if (m.type === 'want-database') {
      if (database) tell(from, database);
      else waiting.add(from);
    } else if (m.type === 'forget-token') {
      for (const w of workers()) if (w.id !== from.id && w.isConnected()) w.send(m);
    }
  });

  const close = (code = 0) =>
    (closing ??= (async () => {
      log(`stopping ${workers().length} server processes`);
      const gone = workers().map(
        (w) =>
          new Promise<void>((r) => {
            if (w.isDead()) return r();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), 30_000);
            w.once('exit', () => {
              clearTimeout(kill);
              r();
            });
            w.process.kill('SIGTERM');
          }),
      );
      await Promise.all(gone);
      await database?.stop();
      log('stopped');
      settle(code);
    })());

  const prepareDatabase = async () => {
    const db = await openMigratedDatabase(config, log);
    try {
      await trailSigner(config, log); // the key file exists before the processes read it
      if (opts.beforeListen) {
        const pool = createDb(db.url, { max: 4, applicationName: 'zhenggai-primary' });
        try {
          await opts.beforeListen(pool);
        } finally {
          await endPool(pool);
        }
      }
    } catch (err) {
      await db.stop();
      throw err;
    }
    return db;
  };

  // Start-up: every process listens, or the start fails with the first one's exit.
  await new Promise<void>((resolve, reject) => {
    const onListening = (w: Worker) => {
      listening.add(slots.get(w.id)!);
      if (listening.size === n) {
        cluster.off('listening', onListening);
        cluster.off('exit', onEarlyExit);
        resolve();
      }
    };
    const fail = (err: unknown) => {
      cluster.off('listening', onListening);
      cluster.off('exit', onEarlyExit);
      void close(1).then(() => reject(err));
    };
    const onEarlyExit = (w: Worker, code: number | null, signal: string | null) =>
      fail(
        new Error(
          `server process ${slots.get(w.id)} exited during start-up (${signal ?? `exit code ${code}`}); its error is above`,
        ),
      );
    cluster.on('listening', onListening);
    cluster.on('exit', onEarlyExit);
    // The processes load the server's code meanwhile; they start once the database is migrated (and the demo in).
    for (let slot = 0; slot < n; slot++) fork(slot);
    prepareDatabase().then((db) => {
      if (closing) return void db.stop(); // a process failed meanwhile: the start is being undone
      database = db;
      for (const w of waiting) tell(w, db);
      waiting.clear();
    }, fail);
  });

  cluster.on('exit', (w, code, signal) => {
    if (closing) return;
    const slot = slots.get(w.id)!;
    slots.delete(w.id);
    const now = Date.now();
    deaths.push(now);
    while (deaths[0]! < now - 60_000) deaths.shift();
    if (deaths.length > 5 * n) {
      log(
        `server process ${slot} (pid ${w.process.pid}) exited (${signal ?? `exit code ${code}`}): ${deaths.length} exits within a minute, stopping the server`,
      );
      void close(1);
      return;
    }
    log(`server process ${slot} (pid ${w.process.pid}) exited (${signal ?? `exit code ${code}`}); starting another`);
    fork(slot);
  });
  return { close: () => close(0), exited };
}
