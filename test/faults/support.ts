// The real process (`zhenggai start`) for fault tests against services the test owns (its own
// PostgreSQL, its own Redis), and a load of clients that retry as real ones do: the same request with
// the same Idempotency-Key until it is answered, counting only 2xx answers as acknowledged.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll } from 'vitest';
import { createDb } from '../../db/client.ts';
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from '../../db/embedded.ts';
import { hashPassword } from '../../db/queries/auth.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { ensureLoginRole, withCredentials } from '../../db/roles.ts';
import { campaigns, categories, users } from '../../db/schema.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';

export const PASSWORD = 'fault-test-password';

const BIN = fileURLToPath(new URL('../../bin/zhenggai.ts', import.meta.url));
const running: ChildProcess[] = [];
const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
  for (const close of opened) await close();
});

export interface Run {
  p: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

export function run(args: string[], env: Record<string, string | undefined>): Run {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'REDIS_URL', 'ENGINE']) delete base[k];
  const p = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    env: { ...base, LOG_LEVEL: 'warn', ...env },
  });
  running.push(p);
  let out = '';
  let err = '';
  p.stdout!.on('data', (c) => (out += c));
  p.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, out: () => out, err: () => err, exited };
}

/** A PostgreSQL of the test's own (so the test may kill it), a `zg` database, the app's role, and the
 * process's environment for it: DATA_DIR, DATABASE_URL (the app role) and DATABASE_OWNER_URL. */
export async function ownDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'zg-fault-'));
  const pgDir = join(dir, 'pg');
  const port = await freePort();
  /** Start (or start again) on the same port; after a kill -9 the old backends may hold the shared memory
   * for a moment, so a failed start is tried again. */
  const start = async (): Promise<EmbeddedServer> => {
    for (let i = 0; ; i++) {
      try {
        return await startEmbeddedPostgres({ dir: pgDir, port, durable: true });
      } catch (err) {
        if (i >= 40) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  let server = await start();
  // Stopped with the file (a hook registered inside a test would never run).
  opened.push(async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('create database zg');
  await admin.end();
  await ensureLoginRole(server.url('postgres'), 'zg_fault_app', 'zg-fault-app');
  const ownerUrl = server.url('zg');
  return {
    ownerUrl,
    env: {
      DATA_DIR: dir,
      DATABASE_URL: withCredentials(ownerUrl, 'zg_fault_app', 'zg-fault-app'),
      DATABASE_OWNER_URL: ownerUrl,
    },
    postmasterPid: () => Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    restart: async () => {
      server = await start();
    },
  };
}

/** After `create-admin` migrated the database: a township campaign, its office (supervisor and category
 * lead: `super`) and one village, written as the owner (fixtures, not under test). */
export async function seedCampaign(ownerUrl: string) {
  const owner = createDb(ownerUrl, { max: 2 });
  try {
    const county = await createOrgUnit(owner, { name: '孟津区', kind: 'county', parentId: null });
    const town = await createOrgUnit(owner, { name: '朝阳镇', kind: 'township', parentId: county.id });
    const office = await createOrgUnit(owner, { name: '镇督查考评办', kind: 'office', parentId: town.id });
    const village = await createOrgUnit(owner, { name: '朝阳村', kind: 'village', parentId: town.id });
    const [c] = await owner
      .insert(campaigns)
      .values({
        name: '饮水安全专项整治',
        ownerUnitId: office.id,
        areaUnitId: town.id,
        startsOn: '2026-01-01',
        settings: DEFAULT_SETTINGS,
      })
      .returning();
    const [cat] = await owner
      .insert(categories)
      .values({ campaignId: c!.id, code: 'w1', name: '饮水安全', leadUnitId: office.id })
      .returning();
    await owner.insert(users).values({
      username: 'super',
      displayName: '督查员',
      unitId: office.id,
      roles: ['supervisor', 'lead'],
      passwordHash: await hashPassword(PASSWORD),
    });
    return { campaignId: c!.id, categoryId: cat!.id, villageId: village.id, owner };
  } catch (err) {
    await owner.$client.end();
    throw err;
  }
}

export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startServer(env: Record<string, string | undefined>) {
  const port = await freePort();
  const r = run(['start'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  await until('listening', () => r.out().includes('listening on') || r.p.exitCode !== null, 120_000);
  if (r.p.exitCode !== null) throw new Error(`start failed:\n${r.out()}\n${r.err()}`);
  return { ...r, base: `http://127.0.0.1:${port}` };
}

export async function login(base: string, username: string, password: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

export interface Load {
  /** statuses of every answer, retries included */
  statuses: number[];
  /** requests answered 2xx: what the clients were told is done */
  acknowledged: { kind: 'item' | 'follow'; itemId: string; text: string }[];
  /** requests never answered 2xx (given up at the end): they may or may not have happened, but once at most */
  unsure: { kind: 'item' | 'follow'; text: string }[];
  /** answers that were neither 2xx nor 503/409, for the failure message */
  odd: string[];
  stop(): Promise<void>;
}

/** `writers` clients, each reporting items and following each up (a comment, an assignment), retrying
 * each request with its key. */
export function itemLoad(
  base: string,
  token: string,
  body: (title: string) => Record<string, unknown>,
  follow: (n: string) => { path: string; body: Record<string, unknown>; text: string },
  writers = 8,
): Load {
  const load: Load = { statuses: [], acknowledged: [], unsure: [], odd: [], stop: async () => {} };
  let stopping = false;
  const send = async (path: string, payload: unknown): Promise<{ status: number; json: any } | null> => {
    const key = randomUUID();
    while (!stopping) {
      try {
        const r = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(15_000),
        });
        load.statuses.push(r.status);
        const json = await r.json().catch(() => null);
        if (r.status < 300) return { status: r.status, json };
        if (r.status !== 503 && r.status !== 409) load.odd.push(`${r.status} ${path} ${JSON.stringify(json)}`);
        if (r.status !== 503 && r.status !== 409) return { status: r.status, json };
      } catch {
        load.statuses.push(0); // no answer (reset, timeout): the same request again
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return null;
  };
  const writer = async (n: number) => {
    for (let i = 0; !stopping; i++) {
      const title = `负载 ${n}-${i} 饮水不安全`;
      const made = await send('/api/v1/items', body(title));
      if (!made || made.status !== 201) {
        load.unsure.push({ kind: 'item', text: title });
        continue;
      }
      load.acknowledged.push({ kind: 'item', itemId: made.json.id, text: title });
      const next = follow(`${n}-${i}`);
      const c = await send(next.path.replace(':id', made.json.id), next.body);
      if (c && c.status < 300) load.acknowledged.push({ kind: 'follow', itemId: made.json.id, text: next.text });
      else load.unsure.push({ kind: 'follow', text: next.text });
    }
  };
  const all = Array.from({ length: writers }, (_, n) => writer(n));
  load.stop = async () => {
    stopping = true;
    await Promise.all(all);
  };
  return load;
}
