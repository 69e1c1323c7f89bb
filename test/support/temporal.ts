// The Temporal binaries the suites run on, and a `temporal server start-dev` of our own.
// Where they come from: TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH when set, else the pinned copies
// `bin/install-temporal.sh` puts in .tmp/temporal/bin. When they are missing, the Temporal suites skip
// loudly — unless ZG_REQUIRE_TEMPORAL=1 (set by .ci/run) or CI is set: then a missing server is an error,
// so CI can never pass with the Temporal runtime untested.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALLED = `${ROOT}.tmp/temporal/bin`;

export const INSTALL_HINT = 'run `npm run temporal:install` (pinned binaries from requirements-temporal.txt)';

export function temporalRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false';
  return on(env.ZG_REQUIRE_TEMPORAL) || on(env.CI);
}

function located(envVar: string, name: string): string | null {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv}: no such file`);
    return fromEnv;
  }
  const path = `${INSTALLED}/${name}`;
  return existsSync(path) ? path : null;
}

/** The Temporal CLI (`temporal server start-dev`), or null. */
export const temporalCliPath = () => located('TEMPORAL_CLI_PATH', 'temporal');
/** The time-skipping test server, or null. */
export const temporalTestServerPath = () => located('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  address: string;
  port: number;
  /** The SQLite file, when the server keeps its state across restarts. */
  dbFile: string | null;
  /** The server's process id while it runs. */
  pid(): number | null;
  /** Start again on the same port (and file) after stop/kill. */
  start(): Promise<void>;
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit: the crash a fault test wants. */
  kill(): Promise<void>;
}

/**
 * `temporal server start-dev` on 127.0.0.1 and a free port, headless, in memory unless `dbFile`
 * names a SQLite file. Resolves once the frontend answers a health check.
 */
export async function startDevServer(
  opts: { cli?: string; dbFile?: string; port?: number; dynamicConfig?: Record<string, unknown> } = {},
): Promise<DevServer> {
  const cli = opts.cli ?? temporalCliPath();
  if (!cli) throw new Error(`the Temporal CLI is not installed: ${INSTALL_HINT}`);
  const port = opts.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'];
    args.push('--log-level', 'error', '--log-format', 'json');
    if (opts.dbFile) args.push('--db-filename', opts.dbFile);
    for (const [k, v] of Object.entries(opts.dynamicConfig ?? {}))
      args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
    output = '';
    const p = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-4000);
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`temporal server start-dev exited (${p.exitCode}): ${output}`);
      if (await healthy(address)) return;
      if (Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`temporal server start-dev did not answer on ${address} within 60 s: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const end = (signal: NodeJS.Signals) => async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  };
  // Never outlive the process that started it (a crashed test run, an interrupted script).
  process.once('exit', () => proc?.kill('SIGKILL'));
  await start();
  return {
    address,
    port,
    dbFile: opts.dbFile ?? null,
    pid: () => proc?.pid ?? null,
    start,
    stop: end('SIGTERM'),
    kill: end('SIGKILL'),
  };
}

/** True when a Temporal frontend answers its health check at `address`. */
export async function healthy(address: string, timeoutMs = 1_000): Promise<boolean> {
  let conn: Connection | null = null;
  try {
    conn = await Connection.connect({ address, connectTimeout: timeoutMs });
    await conn.withDeadline(Date.now() + timeoutMs, () => conn!.healthService.check({}));
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => {});
  }
}
