// The raw-`pg` baseline: the database work of one progress command without the service — the same
// named prepared statements, byte for byte, that local-engine.ts issues through drizzle (its
// `statements`, rendered once at start), on a plain pg pool at the same concurrency:
//   begin; select state, last_hash, … (scope check) for update; update items set <ledger columns>; insert into item_events; commit
// The row contents are computed with the same pure domain code (decide, evolve, eventHash, nextWake,
// ledgerColumns), so the writes are identical and the audit chains of the items it touches stay valid.
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { decide, evolve, nextWake } from '../domain/item/index.ts';
import type { Actor, CampaignSettings, ItemState } from '../domain/item/types.ts';
import { eventHash } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { listQueryConfig, subtreePattern, type ItemFilters, type Reader } from '../db/queries/items.ts';
import { ledgerColumns, statements } from '../workflows/ledger.ts';
import { percentiles, type Percentiles } from './stats.ts';

/** A prepared statement's name, SQL text and parameter order (drizzle's placeholders, in order). */
interface Compiled {
  name: string;
  text: string;
  params: string[];
}

function compile(q: { getQuery(): { sql: string; params: unknown[] } }, name: string): Compiled {
  const { sql, params } = q.getQuery();
  return {
    name,
    text: sql,
    params: params.map((p, i) => {
      // A placeholder, or (in set/values) a column-typed parameter holding one.
      const ph = p as { name?: unknown; value?: { name?: unknown } } | null;
      const key = ph?.name ?? ph?.value?.name;
      if (typeof key !== 'string') throw new Error(`baseline: parameter ${i + 1} of ${name} is not a placeholder`);
      return key;
    }),
  };
}

/** Values in placeholder order, encoded as drizzle encodes them (jsonb columns as JSON text). */
const bind = (c: Compiled, values: Record<string, unknown>, json: Set<string>) =>
  c.params.map((key) => (json.has(key) ? JSON.stringify(values[key]) : values[key]));

export interface BaselineResult {
  opsPerSec: number;
  ops: number;
  seconds: number;
  errors: number;
  latency: Percentiles;
  /** Mean time per statement as seen by the client (ms), and the JS between them. */
  perStatementMs: Record<'begin' | 'select' | 'update' | 'insert' | 'commit' | 'js', number>;
}

export async function rawBaseline(
  db: Db,
  url: string,
  work: { id: string; actor: Actor }[],
  opts: {
    connections: number;
    seconds: number;
    settings: CampaignSettings;
    calendar: CalendarData;
    note: string;
  },
): Promise<BaselineResult> {
  // The engine's statements, exactly as it prepares them (same names, texts, parameter order).
  const select = compile(statements.lock(db, true), 'engine_lock_scoped');
  const update = compile(statements.update(db), 'engine_update');
  const insert = compile(statements.append(db, 1), 'engine_append_1');
  const json = new Set(['state', 'data0']);
  const run = (client: pg.PoolClient, c: Compiled, values: Record<string, unknown>, rowMode?: 'array') =>
    client.query<unknown[]>({
      name: c.name,
      text: c.text,
      values: bind(c, values, json),
      ...(rowMode ? { rowMode } : {}),
    });

  const t = { begin: 0, select: 0, update: 0, insert: 0, commit: 0, js: 0 };
  const d = await drive(url, 'bench-baseline', opts, async (client) => {
    const { id, actor } = work[Math.floor(Math.random() * work.length)]!;
    const t0 = performance.now();
    try {
      await client.query('begin');
      const t1 = performance.now();
      const {
        rows: [row],
      } = await run(client, select, { itemId: id, scope: subtreePattern(actor.unitPath) }, 'array');
      const t2 = performance.now();
      if (row?.[3] !== true) throw new Error(`baseline: item ${id} not found, or outside its handler's scope`);
      const state = row[0] as ItemState;
      const prevHash = row[1] as string;
      const now = new Date().toISOString();
      const decision = decide(
        state,
        { type: 'record_progress', note: opts.note },
        { now, actor, settings: opts.settings, calendar: opts.calendar },
      );
      if (!decision.ok) throw new Error(`baseline: progress refused: ${decision.error.message}`);
      const event = decision.events[0]!;
      const after = evolve(state, event);
      const seq = state.version + 1;
      const hash = eventHash(prevHash, {
        itemId: id,
        seq,
        type: event.type,
        at: event.at,
        actorId: event.actorId,
        data: event.data,
      });
      const projection = {
        ...ledgerColumns(after),
        nextWakeAt: nextWake(after, { settings: opts.settings, calendar: opts.calendar }),
        lastHash: hash,
        updatedAt: now,
      };
      const t3 = performance.now();
      await run(client, update, { ...projection, itemId: id });
      const t4 = performance.now();
      await run(client, insert, {
        itemId: id,
        seq0: seq,
        type0: event.type,
        at0: event.at,
        actorId0: event.actorId,
        data0: event.data,
        prevHash0: prevHash,
        hash0: hash,
      });
      const t5 = performance.now();
      await client.query('commit');
      const t6 = performance.now();
      t.begin += t1 - t0;
      t.select += t2 - t1;
      t.js += t3 - t2;
      t.update += t4 - t3;
      t.insert += t5 - t4;
      t.commit += t6 - t5;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    }
  });
  const { ops } = d;
  const per = (x: number) => (ops ? x / ops : 0);
  return {
    opsPerSec: d.opsPerSec,
    ops,
    seconds: d.seconds,
    errors: d.errors,
    latency: d.latency,
    perStatementMs: {
      begin: per(t.begin),
      select: per(t.select),
      update: per(t.update),
      insert: per(t.insert),
      commit: per(t.commit),
      js: per(t.js),
    },
  };
}

