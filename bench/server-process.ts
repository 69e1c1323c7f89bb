// The service under test, in its own process: `node .build/server/zhenggai.js start` — the production
// entry point as `npm start` and the image run it (the bundle of bin/build-server.mjs, built here first from
// the sources; bin/runtime.ts startAll: migrations, engine, API, wake-up sweep on BullMQ's PostgreSQL
// backend) — pointed at the bench database. node itself is spawned (no npx wrapper), so the child's pid is
// the server's pid for /proc readings.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
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
  /** SERVER_PROCESSES: more than 1 runs a cluster, ready once every process listens. */
  processes?: number;
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
  if (opts.processes) env.SERVER_PROCESSES = String(opts.processes);
  return spawnUntilReady({
    args: [...nodeArgs, built, 'start'],
    env,
    port: opts.port,
    readyPath: '/readyz',
    // A cluster answers as soon as its first process listens; its primary says when they all do.
    readyLine: (opts.processes ?? 1) > 1 ? /server processes listening on/ : undefined,
    logFile: opts.logFile,
    echo: opts.echo,
    cmdline: 'zhenggai.js',
    what: 'the server',
  });
}

/**
 * The bare HTTP floor of the ledger page (bench/bare-list-server.ts) in a process of its own, with the server's
 * node flags and pool size: what any Node HTTP JSON service pays to answer the page, measured beside ours.
 */
export async function startBareListServer(opts: {
  databaseUrl: string;
  port: number;
  logFile: string;
  poolSize: number;
  /** Processes sharing the port (node:cluster), as the server's SERVER_PROCESSES. */
  processes?: number;
  reader: unknown;
  filters: unknown;
  cpuProfDir?: string;
}): Promise<ServerProcess> {
  const { databaseUrl: url, port, poolSize, reader, filters } = opts;
  const processes = opts.processes ?? 1;
  // Bundled as the server is (bin/build-server.mjs), so both run plain JavaScript with the same flags.
  const outfile = join(ROOT, '.build', 'bench', 'bare-list-server.js');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['bench/bare-list-server.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return spawnUntilReady({
    args: [
      ...serverNodeFlags(),
      ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(opts.cpuProfDir, 'bare')}`] : []),
      outfile,
    ],
    env: { ...process.env, BARE_LIST: JSON.stringify({ url, port, poolSize, processes, reader, filters }) },
    port,
    readyPath: '/healthz',
    readyLine: processes > 1 ? /bare list server: \d+ processes listening/ : undefined,
    logFile: opts.logFile,
    cmdline: 'bare-list-server',
    what: 'the bare list server',
  });
}

/** Spawn node with these arguments; ready when `readyPath` answers 200 on 127.0.0.1:port. */
async function spawnUntilReady(o: {
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  /** Also wait for a line of the child's output that says it is ready. */
  readyLine?: RegExp;
  logFile: string;
  echo?: (line: string) => void;
  /** Text the child's command line must hold (the pid read from /proc is the process measured). */
  cmdline: string;
  what: string;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, o.args, {
    cwd: ROOT,
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(o.logFile);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((res) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      log.end();
      res(exited);
    }),
  );
  let tail = '';
  let saidReady = !o.readyLine;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      if (!saidReady && o.readyLine?.test(text)) saidReady = true;
      for (const line of text.split('\n')) if (line.trim()) o.echo?.(line);
    });
  }
  const baseUrl = `http://127.0.0.1:${o.port}`;
  const stop = async () => {
    if (exited !== undefined) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + 300_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`${o.what} exited (code ${exited}) before it was ready:\n${tail}`);
    try {
      const res = await fetch(`${baseUrl}${o.readyPath}`);
      if (res.ok && saidReady) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${o.what} was not ready within 300 s:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const cmd = cmdlineOf(child.pid!);
  if (!cmd.includes(o.cmdline)) throw new Error(`pid ${child.pid} is not ${o.what} (cmdline: ${cmd})`);
  return { pid: child.pid!, baseUrl, stop };
}
