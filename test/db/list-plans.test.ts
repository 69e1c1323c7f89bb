// Every list-shaped read is answered from an index at 100,000 items: EXPLAIN (ANALYZE, BUFFERS) of the
// very statements the API runs must not read the items table sequentially, for each reader's scope
// and each filter and sort. The rows are cloned in SQL from items the API made (fast enough for CI);
// their states are not kept in step with the columns, which only the plans read here.
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countItemsQuery, type ItemFilters, listStatement, type Page, type Reader } from '../../db/queries/items.ts';
import { ledgerPageQuery } from '../../db/queries/ledger.ts';
import { ledgerStatsQuery } from '../../db/queries/stats.ts';
import { foldTallies } from '../../db/queries/tallies.ts';
import { evidenceWarningCountsQuery } from '../../db/queries/evidence.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { digestDueQuery } from '../../workers/notify/periodic.ts';
import { assign, build, report, type World } from '../support/app.ts';

// LIST_PLANS_N lowers the count on a machine too loaded to seed 100,000 rows in time (the plans hold from ~20,000).
const N = Number(process.env.LIST_PLANS_N ?? 100_000);
const VILLAGES = 200;
let w: World;
let villagePaths: string[];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/** The plan a statement runs with, and the items indexes it used. */
async function explain(q: { toSQL(): { sql: string; params: unknown[] } } | { text: string; values: unknown[] } | SQL) {
  const { sql: text, params } =
    'text' in q ? { sql: q.text, params: q.values } : 'toSQL' in q ? q.toSQL() : new PgDialect().sqlToQuery(q);
  const r = await w.db.$client.query(`explain (analyze, buffers, format json) ${text}`, params);
  const plan = (r.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'][0];
  const all = nodes(plan.Plan);
  return {
    seqScanOfItems: all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'items'),
    readsItems: all.some((n) => n['Relation Name'] === 'items'),
    indexes: [...new Set(all.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))],
    ms: plan['Execution Time'],
  };
}

