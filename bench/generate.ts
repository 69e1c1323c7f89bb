// Generating items in memory, as the local engine would have written them: the commands the API
// would send (report → assign → accept), run through the pure domain (decide, evolve, nextWake),
// the hash chain (eventHash from GENESIS_HASH) and the ledger columns (ledgerColumns) — the same
// steps as workflows/local/local-engine.ts, minus the database. Used by the loader's workers and,
// for the engine cross-check, by the loader itself.
import { mulberry32 } from '../bin/prng.ts';
import { getTableColumns, type Table } from 'drizzle-orm';
import { DEMO, NAMES } from '../bin/demo-data.ts';
import { shanghaiDate } from '../domain/calendar/calendar.ts';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { decide, evolve, nextWake } from '../domain/item/index.ts';
import type {
  Actor,
  CampaignSettings,
  ItemCommand,
  ItemEvent,
  ItemSource,
  ItemState,
  ItemStatus,
  UnitRef,
} from '../domain/item/types.ts';
import { eventHash, GENESIS_HASH } from '../db/audit.ts';
import { itemEvents, items, milestones } from '../db/schema.ts';
import { ledgerColumns } from '../workflows/ledger.ts';

const DAY = 86_400_000;

export interface BenchUser {
  username: string;
  actor: Actor;
}
export interface BenchVillage {
  unit: UnitRef;
  name: string;
  handler: BenchUser;
}
export interface Cat {
  id: string;
  lead: BenchUser;
  leadUnit: UnitRef;
  data: (typeof DEMO.categories)[number];
}
/** What the seed created: plain data, so it can be sent to the generator workers. */
export interface Seeded {
  campaignId: string;
  villages: BenchVillage[];
  supervisor: BenchUser;
  office: UnitRef;
  cats: Cat[];
  settings: CampaignSettings;
}
export interface Step {
  at: string;
  actor: Actor;
  command: ItemCommand;
}

const SOURCES: ItemSource[] = [
  'screening',
  'screening',
  'self_report',
  'department_screening',
  'third_party',
  'inspection',
  'petition',
  'hotline',
  'audit',
];

/**
 * The commands one item receives, as the API would send them. Everything happened in the last
 * 4–25 days and deadlines lie weeks ahead, so no timer is due when the benchmark runs (the wake-up
 * sweep finds nothing, as in a steady state) — the loader checks this.
 */
export function scriptFor(
  n: number,
  itemId: string,
  w: Seeded,
  rnd: () => number,
  nowMs: number,
): { steps: Step[]; village: number; target: ItemStatus } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const vi = n % w.villages.length;
  const village = w.villages[vi]!;
  const cat = pick(w.cats);
  const r = rnd();
  const target: ItemStatus = r < 0.1 ? 'reported' : r < 0.2 ? 'assigned' : 'in_progress';
  const source = pick(SOURCES);
  const reporter = source === 'self_report' || source === 'screening' ? village.handler : w.supervisor;
  const family = pick(NAMES.family);
  let t = Math.floor(nowMs - (4 + rnd() * 21) * DAY);
  const at = () => new Date(t).toISOString();
  const steps: Step[] = [
    {
      at: at(),
      actor: reporter.actor,
      command: {
        type: 'report',
        itemId,
        campaignId: w.campaignId,
        categoryId: cat.id,
        source,
        title: `${village.name}${family}某户：${pick(cat.data.samples)}`,
        description: `${cat.data.name}排查发现：${village.name}${family}${pick(NAMES.given)}户，${pick(cat.data.problemTypes)}。`,
        person: {
          name: `${family}${pick(NAMES.given)}`,
          phone: `13${Math.floor(100000000 + rnd() * 899999999)}`,
          idNumber: `410308${1950 + Math.floor(rnd() * 60)}0${1 + Math.floor(rnd() * 9)}1${Math.floor(rnd() * 10)}${Math.floor(100 + rnd() * 899)}${Math.floor(rnd() * 10)}`,
        },
        location: `${DEMO.township}${village.name}`,
        reportingUnit: { id: reporter.actor.unitId, path: reporter.actor.unitPath },
        ownerUnit: w.office,
        leadUnit: cat.leadUnit,
      },
    },
  ];
  if (target === 'reported') return { steps, village: vi, target };

  t += Math.floor((0.3 + rnd()) * DAY);
  const today = shanghaiDate(at());
  const plus = (d: number) => new Date(Date.parse(today) + d * DAY).toISOString().slice(0, 10);
  const phased = rnd() < 0.6;
  const span = 40 + Math.floor(rnd() * 60);
  steps.push({
    at: at(),
    actor: cat.lead.actor,
    command: phased
      ? {
          type: 'assign',
          responsibleUnit: village.unit,
          measures: pick(cat.data.measures),
          mode: 'phased',
          deadline: plus(span),
          milestones: [
            { id: 'm1', title: '制定整改方案、排出时间节点', dueOn: plus(Math.floor(span / 3)) },
            { id: 'm2', title: '整改完成、对账销号', dueOn: plus(span) },
          ],
        }
      : {
          type: 'assign',
          responsibleUnit: village.unit,
          measures: pick(cat.data.measures),
          mode: 'immediate',
          days: 30 + Math.floor(rnd() * 30),
        },
  });
  if (target === 'assigned') return { steps, village: vi, target };

  t += Math.floor((0.1 + rnd() * 0.8) * DAY);
  steps.push({ at: at(), actor: village.handler.actor, command: { type: 'accept' } });
  return { steps, village: vi, target };
}

