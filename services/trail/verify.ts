// Verifying the trail: each item's chain, its ledger row against the fold of its events, every signed
// checkpoint against what the database holds now, and the dashboard's tallies against the ledger rows. Each divergence is named (campaign, item, ledger
// number, event). Used by GET /items/:id/audit (one item), `zhenggai verify` and the admin endpoint.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { checkChain, type ChainVerdict } from '../../db/audit.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { type CheckpointHead, itemEvents, items, trailCheckpointHeads, trailCheckpoints } from '../../db/schema.ts';

type ItemRow = typeof items.$inferSelect;
type ItemEventRow = typeof itemEvents.$inferSelect;
import type { ItemEvent } from '../../domain/item/types.ts';
import { tallyDrift } from '../../db/queries/tallies.ts';
import { checkpointBody, headsDigest } from './checkpoint.ts';
import { rowDiffersFromFold } from './fold-check.ts';
import type { TrailSigner } from './signer.ts';

export type TrailProblemKind =
  | 'chain_broken'
  | 'row_differs'
  | 'event_missing'
  | 'event_differs'
  | 'item_missing'
  | 'checkpoint_signature'
  | 'checkpoint_sequence'
  | 'tallies_differ';

export interface TrailProblem {
  kind: TrailProblemKind;
  campaignId?: string;
  itemId?: string;
  /** The item's ledger number (序号), when the row exists. */
  ledgerNo?: number;
  seq?: number;
  checkpointNo?: number;
  message: string;
}

export type ItemVerdict = ChainVerdict & { problems: TrailProblem[] };

function checkItem(row: ItemRow, events: readonly ItemEventRow[]): ItemVerdict {
  const chain = checkChain(row.id, events, row);
  const named = { campaignId: row.campaignId, itemId: row.id, ledgerNo: row.seqNo };
  const problems: TrailProblem[] = [];
  if (!chain.ok) problems.push({ kind: 'chain_broken', ...named, seq: chain.brokenAt, message: chain.reason });
  const differs = rowDiffersFromFold(row, events as unknown as ItemEvent[]);
  if (differs.length > 0) {
    problems.push({
      kind: 'row_differs',
      ...named,
      message: `the ledger row is not the fold of its ${events.length} events: ${differs.join('; ')}`,
    });
  }
  if (chain.ok && problems.length > 0) {
    return { ok: false, events: events.length, brokenAt: events.length, reason: problems[0]!.message, problems };
  }
  return { ...chain, problems };
}

/**
 * One item: chain, fold, and the heads the checkpoints recorded for it (their signatures are checked for
 * the whole database by verifyDatabase).
 */
export function verifyItem(db: Db, itemId: string): Promise<ItemVerdict | null> {
  return inSnapshot(db, (tx) => verifyItemIn(tx, itemId));
}

/**
 * The row, its events and the checkpoints read in one snapshot: a command or a timer committing between
 * two of the reads (the Temporal runtime's timers fire at any moment) must not read as a forged row.
 */
