// Benchmark of reports and rankings (issue 6): a county of 20 townships × 15 villages plus 30
// county departments (330 ranked units), N items with ~11 events each, on embedded PostgreSQL.
// Prints: a quarterly round's ranking for all units, the month's report statistics for all units,
// and the report board page's latency (through the HTTP app, in-process inject), at each size.
//
//   npx tsx bench/rankings.ts [10000 100000]
//
// The ledger is generated in SQL (generate_series) rather than through the engine: these queries
// read item_events by type, time and data paths and items' unit paths and categories, and the
// generator writes exactly those shapes (hash-chain columns are placeholders; nothing here reads them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { buildApp } from '../api/app.ts';
import { DEFAULT_ACCOUNTABILITY } from '../domain/accountability/rules.ts';
import { DEFAULT_SETTINGS } from '../domain/item/index.ts';
import { findPeriod, reportCycleSchema } from '../domain/report/cycle.ts';
import { DEFAULT_SCHEME, DEFAULT_SCORE_LINES } from '../domain/ranking/scheme.ts';
import { createDb, migrateDb, type Db } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { hashPassword } from '../db/queries/auth.ts';
import { indicatorSql, monthStatRows, monthStatSql, statsForMany } from '../db/queries/ledger-stats.ts';
import { categoryCodes } from '../db/queries/reports.ts';
import { computeRanking, roundService } from '../services/rounds.ts';
import { campaigns, categories, orgUnits, reportConfigs, roundScores, users } from '../db/schema.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000, 100_000];
const log = (s: string) => console.log(s);

async function seedCounty(db: Db) {
  const id = () => crypto.randomUUID();
  const rows: (typeof orgUnits.$inferInsert)[] = [];
  const countyId = id();
  const countyPath = `/${countyId}/`;
  rows.push({ id: countyId, name: '某县', kind: 'county', parentId: null, path: countyPath });
  const office = { id: id(), name: '县督查考评办' };
  rows.push({ ...office, kind: 'office', parentId: countyId, path: `${countyPath}${office.id}/` });
  const departments: { id: string; path: string }[] = [];
  for (let d = 0; d < 30; d++) {
    const u = id();
    const path = `${countyPath}${u}/`;
    rows.push({
      id: u,
      name: `县直部门${String(d + 1).padStart(2, '0')}`,
      kind: 'department',
      parentId: countyId,
      path,
    });
    departments.push({ id: u, path });
  }
  const villages: { id: string; path: string }[] = [];
  for (let t = 0; t < 20; t++) {
    const tid = id();
    const tpath = `${countyPath}${tid}/`;
    rows.push({ id: tid, name: `乡镇${t + 1}`, kind: 'township', parentId: countyId, path: tpath });
    for (let v = 0; v < 15; v++) {
      const vid = id();
      const path = `${tpath}${vid}/`;
      rows.push({ id: vid, name: `乡镇${t + 1}村${v + 1}`, kind: 'village', parentId: tid, path });
      villages.push({ id: vid, path });
    }
  }
  await db.insert(orgUnits).values(rows);
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: '全县专项整治',
      ownerUnitId: office.id,
      areaUnitId: countyId,
      startsOn: '2026-01-01',
      endsOn: '2026-12-31',
      settings: DEFAULT_SETTINGS,
    })
    .returning();
  const cats = await db
    .insert(categories)
    .values(
      Array.from({ length: 10 }, (_, i) => ({
        campaignId: campaign!.id,
        code: `c${i + 1}`,
        name: `专项${i + 1}`,
        leadUnitId: departments[i]!.id,
        sortOrder: i,
      })),
    )
    .returning();
  const [officeUser] = await db
    .insert(users)
    .values({
      username: 'ducha',
      displayName: '督查',
      unitId: office.id,
      roles: ['supervisor'],
      passwordHash: await hashPassword('bench-password-1'),
    })
    .returning();
  return {
    campaignId: campaign!.id,
    office,
    officePath: `${countyPath}${office.id}/`,
    countyPath,
    departments,
    villages,
    cats,
    officeUser: officeUser!,
  };
}