/** A row keyed by database column name, from values keyed like the drizzle table (as the engine passes them). */
function toColumns(table: Table, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    if (!(key in values)) continue;
    const v = values[key];
    if (v === undefined) throw new Error(`column ${col.name}: undefined (drizzle would write the default)`);
    out[col.name] = v;
  }
  return out;
}

export interface Built {
  item: Record<string, unknown>;
  events: Record<string, unknown>[];
  milestones: Record<string, unknown>[];
  state: ItemState;
}

/** What local-engine.ts writes for these commands: the same decide → chain → evolve → ledgerColumns → nextWake. */
export function buildItem(
  itemId: string,
  seqNo: number,
  steps: Step[],
  settings: CampaignSettings,
  calendar: CalendarData,
): Built {
  let state: ItemState | null = null;
  let prev = GENESIS_HASH;
  let updatedAt = '';
  let syncMilestones = false;
  const events: Record<string, unknown>[] = [];
  for (const step of steps) {
    const ctx = { now: step.at, actor: step.actor, settings, calendar };
    const decision = decide(state, step.command, ctx);
    if (!decision.ok)
      throw new Error(`generator: ${step.command.type} refused (${decision.error.code}): ${decision.error.message}`);
    const from: number = state?.version ?? 0;
    decision.events.forEach((event: ItemEvent, i) => {
      const seq = from + i + 1;
      const hash = eventHash(prev, {
        itemId,
        seq,
        type: event.type,
        at: event.at,
        actorId: event.actorId,
        data: event.data,
      });
      events.push(
        toColumns(itemEvents, {
          itemId,
          seq,
          type: event.type,
          at: event.at,
          actorId: event.actorId,
          data: event.data,
          prevHash: prev,
          hash,
        }),
      );
      prev = hash;
    });
    for (const e of decision.events) state = evolve(state, e);
    if (decision.events.length > 0) updatedAt = ctx.now;
    if (decision.events.some((e) => e.type === 'ItemAssigned' || e.type === 'MilestoneCompleted'))
      syncMilestones = true;
  }
  const after = state!;
  const projection = {
    ...ledgerColumns(after),
    nextWakeAt: nextWake(after, { settings, calendar }),
    lastHash: prev,
    updatedAt,
  };
  return {
    item: toColumns(items, { id: itemId, seqNo, ...projection }),
    events,
    milestones: syncMilestones
      ? after.milestones.map((m) =>
          toColumns(milestones, { itemId, id: m.id, title: m.title, dueOn: m.dueOn, completedAt: m.completedAt }),
        )
      : [],
    state: after,
  };
}

// Bulk insert: one jsonb parameter per table, unpacked server-side into typed rows.
/** Generated columns (scope_paths, search_grams) are PostgreSQL's to write. */
export const ITEM_COLS = Object.values(getTableColumns(items))
  .filter((c) => !c.generated)
  .map((c) => c.name);
/** recorded_at keeps its default (now()), as with the engine's insert. */
export const EVENT_COLS = Object.values(getTableColumns(itemEvents))
  .map((c) => c.name)
  .filter((c) => c !== 'recorded_at');
export const MILESTONE_COLS = Object.values(getTableColumns(milestones)).map((c) => c.name);

export function populateSql(table: string, cols: string[]) {
  const list = cols.map((c) => `"${c}"`).join(', ');
  return `insert into "${table}" (${list}) select ${list} from jsonb_populate_recordset(null::"${table}", $1::jsonb)`;
}

export interface BatchJob {
  batch: number;
  from: number;
  to: number;
  seed: number;
  nowMs: number;
}
export interface BatchOut {
  batch: number;
  /** JSON arrays of rows, ready to be the jsonb parameter. */
  items: string;
  events: string;
  milestones: string;
  counts: Partial<Record<ItemStatus, number>>;
  inProgress: [string, number][];
  samples: Partial<Record<ItemStatus, string>>;
  eventCount: number;
  milestoneCount: number;
  cpuMs: number;
}

/** Items from..to-1 (item n gets ledger number n + 1), reproducible from the batch's seed (ids aside). */
export function generateBatch(w: Seeded, calendar: CalendarData, job: BatchJob): BatchOut {
  const t0 = performance.now();
  const rnd = mulberry32((job.seed + Math.imul(job.batch + 1, 0x9e3779b1)) >>> 0);
  const out: BatchOut = {
    batch: job.batch,
    items: '',
    events: '',
    milestones: '',
    counts: {},
    inProgress: [],
    samples: {},
    eventCount: 0,
    milestoneCount: 0,
    cpuMs: 0,
  };
  const itemRows: unknown[] = [];
  const eventRows: unknown[] = [];
  const milestoneRows: unknown[] = [];
  for (let n = job.from; n < job.to; n++) {
    const id = crypto.randomUUID();
    const s = scriptFor(n, id, w, rnd, job.nowMs);
    const b = buildItem(id, n + 1, s.steps, w.settings, calendar);
    itemRows.push(b.item);
    for (const e of b.events) eventRows.push(e);
    for (const m of b.milestones) milestoneRows.push(m);
    out.counts[s.target] = (out.counts[s.target] ?? 0) + 1;
    if (s.target === 'in_progress') out.inProgress.push([id, s.village]);
    out.samples[s.target] ??= id;
  }
  out.items = JSON.stringify(itemRows);
  out.events = JSON.stringify(eventRows);
  out.milestones = JSON.stringify(milestoneRows);
  out.eventCount = eventRows.length;
  out.milestoneCount = milestoneRows.length;
  out.cpuMs = performance.now() - t0;
  return out;
}

export { mulberry32 };
