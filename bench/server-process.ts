// The service under test, in its own process: `node .build/server/zhenggai.js start` — the production
// entry point as `npm start` and the image run it (the bundle of bin/build-server.mjs, built here first from
// the sources; bin/runtime.ts startAll: migrations, engine, API, wake-up sweep on BullMQ's PostgreSQL
// backend) — pointed at the bench database. node itself is spawned (no npx wrapper), so the child's pid is
// the server's pid for /proc readings.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cmdlineOf } from './proc.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The server bundle (bin/build-server.mjs), built now from the sources so it is never older than them. */
export function buildServerBundle(): string {
  const r = spawnSync(process.execPath, ['bin/build-server.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ZHENGGAI_BUILD_QUIET: '1' },
  });
  if (r.status !== 0)
    throw new Error(`building the server bundle failed (bin/build-server.mjs):\n${r.stdout}${r.stderr}`);
  return join(ROOT, '.build', 'server', 'zhenggai.js');
}
let built: string | null = null;

/**
 * The node flags `npm start` gives the server (package.json's start script: the production setting, which
 * the image's ENTRYPOINT repeats), so the bench measures the server as it runs.
 */
export function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const m = /\bnode((?: --[^\s]+)*) \.build\/server\/zhenggai\.js\b/.exec(pkg.scripts.start);
  if (!m) throw new Error(`package.json's start script does not run .build/server/zhenggai.js: ${pkg.scripts.start}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}

export interface ServerProcess {
  pid: number;
  baseUrl: string;
  stop(): Promise<number | null>;
}

export async function startServer(opts: {
  databaseUrl: string;
  port: number;
  logFile: string;
  logLevel?: string;
  poolSize?: number;
  cpuProfDir?: string;
  echo?: (line: string) => void;
  /** More environment (e.g. ENGINE=temporal, TEMPORAL_ADDRESS). */
  env?: NodeJS.ProcessEnv;
}): Promise<ServerProcess> {
  built ??= buildServerBundle();
  const nodeArgs: string[] = serverNodeFlags();
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  // Flags for the server's node that NODE_OPTIONS refuses (--trace-gc …), space-separated.
  if (process.env.BENCH_SERVER_NODE_ARGS) nodeArgs.push(...process.env.BENCH_SERVER_NODE_ARGS.split(' '));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: opts.logLevel ?? 'warn',
    ...opts.env,
  };
  delete env.REDIS_URL; // as shipped without Redis: BullMQ on PostgreSQL
  if (opts.poolSize) env.DB_POOL_SIZE = String(opts.poolSize);
  const child = spawn(process.execPath, [...nodeArgs, built, 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logFile);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((res) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      log.end();
      res(exited);
    }),
  );
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) opts.echo?.(line);
    });
  }
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (exited !== undefined) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };

  // Ready when /readyz answers 200.
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the server exited (code ${exited}) before it was ready:\n${tail}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within 300 s:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const cmd = cmdlineOf(child.pid!);
  if (!cmd.includes('zhenggai.js')) throw new Error(`pid ${child.pid} is not the server (cmdline: ${cmd})`);
  return { pid: child.pid!, baseUrl, stop };
}
