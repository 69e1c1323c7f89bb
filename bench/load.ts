// Loading the benchmark data set fast: a small org tree, users, one campaign with the ten categories of
// seed 003, then N items generated in memory by the pure domain — report → assign → accept — with the
// hash chain and ledger columns computed exactly as the local engine does (generate.ts), on worker
// threads, and bulk-inserted in batches of 1,000 items (one jsonb parameter per table per batch,
// unpacked by jsonb_populate_recordset). Item 0 goes through the real engine and is compared row for
// row with what the generator computes for it, so the bulk rows are known to be identical in shape.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { DEMO } from '../bin/demo-data.ts';
import { endOfDay, shanghaiDate } from '../domain/calendar/calendar.ts';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../domain/calendar/cn-official.ts';
import { DEFAULT_SETTINGS, fold } from '../domain/item/index.ts';
import type { CampaignSettings, ItemEvent, ItemStatus, Role } from '../domain/item/types.ts';
import { canonicalJson, verifyItemChain } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { hashPassword } from '../db/queries/auth.ts';
import { createOrgUnit } from '../db/queries/org.ts';
import { campaigns, categories, users, type OrgUnitRow } from '../db/schema.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import {
  buildItem,
  EVENT_COLS,
  ITEM_COLS,
  MILESTONE_COLS,
  populateSql,
  scriptFor,
  mulberry32,
  type BatchJob,
  type BatchOut,
  generateBatch,
  type BenchUser,
  type BenchVillage,
  type Built,
  type Cat,
  type Seeded,
} from './generate.ts';

export { mulberry32 };
export const BENCH_PASSWORD = 'zhenggai-bench-1';
const BATCH = 1000;
const SEED = 20261123;
const DAY = 86_400_000;

export interface BenchItem {
  id: string;
  village: number;
}

export interface BenchWorld {
  campaignId: string;
  villages: BenchVillage[];
  /** Supervisor (and lead) in the campaign office: sees every item of the campaign. */
  supervisor: BenchUser;
  settings: CampaignSettings;
  calendar: CalendarData;
  /** Every item left in_progress, with its village (the handler who may record progress on it). */
  inProgress: BenchItem[];
  counts: Record<ItemStatus, number>;
  events: number;
  milestones: number;
  /** Sample items whose audit chain was verified after loading. */
  verified: { id: string; status: string; events: number }[];
  /** Generator workers used, and their CPU time. */
  generator: { workers: number; cpuSeconds: number };
  /** Whole days the world was generated back in time (0: its deadlines lie ahead). */
  shiftDays: number;
}

export interface LoadOptions {
  items: number;
  log: (m: string) => void;
  /**
   * Generate the world this many whole days back in time (every generated instant and date moves with
   * it; deadlines counted in working days follow the calendar), so some of its wake-ups are already past
   * in real time — for a runtime whose clock cannot be moved (a real Temporal server).
   */
  shiftDays?: number;
  /**
   * Instead of shiftDays: the fewest whole days that put this share of all items past their deadline now
   * (the instant bench:notify moves its clock to: the end of the n-th earliest deadline), estimated on the
   * first batches of the data set before it is generated. The loader reports what it actually got.
   */
  pastDue?: number;
}

// ------------------------------------------------------------------ seed