/** Items spread over 2026, 95% in villages and 5% in departments, each with ~11 events. */
async function generateLedger(db: Db, w: Awaited<ReturnType<typeof seedCounty>>, n: number) {
  const units = [...w.villages, ...w.departments];
  await db.execute(sql`
    create temp table bench_units as select (ord - 1)::int as k, u.id, u.path from unnest(${sql.param(units.map((u) => u.id))}::uuid[], ${sql.param(units.map((u) => u.path))}::text[])
      with ordinality as u(id, path, ord)`);
  await db.execute(sql`
    create temp table bench_cats as select (ord - 1)::int as k, c.id, o.path as lead_path
    from unnest(${sql.param(w.cats.map((c) => c.id))}::uuid[]) with ordinality as x(id, ord) join categories c on c.id = x.id join org_units o on o.id = c.lead_unit_id`);
  await db.execute(sql`
    insert into items (id, seq_no, campaign_id, category_id, source, title, description, status, version, owner_unit_path, lead_unit_path,
      reporting_unit_path, responsible_unit_id, responsible_unit_path, deadline, reported_at, updated_at, last_hash, state)
    select gen_random_uuid(), g, ${w.campaignId}, c.id, (array['screening','self_report','petition','hotline','inspection'])[1 + g % 5],
      '问题' || g, '问题描述', 'verified', 11, ${w.officePath}, c.lead_path, u.path, u.id, u.path,
      ('2026-01-01'::date + (g::bigint * 7919 % 330)::int), '2026-01-01T00:00:00Z'::timestamptz + make_interval(mins => ((g::bigint * 104729) % (330 * 1440))::int), now(), '',
      -- The ledger row carries the whole decider state; ~1.5 kB here, so scans of items cost what they would.
      jsonb_build_object('id', g, 'title', '问题' || g, 'description', repeat('排查发现问题描述', 40), 'measures', repeat('整改措施', 30), 'milestones', '[]'::jsonb)
    from generate_series(1, ${n}) g
    join bench_units u on u.k = case when g % 20 = 0 then 300 + (g / 20) % 30 else g % 300 end
    join bench_cats c on c.k = (g / 7) % 10`);
  await db.execute(sql`
    insert into item_events (item_id, seq, type, at, actor_id, data, prev_hash, hash)
    select i.id, row_number() over (partition by i.id order by e.ord), e.type, i.reported_at + e.off, null, e.data, '', ''
    from (select *, abs(hashtext(id::text)) as h from items) i
    cross join lateral (values
      (1, 'ItemReported', interval '0', '{}'::jsonb, true),
      (2, 'ItemAssigned', interval '1 day', jsonb_build_object('responsibleUnit', jsonb_build_object('id', i.responsible_unit_id, 'path', i.responsible_unit_path)), true),
      (3, 'ItemAccepted', make_interval(hours => 30 + i.h % 96), '{}'::jsonb, true),
      (4, 'ProgressRecorded', interval '6 days', '{"note":"进展"}'::jsonb, true),
      (5, 'ReminderIssued', interval '9 days', '{"kind":"deadline_approaching"}'::jsonb, true),
      (6, 'DeadlineMissed', interval '12 days', '{}'::jsonb, i.h % 7 = 0),
      (7, 'ProgressRecorded', interval '13 days', '{"note":"进展"}'::jsonb, true),
      (8, 'ItemSubmitted', interval '15 days', '{}'::jsonb, true),
      (9, 'ItemRejected', interval '16 days', '{}'::jsonb, i.h % 5 = 0),
      (10, 'ItemSubmitted', interval '18 days', '{}'::jsonb, i.h % 5 = 0),
      (11, 'ItemApproved', interval '20 days', '{}'::jsonb, true),
      (12, 'RecheckScheduled', interval '20 days', '{"reason":"sampled"}'::jsonb, true),
      (13, 'RecheckFailed', interval '25 days', '{}'::jsonb, i.h % 10 = 0),
      (14, 'RecheckPassed', interval '25 days', '{}'::jsonb, i.h % 10 <> 0),
      (15, 'ItemVerified', interval '25 days', '{"by":"recheck"}'::jsonb, i.h % 10 <> 0)
    ) e(ord, type, off, data, keep)
    where e.keep`);
  await db.execute(sql`vacuum (analyze) items, item_events, org_units, reports, categories`);
  const [c] = (await db.execute(sql`select count(*)::int as n from item_events`)).rows as { n: number }[];
  return c!.n;
}

