// The database schema. `items` is a projection (the ledger row, 台账) kept in step with
// `item_events` (the permanent, hash-chained trail) inside the same transaction.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CampaignSettings, ItemState, Role } from '../domain/item/types.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** 组织机构: county → township → village/community, plus departments/offices at each level. */
export const orgUnits = pgTable(
  'org_units',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    /** county | township | village | community | department | office */
    kind: text('kind').notNull(),
    /** GB/T 2260 administrative division code (or the 12-digit statistical code for villages), where known. */
    divisionCode: text('division_code'),
    /** Materialized path "/<root id>/…/<id>/": a subtree is every path with this prefix. */
    path: text('path').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('org_units_path_key').on(t.path),
    index('org_units_path_prefix').on(sql`${t.path} text_pattern_ops`),
    index('org_units_parent').on(t.parentId),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => orgUnits.id),
    roles: text('roles').array().notNull().$type<Role[]>(),
    /** Unit head (负责人): the second escalation step reaches them. */
    isUnitHead: boolean('is_unit_head').notNull().default(false),
    phone: text('phone'),
    passwordHash: text('password_hash').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_username_key').on(t.username), index('users_unit').on(t.unitId)],
);

/** Bearer tokens: only the SHA-256 of a token is stored; revoking sets revoked_at. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user').on(t.userId)],
);

/** 整改行动 / 专项整治 */
export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** The campaign office (督查考评办 / 乡村振兴办) that runs it. */
  ownerUnitId: uuid('owner_unit_id')
    .notNull()
    .references(() => orgUnits.id),
  /** The area it covers (e.g. the township): responsible units are chosen from this subtree. */
  areaUnitId: uuid('area_unit_id')
    .notNull()
    .references(() => orgUnits.id),
  startsOn: date('starts_on', { mode: 'string' }).notNull(),
  endsOn: date('ends_on', { mode: 'string' }),
  settings: jsonb('settings').notNull().$type<CampaignSettings>(),
  /** Last ledger number handed out (items.seq_no); bumped under the row lock when an item is reported. */
  itemCounter: integer('item_counter').notNull().default(0),
  status: text('status').notNull().default('active'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** 专项, with its lead unit (牵头责任部门). */
export const categories = pgTable(
  'categories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    leadUnitId: uuid('lead_unit_id')
      .notNull()
      .references(() => orgUnits.id),
    /** 整治内容: the problem types this category covers. */
    problemTypes: text('problem_types').array().notNull().default(sql`'{}'`),
    /** 整治举措 */
    measures: text('measures').array().notNull().default(sql`'{}'`),
    /** Quarters (1–4) whose acceptance round focuses on this category (003 §三(四)). */
    focusQuarters: integer('focus_quarters').array().notNull().default(sql`'{}'`),
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [uniqueIndex('categories_campaign_code_key').on(t.campaignId, t.code)],
);

/** The ledger row: a projection of the item's events, with the decider state kept whole in `state`. */
export const items = pgTable(
  'items',
  {
    id: uuid('id').primaryKey(),
    /** Human ledger number, e.g. 2026-000123, unique per campaign. */
    seqNo: integer('seq_no').notNull(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    categoryId: uuid('category_id').references(() => categories.id),
    source: text('source').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    ownerUnitPath: text('owner_unit_path').notNull(),
    leadUnitPath: text('lead_unit_path'),
    reportingUnitPath: text('reporting_unit_path').notNull(),
    responsibleUnitId: uuid('responsible_unit_id'),
    responsibleUnitPath: text('responsible_unit_path'),
    deadline: date('deadline', { mode: 'string' }),
    overdue: boolean('overdue').notNull().default(false),
    escalationLevel: integer('escalation_level').notNull().default(0),
    flagged: boolean('flagged').notNull().default(false),
    reportedAt: ts('reported_at').notNull(),
    closedAt: ts('closed_at'),
    updatedAt: ts('updated_at').notNull(),
    /** When a `tick` next matters (domain nextWake); the sweep picks rows with next_wake_at <= now. */
    nextWakeAt: ts('next_wake_at'),
    /** Hash of the last event, the link the next event chains to. */
    lastHash: text('last_hash').notNull(),
    state: jsonb('state').notNull().$type<ItemState>(),
    /**
     * Every subtree that sees the row: the ancestor paths of its four unit paths (migration
     * 0007_list_functions). A reader's scope test is `scope_paths @> {their path}`, served by GIN,
     * where four OR-ed LIKEs on the path columns could only be answered by reading every row.
     */
    scopePaths: text('scope_paths')
      .array()
      .notNull()
      .generatedAlwaysAs(
        sql`item_scope_paths(owner_unit_path, lead_unit_path, reporting_unit_path, responsible_unit_path)`,
      ),
    /** The 1- and 2-character grams of title and description: the index behind `q` (Chinese has no word breaks). */
    searchGrams: text('search_grams')
      .array()
      .notNull()
      .generatedAlwaysAs(sql`search_grams(title || ' ' || description)`),
  },
  (t) => [
    uniqueIndex('items_campaign_seq_key').on(t.campaignId, t.seqNo),
    index('items_scope_paths').using('gin', t.scopePaths),
    index('items_search_grams').using('gin', t.searchGrams),
    // The list's sort keys, each with its id tie-break, so a page is read in order and stops after it.
    index('items_updated_at').on(t.updatedAt, t.id),
    index('items_deadline_sort').on(sql`coalesce(${t.deadline}, '9999-12-31'::date)`, t.id),
    index('items_seq_no').on(t.seqNo, t.id),
    index('items_campaign_status').on(t.campaignId, t.status, t.reportedAt),
    index('items_responsible_path').on(sql`${t.responsibleUnitPath} text_pattern_ops`),
    index('items_owner_path').on(sql`${t.ownerUnitPath} text_pattern_ops`),
    index('items_lead_path').on(sql`${t.leadUnitPath} text_pattern_ops`),
    index('items_reported_at').on(t.reportedAt, t.id),
    index('items_deadline').on(t.deadline),
    index('items_next_wake').on(t.nextWakeAt).where(sql`${t.nextWakeAt} is not null`),
  ],
);

/** The permanent trail: one row per event, hash-chained per item (hash = sha256(prev_hash ‖ canonical event)). */
export const itemEvents = pgTable(
  'item_events',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    at: ts('at').notNull(),
    actorId: uuid('actor_id'),
    data: jsonb('data').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    recordedAt: ts('recorded_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.seq] }), index('item_events_at').on(t.at)],
);

/** 时间节点 of phased items, projected from the item state for reporting queries. */
export const milestones = pgTable(
  'milestones',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    id: text('id').notNull(),
    title: text('title').notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    completedAt: ts('completed_at'),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.id] })],
);

