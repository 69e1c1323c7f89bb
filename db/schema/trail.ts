// Trail checkpoints: the head (seq, hash) of every item of a campaign at an instant, signed with a key
// kept outside the database. A forger who rewrites events and recomputes the chain cannot re-sign the
// checkpoints, and a published bulletin prints the checkpoint it was made from. Both tables are
// append-only (trigger). Heads are stored as changes: a checkpoint's rows are the items whose head moved
// since the campaign's previous checkpoint, so storage grows with the events, not with items × hours;
// the signature covers the digest of the full list of heads (the fold of the changes up to it).
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { campaigns } from '../schema.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** [item id, last seq, hash of that event], sorted by item id. */
export type CheckpointHead = [string, number, string];

export const trailCheckpoints = pgTable(
  'trail_checkpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    /** 1, 2, 3 … per campaign; each signs over the previous one's signature, so a removed one shows. */
    no: integer('no').notNull(),
    at: ts('at').notNull(),
    /** hourly | bulletin | manual */
    reason: text('reason').notNull(),
    /** For reason bulletin: the round and published version whose bulletin prints this checkpoint. */
    roundId: uuid('round_id'),
    roundVersion: integer('round_version'),
    /** Items in the full list of heads, and how many heads moved since the previous checkpoint. */
    items: integer('items').notNull(),
    changed: integer('changed').notNull(),
    /** SHA-256 of the canonical full list of heads ([item id, seq, hash] sorted by item id). */
    headsDigest: text('heads_digest').notNull(),
    prevSignature: text('prev_signature'),
    /** Which key signed (SHA-256 of its public key, first 16 hex digits). */
    keyId: text('key_id').notNull(),
    /** Ed25519 over the canonical checkpoint body, base64. */
    signature: text('signature').notNull(),
  },
  (t) => [
    uniqueIndex('trail_checkpoints_campaign_no_key').on(t.campaignId, t.no),
    index('trail_checkpoints_round').on(t.roundId),
  ],
);

/** The heads that moved at a checkpoint (an item appears at its first checkpoint and whenever it moved). */
export const trailCheckpointHeads = pgTable(
  'trail_checkpoint_heads',
  {
    checkpointId: uuid('checkpoint_id')
      .notNull()
      .references(() => trailCheckpoints.id),
    itemId: uuid('item_id').notNull(),
    seq: integer('seq').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.checkpointId, t.itemId] }),
    index('trail_checkpoint_heads_item').on(t.itemId, t.seq),
  ],
);

export type TrailCheckpointRow = typeof trailCheckpoints.$inferSelect;
