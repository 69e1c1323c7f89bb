// Fault tests on the real process (`zhenggai start`, embedded PostgreSQL in its own DATA_DIR):
// kill -9 leaves PostgreSQL orphaned and the next start stops it and comes up; SIGTERM under load
// stops intake, lets the answered requests' work stand, drains, closes the pool and stops PostgreSQL
// last — exit 0, no unhandled error, the data folder released; nothing acknowledged is lost; SIGTERM during
// start-up stops the server once it has started, nothing left half-started.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../db/embedded.ts';

const BIN = fileURLToPath(new URL('../../bin/zhenggai.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'zg-faults-'));
const pidFile = join(dataDir, 'pg', 'postmaster.pid');
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
  if (pid > 0 && existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
});

const env = (port: number) => {
  const e: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  for (const k of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'REDIS_URL', 'ENGINE']) delete e[k];
  return { ...e, LOG_LEVEL: 'warn', SWEEP_EVERY_SECONDS: '2' };
};

interface Run {
  p: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}
function run(args: string[], port = 0): Run {
  const p = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { env: env(port) });
  running.push(p);
  let out = '';
  let err = '';
  p.stdout!.on('data', (c) => (out += c));
  p.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, out: () => out, err: () => err, exited };
}
async function until(what: string, check: () => boolean, ms = 120_000) {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function startServer() {
  const port = await freePort();
  const r = run(['start'], port);
  await until('listening', () => r.out().includes('listening on') || r.p.exitCode !== null);
  if (r.p.exitCode !== null) throw new Error(`start failed:\n${r.out()}\n${r.err()}`);
  return { ...r, base: `http://127.0.0.1:${port}` };
}
async function token(base: string) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'fault-test-password' }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}
const pgPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0);

describe('the process under faults', () => {
  it('kill -9, then a start that stops its orphaned PostgreSQL; SIGTERM under load loses nothing acknowledged', async () => {
    const admin = run(['create-admin', '--username', 'admin', '--password', 'fault-test-password']);
    expect(await admin.exited, admin.err()).toBe(0);

    // kill -9: PostgreSQL lives on, orphaned, holding the data folder.
    const first = await startServer();
    await token(first.base);
    first.p.kill('SIGKILL');
    await first.exited;
    const orphan = pgPid();
    expect(orphan).toBeGreaterThan(0);
    expect(existsSync(`/proc/${orphan}`)).toBe(true);

    // The next start stops the orphan and comes up.
    const second = await startServer();
    expect(second.err()).toContain(`stopping the orphaned PostgreSQL (pid ${orphan})`);
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
    const t = await token(second.base);

    // SIGTERM under load: 16 writers creating units; every 201 must survive the shutdown.
    const acknowledged: string[] = [];
    const answers: number[] = [];
    let stop = false;
    const writer = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await fetch(`${second.base}/api/v1/org-units`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
            body: JSON.stringify({ name: `单位${n}-${i}`, kind: 'village', parentId: null }),
          });
          answers.push(r.status);
          if (r.status === 201) acknowledged.push(((await r.json()) as { id: string }).id);
          else await r.arrayBuffer();
        } catch {
          return; // connection refused or reset once intake has stopped
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, n) => writer(n));
    await until('some acknowledged writes', () => acknowledged.length >= 30, 60_000);
    second.p.kill('SIGTERM');
    const code = await second.exited;
    stop = true;
    await Promise.all(writers);
    expect(code, second.err()).toBe(0);
    expect(second.err()).not.toMatch(/unhandled|uncaught|ECONNREFUSED|terminating connection/i);
    // Requests arriving once intake stopped are told 503 (not acknowledged: the client retries); none fails.
    expect(answers.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(second.out()).toContain('stopped');
    expect(existsSync(pidFile)).toBe(false); // PostgreSQL stopped, and last

    // Everything acknowledged is there after a restart.
    const third = await startServer();
    const list = await fetch(`${third.base}/api/v1/org-units`, {
      headers: { authorization: `Bearer ${await token(third.base)}` },
    });
    const ids = new Set(((await list.json()) as { units: { id: string }[] }).units.map((u) => u.id));
    for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    third.p.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 400_000);

  it('SIGTERM during start-up: the start finishes, then everything stops — exit 0, PostgreSQL stopped', async () => {
    for (const when of ['PostgreSQL ready', 'evidence files in']) {
      const port = await freePort();
      const r = run(['start'], port);
      // LOG_LEVEL=warn keeps Fastify quiet; the [zhenggai] lines still say how far the start has come.
      await until(when, () => r.out().includes(when) || r.p.exitCode !== null, 60_000);
      r.p.kill('SIGTERM');
      expect(await r.exited, `${r.out()}\n${r.err()}`).toBe(0);
      expect(r.out()).toContain('stopping once start-up has finished');
      expect(r.out()).toContain('stopped');
      expect(existsSync(pidFile), `PostgreSQL still running after SIGTERM at "${when}"`).toBe(false);
    }
  }, 120_000);
});
