// Another township's campaign does not exist for you: every route of the OpenAPI document that takes a
// campaign id (in its path or as `campaignId`) answers a user of township A about township B's campaign
// exactly as about a campaign that does not exist — 404 for reads, never 200 with empty data — and writes
// nothing. An export's file name does not name a campaign the reader cannot see.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import { hashPassword } from '../../db/queries/auth.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { campaigns, categories, users } from '../../db/schema.ts';
import { build, PASSWORD, type World } from '../support/app.ts';

let w: World;
let campaignB: string;
let ops: { method: string; path: string; query: boolean }[];
/** Township A's people (朝阳镇): its office, lead, a village handler, the town viewer, the town inspectors. */
const A_USERS = ['super', 'lead', 'h1', 'viewer', 'insp'];

beforeAll(async () => {
  w = await build();
  const townB = await createOrgUnit(w.db, { name: '白鹤镇', kind: 'township', parentId: w.units.county.id });
  const officeB = await createOrgUnit(w.db, { name: '白鹤镇督查考评办', kind: 'office', parentId: townB.id });
  const villageB = await createOrgUnit(w.db, { name: '白鹤村', kind: 'village', parentId: townB.id });
  const [c] = await w.db
    .insert(campaigns)
    .values({
      name: '白鹤镇保密专项整治',
      ownerUnitId: officeB.id,
      areaUnitId: townB.id,
      startsOn: '2026-03-01',
      settings: DEFAULT_SETTINGS,
    })
    .returning();
  campaignB = c!.id;
  const [cat] = await w.db
    .insert(categories)
    .values({ campaignId: campaignB, code: 'b01', name: '饮水安全', leadUnitId: officeB.id })
    .returning();
  await w.db.insert(users).values({
    username: 'superB',
    displayName: 'superB',
    unitId: officeB.id,
    roles: ['supervisor'],
    passwordHash: await hashPassword(PASSWORD),
  });
  const login = await w.call(null, 'POST', '/api/v1/auth/login', { username: 'superB', password: PASSWORD });
  w.tokens.superB = login.body.token;
  // Township B's own data, so that an answer leaking it would not be empty.
  const item = await w.call('superB', 'POST', '/api/v1/items', {
    campaignId: campaignB,
    categoryId: cat!.id,
    source: 'screening',
    title: '白鹤村饮水不安全',
    description: '白鹤村三组自来水浑浊',
  });
  expect(item.status).toBe(201);
  const cfg = await w.call('superB', 'PUT', `/api/v1/campaigns/${campaignB}/report-config`, {
    cycle: { reportingUnitIds: [villageB.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(cfg.status).toBe(200);

  const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .filter(
        ([, op]) =>
          path.includes('/campaigns/{id}') ||
          (op.parameters ?? []).some((p) => p.in === 'query' && p.name === 'campaignId'),
      )
      .map(([m]) => ({ method: m.toUpperCase(), path, query: !path.includes('/campaigns/{id}') })),
  );
});

function url(op: { path: string; query: boolean }, campaignId: string) {
  const path = op.path
    .replace('{id}', op.query ? randomUUID() : campaignId)
    .replace('{period}', '2026-03')
    .replace(/\{[^}]+\}/g, randomUUID());
  return op.query ? `${path}?campaignId=${campaignId}` : path;
}

/** Every row of every table, digested: what a refused request must leave as it was. */
async function digest() {
  const tables = (
    await w.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`)
  ).rows.map((r) => String((r as { tablename: string }).tablename));
  const out: Record<string, string> = {};
  for (const t of tables.filter((x) => x !== 'login_throttle' && x !== 'sessions')) {
    const r = await w.db.execute(
      sql.raw(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${t}" x`),
    );
    out[t] = String((r.rows[0] as { h: string }).h);
  }
  return out;
}

describe("township B's campaign, asked by township A", () => {
  it('every campaign route answers as for a campaign that does not exist: 404 for reads', async () => {
    expect(ops.length).toBeGreaterThan(20);
    const before = await digest();
    const leaks: string[] = [];
    for (const user of A_USERS) {
      for (const op of ops) {
        const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
        const fake = randomUUID();
        const seen = await w.call(user, op.method, url(op, campaignB), body);
        const none = await w.call(user, op.method, url(op, fake), body);
        const say = `${user} ${op.method} ${op.path}${op.query ? '?campaignId' : ''}`;
        // A read answers 404 — unless it is refused before any campaign is looked at (a required query
        // parameter, a role this route needs), alike for every campaign.
        const shapeFirst = ['validation_failed', 'forbidden'].includes(none.body?.code) && none.status !== 404;
        if (op.method === 'GET' && seen.status !== 404 && !(shapeFirst && seen.body?.code === none.body?.code)) {
          leaks.push(`${say}: ${seen.status} ${JSON.stringify(seen.body).slice(0, 120)}`);
        } else if (seen.status !== none.status || seen.body?.code !== none.body?.code) {
          leaks.push(`${say}: ${seen.status} ${seen.body?.code} (no such campaign: ${none.status} ${none.body?.code})`);
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(await digest()).toEqual(before);
  }, 120_000);

  it("B's own office is answered (the ids above are real)", async () => {
    expect((await w.call('superB', 'GET', `/api/v1/campaigns/${campaignB}`)).status).toBe(200);
    const stats = await w.call('superB', 'GET', `/api/v1/stats/ledger?campaignId=${campaignB}`);
    expect(stats.status).toBe(200);
    expect(JSON.stringify(stats.body)).toContain('1');
    const board = await w.call('superB', 'GET', `/api/v1/campaigns/${campaignB}/reports/2026-03`);
    expect(board.status).toBe(200);
  });

  it("an export's file name does not name a campaign the reader cannot see", async () => {
    const mine = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?format=csv&campaignId=${w.campaignId}`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(mine.statusCode).toBe(200);
    expect(decodeURIComponent(String(mine.headers['content-disposition']))).toContain('专项整治');
    const theirs = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?format=csv&campaignId=${campaignB}`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(theirs.statusCode).toBe(404);
    expect(decodeURIComponent(String(theirs.headers['content-disposition'] ?? ''))).not.toContain('白鹤');
    expect(theirs.body).not.toContain('白鹤');
  });
});