async function seedReportsAndRound(db: Db, w: Awaited<ReturnType<typeof seedCounty>>) {
  const units = [...w.villages, ...w.departments];
  const cycle = reportCycleSchema.parse({
    reportingUnitIds: units.map((u) => u.id),
    firstMonth: '2026-01',
    dueDay: 'month_end',
  });
  await db.insert(reportConfigs).values({ campaignId: w.campaignId, cycle, accountability: DEFAULT_ACCOUNTABILITY });
  // A year of reports, three in four submitted (one in ten of those late).
  await db.execute(sql`
    insert into reports (campaign_id, period, unit_id, unit_path, status, version, due_at, late, first_submitted_at, submitted_at, history, updated_at)
    select ${w.campaignId}, to_char(m, 'YYYY-MM'), u.id, u.path, 'submitted', 1, (m + interval '1 month')::timestamptz - interval '8 hours',
      (abs(hashtext(u.id::text || m::text)) % 10 = 0), m + interval '27 days', m + interval '27 days', '[]'::jsonb, now()
    from bench_units u cross join generate_series('2026-01-01'::timestamp, '2026-11-01'::timestamp, interval '1 month') m
    where abs(hashtext(u.id::text || m::text || 'x')) % 4 <> 0`);
  const round = await roundService({ db }).createRound({
    campaignId: w.campaignId,
    name: '第三季度',
    periodStart: '2026-07-01',
    periodEnd: '2026-09-30',
    focusCategoryIds: w.cats.map((c) => c.id),
    scheme: DEFAULT_SCHEME,
    scoreLines: DEFAULT_SCORE_LINES,
    createdBy: w.officeUser.id,
    lookBack: false,
  });
  await db.insert(roundScores).values(
    units.map((u, i) => ({
      roundId: round.id,
      unitId: u.id,
      lines: { ledger: 20 + (i % 20), onsite: 30 + (i % 30), paper: i % 7 === 0 ? 5 : 0 },
      veto: false,
      scoredBy: w.officeUser.id,
      scoredAt: '2026-10-02T00:00:00Z',
    })),
  );
  return { cycle, round };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};
async function timeIt<T>(runs: number, f: () => Promise<T>) {
  const ms: number[] = [];
  let out: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = await f();
    ms.push(performance.now() - t);
  }
  return { out: out!, median: pct(ms, 0.5), max: Math.max(...ms) };
}

