// SERVER_PROCESSES=2 on the real process (`zhenggai start`, embedded PostgreSQL in its own DATA_DIR): two server
// processes share the port; a sign-out in one is a sign-out in both at once; a process killed with -9 is
// replaced while the other answers; SIGTERM stops both, then PostgreSQL, exit 0; only process 0 runs the
// background work, and what either process takes in is done once, also across a kill -9 of process 0; a process
// that cannot start fails the whole start with a message (and leaves no PostgreSQL behind); a bad count is
// refused by name.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../db/embedded.ts';
import { eq } from 'drizzle-orm';
import { users, webhookTargets } from '../../db/schema.ts';
import { startFakeRobot } from '../support/webhook-server.ts';
import { ownDatabase, PASSWORD as SEED_PASSWORD, run, seedCampaign, startServer, until } from './support.ts';

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

/** A server process's slot (ZHENGGAI_PROCESS in its environment, bin/cluster.ts). */
const slotOf = (pid: number) =>
  Number(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((v) => v.startsWith('ZHENGGAI_PROCESS='))
      ?.split('=')[1] ?? -1,
  );

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
      // Process 0 runs the background work, the other answers HTTP only (bin/runtime.ts).
      await until(
        'the new process started',
        () => (server.out().match(/#\d (lifecycles run|answering HTTP only)/g) ?? []).length >= 3,
      );
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

  it('only process 0 runs the background work; what either takes in is done once, across a kill -9 of process 0', async () => {
    const robot = await startFakeRobot();
    try {
      const db = await ownDatabase();
      const env = {
        ...db.env,
        SERVER_PROCESSES: '2',
        NOTIFY_EVERY_SECONDS: '1',
        NOTIFY_RECONCILE_SECONDS: '5',
        NOTIFY_BACKOFF_MS: '200',
        NOTIFY_RATE_PER_HOUR: '10000',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      };
      const made = run(['create-admin', '--username', 'admin', '--password', SEED_PASSWORD], env);
      expect(await made.exited, made.err()).toBe(0);
      const fx = await seedCampaign(db.ownerUrl);
      const [admin] = await fx.owner.select({ id: users.id }).from(users).where(eq(users.username, 'admin'));
      await fx.owner
        .insert(webhookTargets)
        .values({ unitId: fx.villageId, kind: 'wecom', name: '朝阳村工作群', url: robot.url, createdBy: admin!.id });
      await fx.owner.$client.end();

      const app = await startServer(env);
      try {
        const out = () => app.out();
        // Process 0 starts its background work once it listens.
        await until('process 0 running the background work', () => /#0 background work on BullMQ/.test(out()), 30_000);
        expect(out()).toMatch(/#1 answering HTTP only/);
        expect(out()).not.toMatch(/#1 (background work|lifecycles run|trail checkpoints every)/);
        const token = (
          JSON.parse(
            (
              await fresh(app.base, 'POST', '/api/v1/auth/login', undefined, {
                username: 'super',
                password: SEED_PASSWORD,
              })
            ).text,
          ) as { token: string }
        ).token;
        // An assignment over a connection of its own (so both processes take some), retried while a process is down.
        const assign = async (n: string) => {
          for (let attempt = 0; ; attempt++) {
            try {
              const item = await fresh(app.base, 'POST', '/api/v1/items', token, {
                campaignId: fx.campaignId,
                categoryId: fx.categoryId,
                source: 'screening',
                title: `集群 ${n} 饮水不安全`,
                description: `集群 ${n}`,
              });
              expect(item.status, item.text).toBe(201);
              const id = (JSON.parse(item.text) as { id: string }).id;
              const r = await fresh(app.base, 'POST', `/api/v1/items/${id}/assign`, token, {
                responsibleUnitId: fx.villageId,
                measures: `落实整改 ${n}`,
                mode: 'immediate',
              });
              expect(r.status, r.text).toBe(200);
              return;
            } catch (err) {
              if (attempt >= 20 || !/no answer|ECONNRESET|socket hang up/.test((err as Error).message)) throw err;
              await new Promise((r) => setTimeout(r, 250));
            }
          }
        };
        const sentFor = (n: string) => robot.received.filter((m) => JSON.stringify(m).includes(`落实整改 ${n}`)).length;
        for (const n of ['a1', 'a2', 'a3', 'a4']) await assign(n);
        await until('the robot told of all four', () => ['a1', 'a2', 'a3', 'a4'].every((n) => sentFor(n) > 0), 60_000);

        // kill -9 process 0: the other keeps taking work in; process 0's replacement does the work owed.
        const zero = serverProcesses(app.p.pid!).find((pid) => slotOf(pid) === 0)!;
        process.kill(zero, 'SIGKILL');
        for (const n of ['b1', 'b2', 'b3']) await assign(n);
        await until(
          'the robot told of the work taken in while process 0 was down',
          () => ['b1', 'b2', 'b3'].every((n) => sentFor(n) > 0),
          60_000,
        );
        await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive now
        for (const n of ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']) expect(sentFor(n), n).toBe(1);
        expect(out()).toMatch(/server process 0 \(pid \d+\) exited \(SIGKILL\); starting another/);
        app.p.kill('SIGTERM');
        expect(await app.exited, app.err()).toBe(0);
        expect(app.err()).not.toMatch(/unhandled|uncaught/i);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\n--- stdout:\n${app.out().slice(-4000)}\n--- stderr:\n${app.err().slice(-4000)}`,
        );
      } finally {
        if (app.p.exitCode === null) {
          app.p.kill('SIGTERM');
          await app.exited;
        }
      }
    } finally {
      await robot.close();
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