function inSnapshot<T>(db: Db, f: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(f, { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function verifyItemIn(db: DbOrTx, itemId: string): Promise<ItemVerdict | null> {
  const [row] = await db.select().from(items).where(eq(items.id, itemId));
  if (!row) return null;
  const events = await db.select().from(itemEvents).where(eq(itemEvents.itemId, itemId)).orderBy(asc(itemEvents.seq));
  const v = checkItem(row, events);
  const anchored = await itemAgainstCheckpoints(db, itemId);
  if (anchored.length === 0) return v;
  const problems = [...v.problems, ...anchored];
  return v.ok
    ? { ok: false, events: v.events, brokenAt: anchored[0]!.seq!, reason: anchored[0]!.message, problems }
    : { ...v, problems };
}

export interface DatabaseVerdict {
  ok: boolean;
  items: number;
  events: number;
  checkpoints: number;
  problems: TrailProblem[];
}

const BATCH = 500;

export function verifyDatabase(
  db: Db,
  signer: Pick<TrailSigner, 'keyId' | 'verify'>,
  opts: { campaignId?: string } = {},
): Promise<DatabaseVerdict> {
  return inSnapshot(db, (tx) => verifyDatabaseIn(tx, signer, opts));
}

async function verifyDatabaseIn(
  db: DbOrTx,
  signer: Pick<TrailSigner, 'keyId' | 'verify'>,
  opts: { campaignId?: string },
): Promise<DatabaseVerdict> {
  const problems: TrailProblem[] = [];
  let itemCount = 0;
  let eventCount = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await db
      .select()
      .from(items)
      .where(and(gt(items.id, after), opts.campaignId ? eq(items.campaignId, opts.campaignId) : undefined))
      .orderBy(asc(items.id))
      .limit(BATCH);
    if (batch.length === 0) break;
    const events = await db
      .select()
      .from(itemEvents)
      .where(
        inArray(
          itemEvents.itemId,
          batch.map((r) => r.id),
        ),
      )
      .orderBy(asc(itemEvents.itemId), asc(itemEvents.seq));
    const byItem = new Map<string, ItemEventRow[]>();
    for (const e of events) (byItem.get(e.itemId) ?? byItem.set(e.itemId, []).get(e.itemId)!).push(e);
    for (const row of batch) problems.push(...checkItem(row, byItem.get(row.id) ?? []).problems);
    itemCount += batch.length;
    eventCount += events.length;
    after = batch.at(-1)!.id;
  }
  const checkpoints = await verifyCheckpoints(db, signer, opts.campaignId, problems);
  problems.push(...(await tallyProblems(db, opts.campaignId)));
  return { ok: problems.length === 0, items: itemCount, events: eventCount, checkpoints, problems };
}

/** The dashboard's tallies against a count of the items, in the same snapshot (db/schema/tallies.ts). */
async function tallyProblems(db: DbOrTx, campaignId: string | undefined): Promise<TrailProblem[]> {
  const drift = await tallyDrift(db, campaignId);
  const shown = drift.slice(0, 20).map((d) => ({
    kind: 'tallies_differ' as const,
    campaignId: d.campaignId,
    message:
      `the dashboard counts ${d.kept} where the ledger holds ${d.counted} item(s) (status ${d.status}, ` +
      `responsible unit ${d.responsibleUnitId ?? 'none'}, reported ${d.reportedMonth.slice(0, 7)}): ` +
      'the tallies were written behind the trigger; as the database owner, select rebuild_item_tallies()',
  }));
  if (drift.length > shown.length) {
    shown.push({ ...shown[0]!, message: `… and ${drift.length - shown.length} more tallies that differ` });
  }
  return shown;
}

async function verifyCheckpoints(
  db: DbOrTx,
  signer: Pick<TrailSigner, 'keyId' | 'verify'>,
  campaignId: string | undefined,
  problems: TrailProblem[],
): Promise<number> {
  const list = await db
    .select()
    .from(trailCheckpoints)
    .where(campaignId ? eq(trailCheckpoints.campaignId, campaignId) : undefined)
    .orderBy(asc(trailCheckpoints.campaignId), asc(trailCheckpoints.no));
  // Signatures and sequence: rebuild each campaign's full list of heads from the stored changes.
  let prev = null as { campaignId: string; no: number; signature: string } | null;
  let heads = new Map<string, CheckpointHead>();
  for (const c of list) {
    const at = { campaignId: c.campaignId, checkpointNo: c.no };
    if (prev?.campaignId !== c.campaignId) heads = new Map();
    const expectedNo: number = prev?.campaignId === c.campaignId ? prev.no + 1 : 1;
    const expectedPrev = prev?.campaignId === c.campaignId ? prev.signature : null;
    if (c.no !== expectedNo || c.prevSignature !== expectedPrev) {
      problems.push({
        kind: 'checkpoint_sequence',
        ...at,
        message: `checkpoint #${c.no} does not follow checkpoint #${expectedNo - 1}: a checkpoint was removed or replaced`,
      });
    }
    const changes = await db.select().from(trailCheckpointHeads).where(eq(trailCheckpointHeads.checkpointId, c.id));
    for (const h of changes) heads.set(h.itemId, [h.itemId, h.seq, h.hash]);
    if (c.keyId !== signer.keyId) {
      problems.push({
        kind: 'checkpoint_signature',
        ...at,
        message: `checkpoint #${c.no} was signed with key ${c.keyId}, not this key (${signer.keyId})`,
      });
    } else if (
      !signer.verify(checkpointBody(c), c.signature) ||
      changes.length !== c.changed ||
      heads.size !== c.items ||
      headsDigest(heads.values()) !== c.headsDigest
    ) {
      problems.push({
        kind: 'checkpoint_signature',
        ...at,
        message: `checkpoint #${c.no} of ${c.at} does not match its signature: it or its heads were changed after signing`,
      });
    }
    prev = { campaignId: c.campaignId, no: c.no, signature: c.signature };
  }
  // Every recorded head against the trail as it is now; only the differing ones come back.
  const r = await db.execute<DivergentHead>(sql`
    select h.item_id, h.seq, c.no, c.at, c.campaign_id, e.hash is null as gone, i.seq_no
    from trail_checkpoint_heads h join trail_checkpoints c on c.id = h.checkpoint_id
    left join item_events e on e.item_id = h.item_id and e.seq = h.seq
    left join items i on i.id = h.item_id
    where e.hash is distinct from h.hash ${campaignId ? sql`and c.campaign_id = ${campaignId}` : sql``}
    order by h.item_id, h.seq, c.no`);
  problems.push(...namedDivergences(r.rows));
  return list.length;
}

type DivergentHead = {
  item_id: string;
  seq: number;
  no: number;
  at: string;
  campaign_id: string;
  gone: boolean;
  seq_no: number | null;
};

/** One problem per item: the earliest event a checkpoint recorded that is now gone or different. */
function namedDivergences(rows: DivergentHead[]): TrailProblem[] {
  const out: TrailProblem[] = [];
  const seen = new Set<string>();
  for (const d of rows) {
    if (seen.has(d.item_id)) continue;
    seen.add(d.item_id);
    const at = new Date(d.at).toISOString();
    const named = {
      campaignId: d.campaign_id,
      checkpointNo: d.no,
      itemId: d.item_id,
      seq: d.seq,
      ...(d.seq_no !== null ? { ledgerNo: d.seq_no } : {}),
    };
    if (d.seq_no === null) {
      out.push({
        kind: 'item_missing',
        ...named,
        message: `item ${d.item_id} is gone; checkpoint #${d.no} (${at}) recorded it at event ${d.seq}`,
      });
    } else if (d.gone) {
      out.push({
        kind: 'event_missing',
        ...named,
        message: `event ${d.seq} of item ${d.item_id} (ledger no. ${d.seq_no}) is gone; checkpoint #${d.no} (${at}) recorded it`,
      });
    } else {
      out.push({
        kind: 'event_differs',
        ...named,
        message: `event ${d.seq} of item ${d.item_id} (ledger no. ${d.seq_no}) is not the one checkpoint #${d.no} (${at}) recorded: the trail up to it was rewritten`,
      });
    }
  }
  return out;
}

/** The checkpoints' record of one item against its trail now (for GET /items/:id/audit). */
export async function itemAgainstCheckpoints(db: DbOrTx, itemId: string): Promise<TrailProblem[]> {
  const r = await db.execute<DivergentHead>(sql`
    select h.item_id, h.seq, c.no, c.at, c.campaign_id, e.hash is null as gone, i.seq_no
    from trail_checkpoint_heads h join trail_checkpoints c on c.id = h.checkpoint_id
    left join item_events e on e.item_id = h.item_id and e.seq = h.seq
    left join items i on i.id = h.item_id
    where h.item_id = ${itemId} and e.hash is distinct from h.hash
    order by h.seq, c.no`);
  return namedDivergences(r.rows);
}
