// The raw-`pg` baseline: the database work of one progress command without the service — the same
// statements, byte for byte, that local-engine.ts issues through drizzle (texts taken from drizzle's
// toSQL once, at start), on a plain pg pool at the same concurrency:
//   begin; select state, last_hash … for update; update items set <ledger columns>; insert into item_events; commit
// The row contents are computed with the same pure domain code (decide, evolve, eventHash, nextWake,
// ledgerColumns), so the writes are identical and the audit chains of the items it touches stay valid.
import { eq } from 'drizzle-orm';
import pg from 'pg';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { decide, evolve, nextWake } from '../domain/item/index.ts';
import type { Actor, CampaignSettings, ItemState } from '../domain/item/types.ts';
import { eventHash } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { itemEvents, items } from '../db/schema.ts';
import { ledgerColumns } from '../workflows/local/local-engine.ts';
import { percentiles, type Percentiles } from './stats.ts';

interface Compiled { text: string; params: { key: string; json: boolean }[] }

/**
 * Drizzle's SQL text for a statement, and where each of its parameters comes from: the statement is
 * built once with a marker string in every value, and each parameter is traced back to its marker.
 */
function compile(build: (probe: Record<string, string>) => { toSQL(): { sql: string; params: unknown[] } }, keys: string[]): Compiled {
  const probe = Object.fromEntries(keys.map((k) => [k, `\u0001probe:${k}`]));
  const { sql, params } = build(probe).toSQL();
  return {
    text: sql,
    params: params.map((p, i) => {
      if (typeof p === 'string' && p.startsWith('\u0001probe:')) return { key: p.slice(7), json: false };
      if (typeof p === 'string') {
        const inner = JSON.parse(p) as unknown;
        if (typeof inner === 'string' && inner.startsWith('\u0001probe:')) return { key: inner.slice(7), json: true };
      }
      throw new Error(`baseline: cannot trace parameter ${i + 1} of ${sql}`);
    }),
  };
}

const bind = (c: Compiled, values: Record<string, unknown>) =>
  c.params.map(({ key, json }) => (json ? JSON.stringify(values[key]) : values[key]));

export interface BaselineResult {
  opsPerSec: number; ops: number; seconds: number; errors: number;
  latency: Percentiles;
  /** Mean time per statement as seen by the client (ms), and the JS between them. */
  perStatementMs: Record<'begin' | 'select' | 'update' | 'insert' | 'commit' | 'js', number>;
}

export async function rawBaseline(db: Db, url: string, work: { id: string; actor: Actor }[], opts: {
  connections: number; seconds: number; settings: CampaignSettings; calendar: CalendarData; note: string;
}): Promise<BaselineResult> {
  // The engine's three statements, as drizzle renders them (same text, same parameter order).
  const projectionKeys = Object.keys({ ...ledgerColumns(sampleState()), nextWakeAt: null, lastHash: '', updatedAt: '' });
  const select = compile((p) => db.select({ state: items.state, lastHash: items.lastHash }).from(items).where(eq(items.id, p.itemId!)).for('update'), ['itemId']);
  const update = compile((p) => db.update(items).set(Object.fromEntries(projectionKeys.map((k) => [k, p[k]])) as never)
    .where(eq(items.id, p.itemId!)), [...projectionKeys, 'itemId']);
  const eventKeys = ['itemId', 'seq', 'type', 'at', 'actorId', 'data', 'prevHash', 'hash'];
  const insert = compile((p) => db.insert(itemEvents).values([p as never]), eventKeys);

  const pool = new pg.Pool({ connectionString: url, max: opts.connections, application_name: 'bench-baseline' });
  const lat: number[] = [];
  const t = { begin: 0, select: 0, update: 0, insert: 0, commit: 0, js: 0 };
  let ops = 0;
  let errors = 0;
  let firstError: unknown = null;
  const started = performance.now();
  const until = started + opts.seconds * 1000;

  async function worker() {
    const client = await pool.connect();
    try {
      while (performance.now() < until) {
        const { id, actor } = work[Math.floor(Math.random() * work.length)]!;
        const t0 = performance.now();
        try {
          await client.query('begin');
          const t1 = performance.now();
          const { rows: [row] } = await client.query<unknown[]>({ text: select.text, values: bind(select, { itemId: id }), rowMode: 'array' });
          const t2 = performance.now();
          if (!row) throw new Error(`baseline: item ${id} not found`);
          const state = row[0] as ItemState;
          const prevHash = row[1] as string;
          const now = new Date().toISOString();
          const decision = decide(state, { type: 'record_progress', note: opts.note }, { now, actor, settings: opts.settings, calendar: opts.calendar });
          if (!decision.ok) throw new Error(`baseline: progress refused: ${decision.error.message}`);
          const event = decision.events[0]!;
          const after = evolve(state, event);
          const seq = state.version + 1;
          const hash = eventHash(prevHash, { itemId: id, seq, type: event.type, at: event.at, actorId: event.actorId, data: event.data });
          const projection = { ...ledgerColumns(after), nextWakeAt: nextWake(after, { settings: opts.settings, calendar: opts.calendar }), lastHash: hash, updatedAt: now };
          const t3 = performance.now();
          await client.query(update.text, bind(update, { ...projection, itemId: id }));
          const t4 = performance.now();
          await client.query(insert.text, bind(insert, {
            itemId: id, seq, type: event.type, at: event.at, actorId: event.actorId, data: event.data, prevHash, hash,
          }));
          const t5 = performance.now();
          await client.query('commit');
          const t6 = performance.now();
          t.begin += t1 - t0; t.select += t2 - t1; t.js += t3 - t2; t.update += t4 - t3; t.insert += t5 - t4; t.commit += t6 - t5;
          lat.push(t6 - t0);
          ops++;
        } catch (err) {
          errors++;
          firstError ??= err;
          await client.query('rollback').catch(() => {});
        }
      }
    } finally {
      client.release();
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  if (firstError) console.error(`baseline: ${errors} errors, first: ${String(firstError)}`);
  const per = (x: number) => (ops ? x / ops : 0);
  return {
    opsPerSec: ops / seconds, ops, seconds, errors, latency: percentiles(lat),
    perStatementMs: { begin: per(t.begin), select: per(t.select), update: per(t.update), insert: per(t.insert), commit: per(t.commit), js: per(t.js) },
  };
}

/** The statement's column set does not depend on the item; any state will do to list the keys. */
function sampleState(): ItemState {
  const at = '2026-01-05T01:00:00.000Z';
  return evolve(null, { type: 'ItemReported', at, actorId: null, data: {
    itemId: 'x', campaignId: 'c', categoryId: null, source: 'hotline', title: 't', description: 'd', person: null, location: null,
    reportingUnit: { id: 'u', path: '/u/' }, ownerUnit: { id: 'u', path: '/u/' }, leadUnit: null,
  } });
}