async function seed(db: Db, year: number): Promise<Seeded> {
  const county = await createOrgUnit(db, {
    name: DEMO.county.name,
    kind: 'county',
    parentId: null,
    divisionCode: DEMO.county.divisionCode,
  });
  const town = await createOrgUnit(db, { name: DEMO.township, kind: 'township', parentId: county.id });
  const offices = new Map<string, OrgUnitRow>();
  for (const o of DEMO.offices) offices.set(o, await createOrgUnit(db, { name: o, kind: 'office', parentId: town.id }));
  const villageRows: OrgUnitRow[] = [];
  for (const v of DEMO.villages) {
    villageRows.push(
      await createOrgUnit(db, { name: v, kind: v.endsWith('社区') ? 'community' : 'village', parentId: town.id }),
    );
  }
  const office = (n: string) => offices.get(n)!;

  const leadNames: Record<string, string> = {
    镇乡村振兴办: 'zhenban',
    镇村镇所: 'cunzhen',
    镇科教办: 'kejiao',
    镇劳保所: 'laobao',
    镇农业服务中心: 'nongfu',
    镇民政所: 'minzheng',
    镇企业服务办公室: 'qifu',
  };
  const people: { username: string; displayName: string; unit: OrgUnitRow; roles: Role[]; head: boolean }[] = [
    { username: 'admin', displayName: '系统管理员', unit: county, roles: ['admin'], head: false },
    ...Object.entries(leadNames).map(([o, username]) => ({
      username,
      displayName: `${o} 负责人`,
      unit: office(o),
      head: true,
      roles: (username === 'zhenban' ? ['supervisor', 'lead'] : ['lead']) as Role[],
    })),
    {
      username: 'ducha',
      displayName: '镇督查考评办 王科长',
      unit: office('镇督查考评办'),
      roles: ['supervisor'],
      head: false,
    },
    ...villageRows.map((v, i) => ({
      username: `cun${String(i + 1).padStart(2, '0')}`,
      displayName: `${v.name} 村干部`,
      unit: v,
      roles: ['handler'] as Role[],
      head: false,
    })),
  ];
  // argon2id once; every bench user shares the hash.
  const hash = await hashPassword(BENCH_PASSWORD);
  const rows = await db
    .insert(users)
    .values(
      people.map((p) => ({
        username: p.username,
        displayName: p.displayName,
        unitId: p.unit.id,
        roles: p.roles,
        isUnitHead: p.head,
        passwordHash: hash,
      })),
    )
    .returning({ id: users.id, username: users.username });
  const byName = new Map<string, BenchUser>();
  for (const p of people) {
    const id = rows.find((r) => r.username === p.username)!.id;
    byName.set(p.username, {
      username: p.username,
      actor: { userId: id, unitId: p.unit.id, unitPath: p.unit.path, roles: p.roles },
    });
  }

  const settings: CampaignSettings = { ...DEFAULT_SETTINGS, recheckSeed: `bench-${year}` };
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: DEMO.campaignName(year),
      ownerUnitId: office('镇乡村振兴办').id,
      areaUnitId: town.id,
      startsOn: `${year}-03-01`,
      endsOn: `${year + 1}-06-30`,
      settings,
    })
    .returning({ id: campaigns.id });
  const cats: Cat[] = [];
  for (const [i, c] of DEMO.categories.entries()) {
    const lead = office(c.lead);
    const [row] = await db
      .insert(categories)
      .values({
        campaignId: campaign!.id,
        code: c.code,
        name: c.name,
        leadUnitId: lead.id,
        problemTypes: [...c.problemTypes],
        measures: [...c.measures],
        focusQuarters: [...c.quarters],
        sortOrder: i + 1,
      })
      .returning({ id: categories.id });
    cats.push({
      id: row!.id,
      lead: byName.get(leadNames[c.lead]!)!,
      leadUnit: { id: lead.id, path: lead.path },
      data: c,
    });
  }
  const villages = villageRows.map((v, i) => ({
    unit: { id: v.id, path: v.path },
    name: v.name,
    handler: byName.get(`cun${String(i + 1).padStart(2, '0')}`)!,
  }));
  const o = office('镇乡村振兴办');
  return {
    campaignId: campaign!.id,
    villages,
    supervisor: byName.get('zhenban')!,
    office: { id: o.id, path: o.path },
    cats,
    settings,
  };
}

// ------------------------------------------------------------------ bulk insert

async function insertBatch(pool: pg.Pool, b: BatchOut) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(populateSql('items', ITEM_COLS), [b.items]);
    await client.query(populateSql('item_events', EVENT_COLS), [b.events]);
    if (b.milestoneCount) await client.query(populateSql('milestones', MILESTONE_COLS), [b.milestones]);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Generator workers (one per core), each fed batches; results come back in any order. */