export interface ListBaselineResult {
  opsPerSec: number;
  ops: number;
  seconds: number;
  errors: number;
  latency: Percentiles;
  rows: number;
}

/**
 * The raw-`pg` baseline of the ledger page: the list's query exactly as listItems runs it for this
 * reader and these filters (listQueryConfig: the same text, values, array rows and type parsers; jsonb
 * parsed by pg), on a plain pg pool at the same concurrency. What PostgreSQL and the driver cost without
 * the service: no HTTP, auth, masking or JSON response.
 */
export async function rawListBaseline(
  db: Parameters<typeof listQueryConfig>[0],
  url: string,
  opts: {
    reader: Reader;
    filters: ItemFilters;
    connections: number;
    seconds: number;
  },
): Promise<ListBaselineResult> {
  const query = listQueryConfig(db, opts.reader, opts.filters, { sort: 'reportedAt', order: 'desc', limit: 50 });
  let rows = 0;
  const d = await drive(url, 'bench-baseline-list', opts, async (client) => {
    rows = (await client.query(query)).rows.length;
  });
  return { ...d, rows };
}

/**
 * `connections` clients, each running `op` back to back for `seconds`: throughput, latency of each op,
 * and errors (the first one printed). The same loop for every baseline.
 */
async function drive(
  url: string,
  name: string,
  opts: { connections: number; seconds: number },
  op: (client: pg.PoolClient) => Promise<void>,
) {
  const pool = new pg.Pool({ connectionString: url, max: opts.connections, application_name: name });
  const lat: number[] = [];
  let ops = 0;
  let errors = 0;
  let firstError: unknown = null;
  const started = performance.now();
  const until = started + opts.seconds * 1000;
  async function worker() {
    const client = await pool.connect();
    try {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          await op(client);
          lat.push(performance.now() - t0);
          ops++;
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    } finally {
      client.release();
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  if (firstError) console.error(`${name}: ${errors} errors, first: ${String(firstError)}`);
  return { opsPerSec: ops / seconds, ops, seconds, errors, latency: percentiles(lat) };
}

/**
 * The raw list baseline in a worker thread (raw-list-worker.ts): started once, then `run(seconds)` as often as
 * needed (the warm-up, then the measured run), so its start-up falls in no measured window.
 */
export async function rawListWorker(url: string, opts: { reader: Reader; filters: ItemFilters; connections: number }) {
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: { entry: './raw-list-worker.ts', url, ...opts },
  });
  const replies: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  worker.on('message', (m) => replies.shift()?.resolve(m));
  worker.on('error', (err) => {
    for (const r of replies.splice(0)) r.reject(err);
  });
  const next = () => new Promise<unknown>((resolve, reject) => replies.push({ resolve, reject }));
  const ready = await next();
  if (ready !== 'ready') throw new Error(`raw list worker: unexpected first message ${JSON.stringify(ready)}`);
  return {
    async run(seconds: number): Promise<ListBaselineResult> {
      const reply = next();
      worker.postMessage({ seconds });
      const m = (await reply) as { ok: true; result: ListBaselineResult } | { ok: false; error: string };
      if (!m.ok) throw new Error(`raw list worker: ${m.error}`);
      return m.result;
    },
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}