async function runSize(server: Awaited<ReturnType<typeof startEmbeddedPostgres>>, n: number) {
  const name = `zg_bench_rank_${n}`;
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const db = createDb(server.url(name), { max: 4 });
  try {
    await migrateDb(db);
    let t = performance.now();
    const w = await seedCounty(db);
    const events = await generateLedger(db, w, n);
    const { cycle, round } = await seedReportsAndRound(db, w);
    log(
      `\n${n.toLocaleString('en')} items, ${events.toLocaleString('en')} events, 330 ranked units — generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const env = createEngineEnv(db, 60_000);
    const cal = await env.calendar();

    if (process.env.EXPLAIN) {
      const period = findPeriod(cycle, '2026-06', cal)!;
      for (const [label, q] of [
        [
          'indicators',
          indicatorSql(
            w.campaignId,
            w.cats.map((c) => c.id),
            '2026-06-30T16:00:00.000Z',
            '2026-09-30T16:00:00.000Z',
            '2026-09-30T16:00:00.000Z',
            72,
          ),
        ],
        ['month', monthStatSql(w.campaignId, period.from, period.to, period.to)],
      ] as const) {
        const plan = await db.transaction(async (tx) => {
          await tx.execute(
            sql`select set_config('work_mem', '64MB', true), set_config('max_parallel_workers_per_gather', '0', true)`,
          );
          return tx.execute(sql`explain (analyze, buffers) ${q}`);
        });
        log(`--- ${label}\n${plan.rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n')}`);
      }
    }
    const ranking = await timeIt(3, () => computeRanking(db, round, cycle, cal, '2026-09-30T16:00:00.000Z'));
    const lines = ranking.out.groups.reduce((a, g) => a + g.lines.length, 0);
    log(
      `  quarterly ranking, all units:      median ${ranking.median.toFixed(0)} ms (max ${ranking.max.toFixed(0)} ms), ${lines} lines in ${ranking.out.groups.length} peer groups`,
    );

    const units = await db
      .select({ path: orgUnits.path })
      .from(orgUnits)
      .where(sql`${orgUnits.id} = any(${sql.param(cycle.reportingUnitIds)}::uuid[])`);
    let monthMs = 0;
    for (const [label, ym] of [
      ['the latest month (Nov, as filed)', '2026-11'],
      ['a past month recomputed (Jun)', '2026-06'],
    ] as const) {
      const period = findPeriod(cycle, ym, cal)!;
      let sqlMs = 0;
      const month = await timeIt(3, async () => {
        const t0 = performance.now();
        const [rows, codes] = await Promise.all([
          monthStatRows(db, w.campaignId, period.from, period.to, period.to),
          categoryCodes(db, w.campaignId),
        ]);
        sqlMs = performance.now() - t0;
        return [
          ...statsForMany(
            rows,
            units.map((u) => u.path),
            codes,
            { from: period.from, to: period.to, asOf: period.to },
          ).values(),
        ];
      });
      monthMs = Math.max(monthMs, month.median);
      const sum = month.out.reduce((a, s) => a + s.newItems, 0);
      log(
        `  month statistics, all 330 units, ${label}: median ${month.median.toFixed(0)} ms (max ${month.max.toFixed(0)} ms; SQL ${sqlMs.toFixed(0)} ms), ${sum} new items counted`,
      );
    }

    const clock = { now: () => new Date('2026-07-03T02:00:00Z') };
    const app = await buildApp({
      db,
      env,
      clock,
      engine: createLocalEngine({ db, env, clock }),
      config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 65536, LOG_LEVEL: 'silent' },
    });
    const token = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'ducha', password: 'bench-password-1' },
      })
    ).json().token;
    const board = async () => {
      const r = await app.inject({
        method: 'GET',
        url: `/api/v1/campaigns/${w.campaignId}/reports/2026-06`,
        headers: { authorization: `Bearer ${token}` },
      });
      if (r.statusCode !== 200) throw new Error(`board answered ${r.statusCode}: ${r.body}`);
    };
    for (let i = 0; i < 20; i++) await board();
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      t = performance.now();
      await board();
      ms.push(performance.now() - t);
    }
    log(
      `  report board page (330 units):     p50 ${pct(ms, 0.5).toFixed(1)} ms, p99 ${pct(ms, 0.99).toFixed(1)} ms (300 sequential requests, in-process)`,
    );
    await app.close();
    return { n, events, rankingMs: ranking.median, monthMs, boardP99: pct(ms, 0.99) };
  } finally {
    await db.$client.end();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'zg-bench-rank-'));
const server = await startEmbeddedPostgres({ dir: join(dir, 'pg'), durable: true });
try {
  const results = [];
  for (const n of SIZES) results.push(await runSize(server, n));
  if (results.length > 1) {
    const [a, b] = [results[0]!, results.at(-1)!];
    log(
      `\ngrowth from ${a.n.toLocaleString('en')} to ${b.n.toLocaleString('en')} items (×${(b.n / a.n).toFixed(0)}): ranking ×${(b.rankingMs / a.rankingMs).toFixed(1)}, ` +
        `month statistics ×${(b.monthMs / a.monthMs).toFixed(1)}, board p99 ×${(b.boardP99 / a.boardP99).toFixed(1)}`,
    );
  }
  log('targets: ranking ≤ 2 s, month statistics ≤ 5 s, board p99 ≤ 30 ms (at 100,000 items)');
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