beforeAll(async () => {
  w = await build();
  // Two hundred villages under the town, as a county has: each reader's scope is a small share of the rows.
  villagePaths = [w.units.village1.path, w.units.village2.path];
  for (let i = villagePaths.length; i < VILLAGES; i++) {
    villagePaths.push((await createOrgUnit(w.db, { name: `村${i}`, kind: 'village', parentId: w.units.town.id })).path);
  }
  const a = await report(w, 'super', { title: '饮水水质不达标', description: '村口自来水管道漏水' });
  await assign(w, a);
  const titles = ['危房住人问题', '饮水水质不达标', '路灯损坏', '垃圾清运不及时', '道路破损', '低保资格复核'];
  const words = ['管道漏水', '墙体开裂', '违建未拆', '台账缺失', '补贴未发放', '排水不畅', '线路老化'];
  // Indexes built once over the rows, not entry by entry (as a restore does): a fraction of the time.
  const defs = await w.db.$client.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
     where tablename = 'items' and indexname not in (select conname from pg_constraint)`,
  );
  for (const d of defs.rows) await w.db.$client.query(`drop index "${d.name}"`);
  let t = Date.now();
  await w.db.$client.query(
    `insert into items (id, seq_no, campaign_id, category_id, source, title, description, status, version,
       owner_unit_path, lead_unit_path, reporting_unit_path, responsible_unit_id, responsible_unit_path, deadline,
       overdue, escalation_level, flagged, reported_at, closed_at, updated_at, next_wake_at, last_hash, state)
     select gen_random_uuid(), 1000 + g, t.campaign_id, t.category_id, t.source,
       ($2::text[])[1 + g % 6] || g, '第' || g || '号：' || ($3::text[])[1 + (g / 7) % 7] || '，' || ($3::text[])[1 + g % 7],
       (array['reported', 'assigned', 'in_progress', 'submitted', 'closed', 'verified'])[1 + g % 6], t.version,
       t.owner_unit_path, t.lead_unit_path, ($1::text[])[1 + (g / 3) % $4], null, ($1::text[])[1 + g % $4],
       date '2026-03-01' + g % 120, g % 10 = 0, 0, g % 50 = 0,
       t.reported_at - make_interval(secs => g), null, t.updated_at - make_interval(secs => g), null, t.last_hash, t.state
     from generate_series(1, $5::int) g, (select * from items limit 1) t`,
    [villagePaths, titles, words, VILLAGES, N - 1],
  );
  const inserted = Date.now() - t;
  t = Date.now();
  for (const d of defs.rows) await w.db.$client.query(d.def);
  await w.db.$client.query('vacuum analyze items');
  console.log(`list-plans seed: ${N} rows inserted in ${inserted} ms, indexed and analysed in ${Date.now() - t} ms`);
}, 600_000);

const readers: [string, () => Reader][] = [
  ['admin (everything)', () => ({ scopePath: null })],
  ['county', () => ({ scopePath: w.units.county.path })],
  ['town office', () => ({ scopePath: w.units.office.path })],
  ['village', () => ({ scopePath: villagePaths[17]! })],
];

const filters: [string, () => ItemFilters][] = [
  ['no filter', () => ({})],
  ['campaign and status', () => ({ campaignId: w.campaignId, status: ['assigned', 'in_progress'] })],
  ['overdue', () => ({ overdue: true })],
  ['deadline range', () => ({ deadlineFrom: '2026-04-01', deadlineTo: '2026-04-03' })],
  ['responsible unit', () => ({ unitPath: villagePaths[42]! })],
  ['q of two characters', () => ({ q: '违建' })],
  ['q of one character', () => ({ q: '拆' })],
  ['q of a whole title', () => ({ q: '路灯损坏1234' })],
];

const pages: [string, Page][] = [
  ['reportedAt desc', { sort: 'reportedAt', order: 'desc', limit: 50 }],
  ['updatedAt desc', { sort: 'updatedAt', order: 'desc', limit: 50 }],
  ['deadline asc', { sort: 'deadline', order: 'asc', limit: 50 }],
  [
    'seqNo asc after a cursor',
    { sort: 'seqNo', order: 'asc', limit: 50, cursor: { v: 50_000, id: crypto.randomUUID() } },
  ],
];

describe(`list plans at ${N.toLocaleString('en')} items: no sequential scan of items`, () => {
  it('the seed holds the rows the plans are meant for', async () => {
    const r = await w.db.$client.query('select count(*)::int as n from items');
    expect(r.rows[0].n).toBe(N);
  });

  for (const [who, reader] of readers) {
    it(`items list, ${who}: every filter and sort`, async () => {
      const bad: string[] = [];
      for (const [f, filter] of filters) {
        for (const [p, page] of pages) {
          // The statement the list runs (its text kept per shape), as it runs it.
          const e = await explain(listStatement(w.db, reader(), filter(), page));
          if (e.seqScanOfItems) bad.push(`${f} / ${p}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it(`ledger export page, ${who}`, async () => {
      for (const [f, filter] of filters) {
        const e = await explain(ledgerPageQuery(w.db, reader(), filter(), 20_000, 1000));
        expect(e.seqScanOfItems, f).toBe(false);
      }
    });

    it(`daily digest lines, ${who}`, async () => {
      expect((await explain(digestDueQuery(w.db, reader(), '2026-03-05'))).seqScanOfItems).toBe(false);
    });
  }

  // A count reads every matching entry: for a reader who sees most rows that is the world, whatever the
  // plan (the API keeps such totals for seconds, api/shared-answers.ts). A narrow scope or filter is indexed.
  it('count=true for a village, or a narrow filter, is answered from indexes', async () => {
    const village = { scopePath: villagePaths[17]! };
    const cases: [string, Reader, ItemFilters][] = [
      ['village', village, {}],
      ['village, overdue', village, { overdue: true }],
      ['county, q', { scopePath: w.units.county.path }, { q: '违建未拆' }],
      ['admin, deadline range', { scopePath: null }, { deadlineFrom: '2026-04-01', deadlineTo: '2026-04-03' }],
    ];
    for (const [name, reader, f] of cases) {
      expect((await explain(countItemsQuery(w.db, reader, f))).seqScanOfItems, name).toBe(false);
    }
  });

  // The dashboard sums the tallies PostgreSQL keeps (db/schema/tallies.ts): it does not read the items at all.
  it('the dashboard, every reader, before a fold and after it', async () => {
    for (const fold of [false, true]) {
      if (fold) await foldTallies(w.db);
      for (const [who, reader] of readers) {
        const e = await explain(ledgerStatsQuery(w.db, reader(), { campaignId: w.campaignId }));
        expect(e.readsItems, who).toBe(false);
      }
    }
  });

  it('evidence-warning counts (rankings) for a village scope', async () => {
    const e = await explain(evidenceWarningCountsQuery(w.campaignId, villagePaths[17]!));
    expect(e.seqScanOfItems).toBe(false);
  });

  it('the old scope test (four OR-ed LIKEs) reads the whole table', async () => {
    // The check itself can fail: a village's count with the scope test the list had before this index.
    const p = `${villagePaths[17]!}%`;
    const old = sql`select count(*) from items where owner_unit_path like ${p} or lead_unit_path like ${p}
      or responsible_unit_path like ${p} or reporting_unit_path like ${p}`;
    expect((await explain(old)).seqScanOfItems).toBe(true);
  });
});
