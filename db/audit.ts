// The audit trail's hash chain: every event's hash covers the previous hash and the event itself,
// so changing, removing or reordering a stored event breaks every later link.
import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { itemEvents, items } from './schema.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface ChainedEvent {
  itemId: string;
  seq: number;
  type: string;
  at: string;
  actorId: string | null;
  data: unknown;
}

export function eventHash(prevHash: string, e: ChainedEvent): string {
  const body = canonicalJson({
    itemId: e.itemId,
    seq: e.seq,
    type: e.type,
    at: new Date(e.at).toISOString(),
    actorId: e.actorId,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export type ChainVerdict =
  | { ok: true; events: number; lastHash: string }
  | { ok: false; events: number; brokenAt: number; reason: string };

/** The stored columns of one event, as the chain check needs them. */
export interface StoredLink extends Omit<ChainedEvent, 'itemId'> {
  prevHash: string;
  hash: string;
}

/**
 * Recompute the chain from the first event and name the first link that does not hold; the ledger row's
 * head (version, last hash) must be the chain's end — a deleted last event shows up there.
 */
export function checkChain(
  itemId: string,
  rows: readonly StoredLink[],
  head: { lastHash: string; version: number } | undefined,
): ChainVerdict {
  let prev = GENESIS_HASH;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.seq !== i + 1)
      return { ok: false, events: rows.length, brokenAt: i + 1, reason: `event ${i + 1} is missing` };
    if (r.prevHash !== prev) {
      return {
        ok: false,
        events: rows.length,
        brokenAt: r.seq,
        reason: `event ${r.seq} does not link to event ${r.seq - 1}`,
      };
    }
    const h = eventHash(prev, { itemId, seq: r.seq, type: r.type, at: r.at, actorId: r.actorId, data: r.data });
    if (h !== r.hash) {
      return {
        ok: false,
        events: rows.length,
        brokenAt: r.seq,
        reason: `event ${r.seq} (${r.type}) was changed after it was recorded`,
      };
    }
    prev = r.hash;
  }
  if (head && (head.lastHash !== prev || head.version !== rows.length)) {
    return {
      ok: false,
      events: rows.length,
      brokenAt: rows.length + 1,
      reason: `the ledger row is at version ${head.version} but the trail ends at event ${rows.length}`,
    };
  }
  return { ok: true, events: rows.length, lastHash: prev };
}

export async function verifyItemChain(db: DbOrTx, itemId: string): Promise<ChainVerdict> {
  const rows = await db.select().from(itemEvents).where(eq(itemEvents.itemId, itemId)).orderBy(asc(itemEvents.seq));
  const [head] = await db
    .select({ lastHash: items.lastHash, version: items.version })
    .from(items)
    .where(eq(items.id, itemId));
  return checkChain(itemId, rows, head);
}