/** 佐证材料 metadata; the bytes live in the file store, addressed by their SHA-256. */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sha256: text('sha256').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    contentType: text('content_type').notNull(),
    fileName: text('file_name').notNull(),
    storageKey: text('storage_key').notNull(),
    itemId: uuid('item_id').references(() => items.id),
    uploadedBy: uuid('uploaded_by')
      .notNull()
      .references(() => users.id),
    uploadedAt: ts('uploaded_at').notNull().defaultNow(),
  },
  (t) => [index('attachments_sha256').on(t.sha256), index('attachments_item').on(t.itemId)],
);

/** Official working calendar years loaded by an admin; they extend or override the bundled years. */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  source: text('source').notNull(),
  holidays: text('holidays').array().notNull(),
  workdays: text('workdays').array().notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Responses of POSTs sent with an Idempotency-Key, replayed to retries. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

export type OrgUnitRow = typeof orgUnits.$inferSelect;
export * from './schema/reports.ts';
export * from './schema/notifications.ts';
export * from './schema/evidence.ts';
export * from './schema/ledger-import.ts';
export * from './schema/documents.ts';
export * from './schema/seed-rules.ts';
export * from './schema/trail.ts';
export * from './schema/security.ts';
export * from './schema/public.ts';
export * from './schema/tallies.ts';
