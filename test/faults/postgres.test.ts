// PostgreSQL killed with -9 under load, then started again: the process (not restarted) answers 503
// meanwhile — never 500, never dies — and serves again once the database is back. Nothing acknowledged is
// lost, nothing is written twice, every chain verifies and every ledger row equals the fold of its events
// (the trail verify service, GET /admin/trail/verify).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from '../../db/embedded.ts';
import { hashPassword } from '../../db/queries/auth.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { ensureLoginRole, withCredentials } from '../../db/roles.ts';
import { campaigns, categories, users } from '../../db/schema.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import { itemLoad, login, run, startServer, until } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-pg-fault-'));
const pgDir = join(dir, 'pg');
const PASSWORD = 'fault-test-password';
let server: EmbeddedServer | null = null;
afterAll(async () => {
  await server?.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const postmaster = () => Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Start (or start again) our PostgreSQL on its port; after a kill -9 its old backends may hold the
 * shared memory for a moment, so a failed start is tried again. */
async function startPg(port: number) {
  for (let i = 0; ; i++) {
    try {
      return await startEmbeddedPostgres({ dir: pgDir, port, durable: true });
    } catch (err) {
      if (i >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('PostgreSQL killed under load', () => {
  it('answers 503 while it is gone, recovers without a restart, loses and doubles nothing', async () => {
    const port = await freePort();
    server = await startPg(port);
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('create database zg');
    await admin.end();
    await ensureLoginRole(server.url('postgres'), 'zg_fault_app', 'zg-fault-app');
    const ownerUrl = server.url('zg');
    const env = {
      DATA_DIR: dir,
      DATABASE_URL: withCredentials(ownerUrl, 'zg_fault_app', 'zg-fault-app'),
      DATABASE_OWNER_URL: ownerUrl,
      SWEEP_EVERY_SECONDS: '2',
      DB_POOL_SIZE: '10',
    };
    const made = run(['create-admin', '--username', 'admin', '--password', PASSWORD], env);
    expect(await made.exited, made.err()).toBe(0);

    // The campaign and its office, written as the owner (the fixtures, not under test).
    const owner = createDb(ownerUrl, { max: 2 });
    const [root] = await owner.select().from(users);
    const county = await createOrgUnit(owner, { name: '孟津区', kind: 'county', parentId: null });
    const town = await createOrgUnit(owner, { name: '朝阳镇', kind: 'township', parentId: county.id });
    const office = await createOrgUnit(owner, { name: '镇督查考评办', kind: 'office', parentId: town.id });
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
      roles: ['supervisor'],
      passwordHash: await hashPassword(PASSWORD),
    });
    await owner.$client.end();
    expect(root).toBeDefined();

    const app = await startServer(env);
    const token = await login(app.base, 'super', PASSWORD);
    const load = itemLoad(app.base, token, (title) => ({
      campaignId: c!.id,
      categoryId: cat!.id,
      source: 'screening',
      title,
      description: `${title}：村民反映自来水浑浊`,
    }));
    await until('writes before the kill', () => load.acknowledged.length >= 12, 60_000);

    // kill -9 of the postmaster: every connection drops at once, mid-command for some.
    const pid = postmaster();
    process.kill(pid, 'SIGKILL');
    await until('PostgreSQL gone', () => !existsSync(`/proc/${pid}`), 10_000);
    const before = load.acknowledged.length;
    await until('503 answers while it is gone', () => load.statuses.filter((s) => s === 503).length >= 5, 20_000);
    const ready = await fetch(`${app.base}/readyz`);
    expect(ready.status).toBe(503);
    await ready.arrayBuffer();

    server = await startPg(port);
    await until('writes after the restart', () => load.acknowledged.length >= before + 12, 60_000);
    await load.stop();

    // The same process, alive and serving; no answer was a 500, none went unanswered.
    expect(app.p.exitCode).toBeNull();
    expect(app.err()).not.toMatch(/unhandled|uncaught/i);
    expect(
      [...new Set(load.statuses)].filter((s) => ![200, 201, 503, 409].includes(s)),
      `${load.odd.join('\n')}\n${app
        .out()
        .split('\n')
        .filter((l) => l.includes('failed: internal'))
        .map((l) => l.slice(0, 1500))
        .join('\n')}`,
    ).toEqual([]);
    expect((await fetch(`${app.base}/readyz`)).status).toBe(200);

    const db = new pg.Client({ connectionString: ownerUrl });
    await db.connect();
    try {
      // Nothing acknowledged lost; nothing written twice (each title and each comment at most once).
      const items = (await db.query(`select id, state->>'title' as title from items`)).rows as {
        id: string;
        title: string;
      }[];
      const byTitle = new Map<string, number>();
      for (const r of items) byTitle.set(r.title, (byTitle.get(r.title) ?? 0) + 1);
      expect([...byTitle].filter(([, n]) => n > 1)).toEqual([]);
      const ids = new Set(items.map((r) => r.id));
      for (const a of load.acknowledged.filter((x) => x.kind === 'item')) expect(ids.has(a.itemId), a.text).toBe(true);
      const comments = (
        await db.query(`select item_id, data->>'text' as text from item_events where type = 'CommentAdded'`)
      ).rows as { item_id: string; text: string }[];
      const byText = new Map<string, number>();
      for (const r of comments) byText.set(r.text, (byText.get(r.text) ?? 0) + 1);
      expect([...byText].filter(([, n]) => n > 1)).toEqual([]);
      for (const a of load.acknowledged.filter((x) => x.kind === 'comment')) expect(byText.get(a.text), a.text).toBe(1);
    } finally {
      await db.end();
    }

    // Every chain verifies and every ledger row equals the fold of its events.
    const adminToken = await login(app.base, 'admin', PASSWORD);
    const verdict = await fetch(`${app.base}/api/v1/admin/trail/verify`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(verdict.status).toBe(200);
    const v = (await verdict.json()) as { ok: boolean; items: number; problems: unknown[] };
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.items).toBeGreaterThanOrEqual(load.acknowledged.filter((x) => x.kind === 'item').length);

    app.p.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  }, 240_000);
});