function startGenerators(world: Seeded, count: number) {
  const workers = Array.from(
    { length: count },
    () =>
      new Worker(new URL('./worker-boot.mjs', import.meta.url), {
        workerData: { entry: './load-worker.ts', world },
      }),
  );
  const pending = new Map<Worker, { resolve: (o: BatchOut) => void; reject: (e: Error) => void }[]>(
    workers.map((w) => [w, []]),
  );
  for (const w of workers) {
    w.on('message', (m: { ok: true; out: BatchOut } | { ok: false; error: string }) => {
      const p = pending.get(w)!.shift()!;
      if (m.ok) p.resolve(m.out);
      else p.reject(new Error(`generator worker: ${m.error}`));
    });
    w.on('error', (err) => {
      for (const p of pending.get(w)!.splice(0)) p.reject(err);
    });
  }
  let next = 0;
  return {
    run(job: BatchJob): Promise<BatchOut> {
      const w = workers[next++ % workers.length]!;
      return new Promise((resolve, reject) => {
        pending.get(w)!.push({ resolve, reject });
        w.postMessage(job);
      });
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

// ------------------------------------------------------------------ checks

/** The engine's row and the generator's row, both as PostgreSQL stores them (to_jsonb of the typed record). */
async function compareWithEngine(pool: pg.Pool, itemId: string, built: Built) {
  const q = async (sql: string, params: unknown[]) =>
    (await pool.query(sql, params)).rows.map((r) => canonicalJson(r.j));
  const pairs: [string, string[], string[]][] = [
    [
      'items',
      // scope_paths and search_grams are generated by PostgreSQL from the columns compared here.
      await q(`select to_jsonb(i) - 'scope_paths' - 'search_grams' as j from items i where id = $1`, [itemId]),
      await q(
        `select to_jsonb(r) - 'scope_paths' - 'search_grams' as j from jsonb_populate_recordset(null::items, $1::jsonb) r`,
        [JSON.stringify([built.item])],
      ),
    ],
    [
      'item_events',
      await q(`select to_jsonb(e) - 'recorded_at' as j from item_events e where item_id = $1 order by seq`, [itemId]),
      await q(
        `select to_jsonb(r) - 'recorded_at' as j from jsonb_populate_recordset(null::item_events, $1::jsonb) r order by seq`,
        [JSON.stringify(built.events)],
      ),
    ],
    [
      'milestones',
      await q(`select to_jsonb(m) as j from milestones m where item_id = $1 order by id`, [itemId]),
      await q(`select to_jsonb(r) as j from jsonb_populate_recordset(null::milestones, $1::jsonb) r order by id`, [
        JSON.stringify(built.milestones),
      ]),
    ],
  ];
  for (const [table, engine, generated] of pairs) {
    if (engine.length !== generated.length || engine.some((e, i) => e !== generated[i])) {
      throw new Error(
        `generator and engine disagree on ${table} for item ${itemId}:\n engine:    ${engine.join('\n            ')}\n generator: ${generated.join('\n            ')}`,
      );
    }
  }
}

async function checkItem(db: Db, pool: pg.Pool, id: string) {
  const verdict = await verifyItemChain(db, id);
  if (!verdict.ok) throw new Error(`audit chain of item ${id} does not verify: ${verdict.reason}`);
  const { rows: evs } = await pool.query(
    `select type, at, actor_id, data from item_events where item_id = $1 order by seq`,
    [id],
  );
  const {
    rows: [row],
  } = await pool.query(`select state from items where id = $1`, [id]);
  const folded = fold(
    evs.map(
      (e) => ({ type: e.type, at: new Date(e.at).toISOString(), actorId: e.actor_id, data: e.data }) as ItemEvent,
    ),
  );
  if (canonicalJson(folded) !== canonicalJson(row.state))
    throw new Error(`item ${id}: stored state is not the fold of its events`);
  return verdict.events;
}

/** Verify the audit chain (and state = fold(events)) of a few items; returns what was checked. */
export async function verifySample(db: Db, ids: string[]) {
  const out: { id: string; status: string; events: number }[] = [];
  for (const id of ids) {
    const events = await checkItem(db, db.$client, id);
    const {
      rows: [r],
    } = await db.$client.query(`select status from items where id = $1`, [id]);
    out.push({ id, status: r.status, events });
  }
  return out;
}

// ------------------------------------------------------------------ load

/**
 * Whole days to generate the world back so that `share` of its items are past their deadline now: the
 * first batches generated in memory (same seeds as the load), their n-th earliest deadline's end.
 */
function daysBackFor(w: Seeded, calendar: CalendarData, items: number, share: number, nowMs: number): number {
  const deadlines: string[] = [];
  let sampled = 0;
  for (let from = 1, batch = 0; from < Math.min(items, 4 * BATCH + 1); from += BATCH, batch++) {
    const out = generateBatch(w, calendar, { batch, from, to: Math.min(from + BATCH, items), seed: SEED, nowMs });
    for (const r of JSON.parse(out.items) as { status: string; deadline: string | null }[]) {
      sampled++;
      if ((r.status === 'assigned' || r.status === 'in_progress') && r.deadline) deadlines.push(r.deadline);
    }
  }
  deadlines.sort();
  const nth = deadlines[Math.max(0, Math.floor(sampled * share) - 1)];
  if (!nth) return 0;
  return Math.max(0, Math.ceil((Date.parse(endOfDay(nth)) + 60_000 - nowMs) / DAY));
}

export async function loadWorld(db: Db, opts: LoadOptions): Promise<BenchWorld> {
  const { log } = opts;
  const realNow = Date.now();
  const year = Number(shanghaiDate(new Date(realNow).toISOString()).slice(0, 4));
  const w = await seed(db, year);
  const calendar = OFFICIAL_CALENDAR; // = loadCalendar(db) while calendar_years is empty
  const shiftDays =
    opts.pastDue !== undefined
      ? daysBackFor(w, calendar, opts.items, opts.pastDue, realNow)
      : Math.max(0, Math.floor(opts.shiftDays ?? 0));
  const nowMs = realNow - shiftDays * DAY;
  if (shiftDays > 0)
    log(`  the world is generated ${shiftDays} days back in time (its "now" is ${new Date(nowMs).toISOString()})`);
  const pool = db.$client;
  const counts: Record<ItemStatus, number> = {
    reported: 0,
    assigned: 0,
    in_progress: 0,
    submitted: 0,
    closed: 0,
    verified: 0,
    dismissed: 0,
  };
  const inProgress: BenchItem[] = [];
  const samples = new Map<ItemStatus, string>();
  let eventCount = 0;
  let milestoneCount = 0;

  // Item 0 through the real engine (it takes ledger number 1), then compared with the generator.
  const id0 = crypto.randomUUID();
  const s0 = scriptFor(0, id0, w, mulberry32(SEED), nowMs);
  const clock = {
    t: new Date(),
    now() {
      return this.t;
    },
  };
  const engine = createLocalEngine({ db, env: createEngineEnv(db), clock });
  for (const step of s0.steps) {
    clock.t = new Date(step.at);
    await engine.execute({ itemId: id0, command: step.command, actor: step.actor });
  }
  const b0 = buildItem(id0, 1, s0.steps, w.settings, calendar);
  await compareWithEngine(pool, id0, b0);
  log(`  item 0 written by the engine matches the generator's rows (items, item_events, milestones)`);
  counts[s0.target]++;
  eventCount += b0.events.length;
  milestoneCount += b0.milestones.length;
  if (s0.target === 'in_progress') inProgress.push({ id: id0, village: s0.village });

  // The rest: workers generate batches, this thread writes them (at most 2 in flight).
  const workerCount = Math.max(1, os.cpus().length);
  const gen = startGenerators(w, workerCount);
  const t0 = Date.now();
  let cpuMs = 0;
  try {
    const jobs: BatchJob[] = [];
    for (let from = 1, batch = 0; from < opts.items; from += BATCH, batch++) {
      jobs.push({ batch, from, to: Math.min(from + BATCH, opts.items), seed: SEED, nowMs });
    }
    // A window of batches queued in the workers, consumed in order (bounded memory).
    const window = workerCount * 2;
    const generated: (Promise<BatchOut> | null)[] = jobs.slice(0, window).map((j) => gen.run(j));
    const writes = new Set<Promise<void>>();
    let failure: unknown = null;
    for (let i = 0; i < jobs.length; i++) {
      const b = await generated[i]!;
      generated[i] = null; // a written batch is let go (a million items' rows would not fit the heap)
      if (jobs[i + window]) generated.push(gen.run(jobs[i + window]!));
      cpuMs += b.cpuMs;
      for (const [k, v] of Object.entries(b.counts)) counts[k as ItemStatus] += v;
      for (const [id, village] of b.inProgress) inProgress.push({ id, village });
      for (const [k, id] of Object.entries(b.samples))
        if (!samples.has(k as ItemStatus)) samples.set(k as ItemStatus, id);
      eventCount += b.eventCount;
      milestoneCount += b.milestoneCount;
      while (writes.size >= 2) await Promise.race(writes);
      if (failure) throw failure;
      const p: Promise<void> = insertBatch(pool, b)
        .catch((err) => {
          failure = err;
        })
        .finally(() => {
          writes.delete(p);
        });
      writes.add(p);
      const done = b.batch + 1;
      if (done % 20 === 0)
        log(`  … ${Math.min(done * BATCH + 1, opts.items)} items (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    await Promise.all(writes);
    if (failure) throw failure;
  } finally {
    await gen.close();
  }
  log(
    `  ${opts.items} items: generated on ${workerCount} worker threads (${(cpuMs / 1000).toFixed(1)} s of CPU), written in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  await pool.query(`update campaigns set item_counter = $2 where id = $1`, [w.campaignId, opts.items]);
  const {
    rows: [due],
  } = await pool.query(`select count(*)::int as n from items where next_wake_at <= now() + interval '1 hour'`);
  if (shiftDays > 0)
    log(`  ${due.n} items have a wake-up due now or within the hour (the world is ${shiftDays} days back)`);
  else if (due.n > 0)
    throw new Error(`${due.n} items have a wake-up due within the hour: the sweep would run during the benchmark`);
  const verified = await verifySample(db, [id0, ...samples.values()]);
  log(`  audit chains verify: ${verified.map((v) => `${v.status}(${v.events} events)`).join(', ')}`);

  return {
    campaignId: w.campaignId,
    villages: w.villages,
    supervisor: w.supervisor,
    settings: w.settings,
    calendar,
    inProgress,
    counts,
    events: eventCount,
    milestones: milestoneCount,
    verified,
    generator: { workers: workerCount, cpuSeconds: Math.round(cpuMs / 100) / 10 },
    shiftDays,
  };
}
