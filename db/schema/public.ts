// The public side (公示 · 互联网+监督): objections (异议) filed by anyone during a sign-off's public notice,
// and the per-address counters that bound what one address may send. PostgreSQL, so every API process
// shares one count.
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/**
 * One objection: its words go into the item's trail (ObjectionFiled); the filer's contact and address
 * stay here, outside the append-only trail, seen only by the item's reviewers. `status` is the
 * moderation queue: open until a reviewer answers (upheld / not_upheld).
 */
export const publicObjections = pgTable(
  'public_objections',
  {
    id: uuid('id').primaryKey(),
    campaignId: uuid('campaign_id').notNull(),
    itemId: uuid('item_id').notNull(),
    contact: text('contact').notNull(),
    text: text('text').notNull(),
    /** A keyed hash of the client address (not the address): enough to see one source flooding. */
    addressHash: text('address_hash').notNull(),
    status: text('status').notNull().default('open').$type<'open' | 'upheld' | 'not_upheld'>(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('public_objections_campaign').on(t.campaignId, t.status, t.createdAt),
    index('public_objections_item').on(t.itemId),
  ],
);

/** Fixed-window counters per key (e.g. `objection:<address hash>`). */
export const publicHits = pgTable('public_hits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  windowStart: ts('window_start').notNull(),
});
