// PostgreSQL killed with -9 under load, then started again: the process (not restarted) answers 503
// meanwhile — never 500, never dies — and serves again once the database is back. Nothing acknowledged is
// lost, nothing is written twice, every chain verifies and every ledger row equals the fold of its events
// (the trail verify service, GET /admin/trail/verify).
import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { itemLoad, login, ownDatabase, PASSWORD, run, seedCampaign, startServer, until } from './support.ts';

describe('PostgreSQL killed under load', () => {
  it('answers 503 while it is gone, recovers without a restart, loses and doubles nothing', async () => {
    const pgOwn = await ownDatabase();
    const { ownerUrl } = pgOwn;
    const env = { ...pgOwn.env, SWEEP_EVERY_SECONDS: '2', DB_POOL_SIZE: '10' };
    const made = run(['create-admin', '--username', 'admin', '--password', PASSWORD], env);
    expect(await made.exited, made.err()).toBe(0);
    const fx = await seedCampaign(ownerUrl);
    await fx.owner.$client.end();

    const app = await startServer(env);
    const token = await login(app.base, 'super', PASSWORD);
    const load = itemLoad(
      app.base,
      token,
      (title) => ({
        campaignId: fx.campaignId,
        categoryId: fx.categoryId,
        source: 'screening',
        title,
        description: `${title}：村民反映自来水浑浊`,
      }),
      (n) => ({ path: '/api/v1/items/:id/comments', body: { text: `跟进 ${n}` }, text: `跟进 ${n}` }),
    );
    await until('writes before the kill', () => load.acknowledged.length >= 12, 60_000);

    // kill -9 of the postmaster: every connection drops at once, mid-command for some.
    const pid = pgOwn.postmasterPid();
    process.kill(pid, 'SIGKILL');
    await until('PostgreSQL gone', () => !existsSync(`/proc/${pid}`), 10_000);
    const before = load.acknowledged.length;
    await until('503 answers while it is gone', () => load.statuses.filter((s) => s === 503).length >= 5, 20_000);
    const ready = await fetch(`${app.base}/readyz`);
    expect(ready.status).toBe(503);
    await ready.arrayBuffer();

    await pgOwn.restart();
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
      for (const a of load.acknowledged.filter((x) => x.kind === 'follow')) expect(byText.get(a.text), a.text).toBe(1);
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
