// Database loss: a connection the server terminates mid-query (restart, failover) answers 503 unavailable,
// not 500, and the app's pool connects afresh — the next request is served.
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { toProblem } from '../../api/plugins/errors.ts';
import { build, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

describe('database connection loss', () => {
  it('a query cut by the server maps to 503 unavailable', async () => {
    const c = new pg.Client({ connectionString: w.url });
    await c.connect();
    c.on('error', () => {});
    const { rows } = await c.query('select pg_backend_pid() as pid');
    const cut = c.query('select pg_sleep(10)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await w.db.execute(sql`select pg_terminate_backend(${rows[0].pid})`);
    const err = (await cut) as { code?: string };
    expect(err.code).toBe('57P01');
    const p = toProblem(err, { url: '/x', id: 'r1' } as never);
    expect(p).toMatchObject({ status: 503, code: 'unavailable' });
    await c.end().catch(() => {});
  });

  it("after every one of the app's connections is terminated, the app still answers and reconnects", async () => {
    expect((await w.call('super', 'GET', '/api/v1/items')).status).toBe(200);
    await w.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = 'zhenggai_app' and datname = current_database()`,
    );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await w.call('super', 'GET', '/api/v1/items')).status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
  });
});
