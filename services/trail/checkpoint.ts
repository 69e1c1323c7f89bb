// Making a checkpoint: the head of every item of one campaign, signed, chained to the campaign's previous
// checkpoint. Hourly (a BullMQ job scheduler) and at each bulletin; an hourly one is skipped when no item
// moved since the last, so quiet campaigns do not pile up rows. Only the heads that moved are stored.
import { createHash } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { canonicalJson } from '../../db/audit.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import {
  type CheckpointHead,
  type TrailCheckpointRow,
  trailCheckpointHeads,
  trailCheckpoints,
} from '../../db/schema.ts';
import type { TrailSigner } from './signer.ts';

export type CheckpointReason = 'hourly' | 'bulletin' | 'manual';

/** What the signature covers (the heads through their digest). */
export function checkpointBody(c: Omit<TrailCheckpointRow, 'id' | 'signature'>): string {
  return canonicalJson({
    campaignId: c.campaignId,
    no: c.no,
    at: new Date(c.at).toISOString(),
    reason: c.reason,
    roundId: c.roundId,
    roundVersion: c.roundVersion,
    items: c.items,
    changed: c.changed,
    headsDigest: c.headsDigest,
    prevSignature: c.prevSignature,
    keyId: c.keyId,
  });
}

/** SHA-256 of the full list of heads, sorted by item id. */
export function headsDigest(heads: Iterable<CheckpointHead>): string {
  const list = [...heads].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash('sha256').update(canonicalJson(list)).digest('hex');
}

/** Heads are read this many items at a time: memory stays bounded however large the campaign. */
const HEADS_PAGE = 5000;

/**
 * The head of every item of the campaign now, in item id order, and whether each moved since its last
 * recorded head, as a cursor: one snapshot for the whole pass (as one statement would read it), read a page
 * at a time and read twice (digest, then the moved heads stored), so no pass holds every head in memory.
 */
async function openHeads(tx: DbOrTx, campaignId: string) {
  await tx.execute(sql`
    declare checkpoint_heads scroll cursor for
    select i.id as item_id, e.seq, e.hash, (p.seq is distinct from e.seq or p.hash is distinct from e.hash) as moved
    from items i
    join lateral (select seq, hash from item_events where item_id = i.id order by seq desc limit 1) e on true
    left join lateral (
      select h.seq, h.hash from trail_checkpoint_heads h join trail_checkpoints c on c.id = h.checkpoint_id
      where h.item_id = i.id order by c.no desc limit 1) p on true
    where i.campaign_id = ${campaignId}
    order by i.id`);
  // Closed with the transaction.
  return async function* pages(pageSize: number) {
    await tx.execute(sql`move absolute 0 in checkpoint_heads`);
    for (;;) {
      const r = await tx.execute<{ item_id: string; seq: number; hash: string; moved: boolean }>(
        sql.raw(`fetch ${Math.trunc(pageSize)} from checkpoint_heads`),
      );
      if (r.rows.length === 0) return;
      yield r.rows.map((x) => ({ head: [x.item_id, Number(x.seq), x.hash] as CheckpointHead, moved: x.moved }));
    }
  };
}

export async function createCheckpoint(
  db: Db,
  signer: TrailSigner,
  opts: {
    campaignId: string;
    at: string;
    reason: CheckpointReason;
    roundId?: string;
    roundVersion?: number;
    /** Heads read at a time (HEADS_PAGE). */
    pageSize?: number;
  },
): Promise<TrailCheckpointRow | null> {
  return db.transaction(async (tx) => {
    // One writer per campaign at a time: numbers stay consecutive across processes.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('trail-checkpoint'), hashtext(${opts.campaignId}))`);
    const [last] = await tx
      .select({ no: trailCheckpoints.no, signature: trailCheckpoints.signature })
      .from(trailCheckpoints)
      .where(eq(trailCheckpoints.campaignId, opts.campaignId))
      .orderBy(desc(trailCheckpoints.no))
      .limit(1);
    // The digest of the full sorted list (headsDigest's bytes), fed page by page.
    const heads = await openHeads(tx, opts.campaignId);
    const pageSize = opts.pageSize ?? HEADS_PAGE;
    const digest = createHash('sha256').update('[');
    let count = 0;
    let changed = 0;
    for await (const page of heads(pageSize)) {
      for (const h of page) {
        digest.update(`${count++ === 0 ? '' : ','}${canonicalJson(h.head)}`);
        if (h.moved) changed++;
      }
    }
    if (opts.reason === 'hourly' && changed === 0) return null;
    const row = {
      campaignId: opts.campaignId,
      no: (last?.no ?? 0) + 1,
      at: new Date(opts.at).toISOString(),
      reason: opts.reason,
      roundId: opts.roundId ?? null,
      roundVersion: opts.roundVersion ?? null,
      items: count,
      changed,
      headsDigest: digest.update(']').digest('hex'),
      prevSignature: last?.signature ?? null,
      keyId: signer.keyId,
    };
    const [stored] = await tx
      .insert(trailCheckpoints)
      .values({ ...row, signature: signer.sign(checkpointBody(row)) })
      .returning();
    // The heads that moved, from the same snapshot (the cursor read again), a page at a time.
    for await (const page of heads(pageSize)) {
      const moved = page.filter((h) => h.moved);
      if (moved.length === 0) continue;
      await tx
        .insert(trailCheckpointHeads)
        .values(moved.map(({ head: [itemId, seq, hash] }) => ({ checkpointId: stored!.id, itemId, seq, hash })));
    }
    return stored!;
  });
}

/** Checkpoints of every campaign (the hourly job); a campaign where nothing moved is skipped. */
export async function checkpointAll(db: Db, signer: TrailSigner, at: string) {
  const r = await db.execute<{ id: string }>(sql`select id from campaigns order by id`);
  let made = 0;
  for (const { id } of r.rows) if (await createCheckpoint(db, signer, { campaignId: id, at, reason: 'hourly' })) made++;
  return { campaigns: r.rows.length, made };
}

/** The campaign's latest checkpoint (printed in a bulletin). */
export async function latestCheckpoint(db: DbOrTx, campaignId: string) {
  const [c] = await db
    .select()
    .from(trailCheckpoints)
    .where(eq(trailCheckpoints.campaignId, campaignId))
    .orderBy(desc(trailCheckpoints.no))
    .limit(1);
  return c ?? null;
}
