// Notifications: the outbox the engine fills in the command's own transaction, the in-app inbox
// (one notice per cause and recipient), channel deliveries with their attempt log, per-user
// preferences and the group-robot webhook targets an admin configures.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** Events that may concern people, written with the event; deleted when their notices exist. */
export const notifyOutbox = pgTable(
  'notify_outbox',
  {
    itemId: uuid('item_id').notNull(),
    seq: integer('seq').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** When a notify job was last enqueued for it (null: never); re-enqueued if it lingers (a lost job). */
    enqueuedAt: ts('enqueued_at'),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.seq] }), index('notify_outbox_enqueued').on(t.enqueuedAt)],
);

/** The in-app inbox. `key` names the cause and the recipient, so a notice exists at most once. */
export const notices = pgTable(
  'notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Insertion order: a user's inbox is read newest first, and pages by this number. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    key: text('key').notNull(),
    userId: uuid('user_id').notNull(),
    kind: text('kind').notNull(),
    itemId: uuid('item_id'),
    causeSeq: integer('cause_seq'),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: ts('created_at').notNull(),
    readAt: ts('read_at'),
  },
  (t) => [
    uniqueIndex('notices_key').on(t.key),
    index('notices_user_seq').on(t.userId, t.seq),
    index('notices_user_unread').on(t.userId).where(sql`${t.readAt} is null`),
    index('notices_item').on(t.itemId, t.causeSeq),
  ],
);

const DELIVERY_CHANNELS = ['webhook', 'email', 'sms'] as const;
type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
/** cancelled: not sent because its cause was gone at send time (the item closed, the deadline moved…). */
type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'dead' | 'cancelled';

/** One message on one external channel to one target, for one cause (`key`). */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    key: text('key').notNull(),
    channel: text('channel').notNull().$type<DeliveryChannel>(),
    /** The recipient user (email, SMS); null for a group robot or the petitioner. */
    userId: uuid('user_id'),
    /** The webhook target (group robot). */
    targetId: uuid('target_id'),
    /** E-mail address or phone number, fixed when the delivery was planned. */
    address: text('address'),
    itemId: uuid('item_id'),
    causeSeq: integer('cause_seq'),
    /** An issued official document sent with the message (a file or a link, as the robot takes it). */
    documentId: uuid('document_id'),
    /** For digests: the notice that carries the same text in the inbox. */
    noticeKey: text('notice_key'),
    title: text('title').notNull(),
    body: text('body').notNull(),
    status: text('status').notNull().$type<DeliveryStatus>(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not before (quiet hours, rate limit). */
    notBefore: ts('not_before'),
    enqueuedAt: ts('enqueued_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    uniqueIndex('deliveries_key').on(t.key),
    index('deliveries_item').on(t.itemId, t.causeSeq),
    index('deliveries_user_sent').on(t.userId, t.sentAt),
    index('deliveries_target_sent').on(t.targetId, t.sentAt),
    index('deliveries_open').on(t.status, t.enqueuedAt).where(sql`${t.status} in ('pending', 'failed')`),
  ],
);

/** Every attempt at a delivery, with what came back: the delivery log. */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id').notNull(),
    at: ts('at').notNull(),
    ok: boolean('ok').notNull(),
    detail: text('detail').notNull(),
  },
  (t) => [index('delivery_attempts_delivery').on(t.deliveryId, t.id)],
);

/** Per-user choices; a user without a row gets the defaults (inbox only, quiet hours on). */
export const notificationPrefs = pgTable('notification_prefs', {
  userId: uuid('user_id').primaryKey(),
  /** External channels besides the inbox (always on): 'email', 'sms'. */
  channels: text('channels').array().notNull().default(sql`'{}'`),
  email: text('email'),
  /** No SMS 22:00–07:00 Asia/Shanghai: held until 07:00. */
  smsQuietHours: boolean('sms_quiet_hours').notNull().default(true),
  /** One daily digest on external channels instead of single messages (the inbox still gets each notice). */
  digest: boolean('digest').notNull().default(false),
  updatedAt: ts('updated_at').notNull(),
});

export const WEBHOOK_KINDS = ['wecom', 'dingtalk', 'feishu'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** A group robot (工作群机器人) of a unit: notices for that unit's people are posted there too. */
export const webhookTargets = pgTable(
  'webhook_targets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    unitId: uuid('unit_id').notNull(),
    kind: text('kind').notNull().$type<WebhookKind>(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    /** DingTalk / Feishu signing secret; never returned by the API. */
    secret: text('secret'),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_targets_unit').on(t.unitId)],
);

export type DeliveryRow = typeof deliveries.$inferSelect;
export type WebhookTargetRow = typeof webhookTargets.$inferSelect;
