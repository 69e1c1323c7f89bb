// SERVER_PROCESSES=2 on the real process (`zhenggai start`, embedded PostgreSQL in its own DATA_DIR): two server
// processes share the port; a sign-out in one is a sign-out in both at once; a process killed with -9 is
// replaced while the other answers; SIGTERM stops both, then PostgreSQL, exit 0; a process that cannot start
// fails the whole start with a message (and leaves no PostgreSQL behind); a bad count is refused by name.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../db/embedded.ts';
import { run, until } from './support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zg-cluster-'));
const pidFile = join(dataDir, 'pg', 'postmaster.pid');
const PASSWORD = 'cluster-test-password';
afterAll(() => {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
  if (pid > 0 && existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The server processes a primary runs: its children running bin/zhenggai.ts (not PostgreSQL). */
function serverProcesses(primary: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== primary) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('zhenggai.ts')) out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out.sort();
}

/** One request on a connection of its own (the cluster hands each new connection to the next process in turn). */
function fresh(base: string, method: string, path: string, token?: string, body?: unknown) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          connection: 'close',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 10 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

const statuses = async (n: number, ask: () => Promise<{ status: number }>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await ask()).status);
  return out;
};

const clusterEnv = (port: number, processes = '2') => ({
  DATA_DIR: dataDir,
  PORT: String(port),
  HOST: '127.0.0.1',
  SERVER_PROCESSES: processes,
});

describe('SERVER_PROCESSES: several server processes on one port', () => {
  it('serve together, sign out together, survive kill -9 of one, stop on SIGTERM', async () => {
    const admin = run(['create-admin', '--username', 'admin', '--password', PASSWORD], { DATA_DIR: dataDir });
    expect(await admin.exited, admin.err()).toBe(0);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = run(['start'], clusterEnv(port));
    try {
      await steps();
    } catch (err) {
      // What the processes said, for the person reading the failure.
      throw new Error(
        `${(err as Error).message}\n--- stdout:\n${server.out().slice(-4000)}\n--- stderr:\n${server.err().slice(-4000)}`,
      );
    } finally {
      if (server.p.exitCode === null) {
        server.p.kill('SIGTERM');
        await server.exited;
      }
    }
    async function steps() {
      await until(
        'both processes listening',
        () => server.out().includes('2 server processes listening') || server.p.exitCode !== null,
        120_000,
      );
      expect(server.p.exitCode, server.err()).toBeNull();
      const first = serverProcesses(server.p.pid!);
      expect(first).toHaveLength(2);
      // Each process says which it is in its log lines.
      expect(server.out()).toMatch(/\[zhenggai\] #0 /);
      expect(server.out()).toMatch(/\[zhenggai\] #1 /);

      // Signed in: both processes know the token (and keep it in their cache for a few seconds).
      const login = await fresh(base, 'POST', '/api/v1/auth/login', undefined, {
        username: 'admin',
        password: PASSWORD,
      });
      expect(login.status).toBe(200);
      const token = (JSON.parse(login.text) as { token: string }).token;
      expect(await statuses(6, () => fresh(base, 'GET', '/api/v1/me', token))).toEqual([200, 200, 200, 200, 200, 200]);
      // Signed out in one process: refused by both at once, not after their caches expire.
      expect((await fresh(base, 'POST', '/api/v1/auth/logout', token)).status).toBe(204);
      expect(await statuses(6, () => fresh(base, 'GET', '/api/v1/me', token))).toEqual([401, 401, 401, 401, 401, 401]);

      // kill -9 one process: the other keeps answering, and the primary starts another in its place.
      const token2 = (
        JSON.parse(
          (await fresh(base, 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: PASSWORD })).text,
        ) as { token: string }
      ).token;
      process.kill(first[0]!, 'SIGKILL');
      const during = await statuses(10, () => fresh(base, 'GET', '/api/v1/me', token2).catch(() => ({ status: 0 })));
      expect(during.filter((s) => s === 200).length, `answers while one process was down: ${during}`).toBeGreaterThan(
        0,
      );
      await until('a process in its place', () => {
        const now = serverProcesses(server.p.pid!);
        return now.length === 2 && !now.includes(first[0]!);
      });
      expect(server.out()).toMatch(/server process \d \(pid \d+\) exited \(SIGKILL\); starting another/);
      await until('the new process listening', () => (server.out().match(/#\d lifecycles run/g) ?? []).length >= 3);
      await new Promise((r) => setTimeout(r, 1000)); // its listen follows its start-up lines
      expect(await statuses(6, () => fresh(base, 'GET', '/api/v1/me', token2))).toEqual([200, 200, 200, 200, 200, 200]);

      // SIGTERM to the primary: both processes stop, then PostgreSQL; exit 0.
      const processes = serverProcesses(server.p.pid!);
      server.p.kill('SIGTERM');
      expect(await server.exited, server.err()).toBe(0);
      for (const pid of processes) expect(existsSync(`/proc/${pid}`), `process ${pid} still running`).toBe(false);
      expect(existsSync(pidFile), 'PostgreSQL still running').toBe(false);
      expect(server.err()).not.toMatch(/Unhandled|TypeError|ReferenceError/);
    }
  }, 240_000);

  it('a process that cannot listen fails the start, naming it, and leaves no PostgreSQL running', async () => {
    const port = await freePort();
    const taken = createServer().listen(port, '127.0.0.1');
    try {
      const server = run(['start'], clusterEnv(port));
      expect(await server.exited).toBe(1);
      expect(server.out() + server.err()).toMatch(/server process \d exited during start-up/);
      await until('PostgreSQL stopped', () => !existsSync(pidFile), 20_000);
    } finally {
      taken.close();
    }
  }, 120_000);

  it('refuses a count that is not a whole number from 1 to 16, naming the variable', async () => {
    for (const bad of ['0', '17', 'two']) {
      const server = run(['start'], clusterEnv(await freePort(), bad));
      expect(await server.exited).toBe(2);
      expect(server.err()).toContain('SERVER_PROCESSES');
    }
  }, 60_000);
});
