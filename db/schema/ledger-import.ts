// Ledger import (台账导入): saved column mappings, import jobs with their report, and the rows
// already imported (so importing the same rows again creates nothing twice).
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { campaigns, items, users } from '../schema.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** A campaign's column mapping template: ledger field → the header text its office uses. */
export const importTemplates = pgTable('import_templates', {
  campaignId: uuid('campaign_id')
    .primaryKey()
    .references(() => campaigns.id),
  mapping: jsonb('mapping').notNull().$type<Record<string, string>>(),
  /** The office's own ledger layout (ledger/template.ts LedgerTemplate), used for the export too. */
  layout: jsonb('layout').$type<Record<string, unknown>>(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

export const importJobs = pgTable(
  'import_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    fileName: text('file_name').notNull(),
    /** dry_run | commit */
    mode: text('mode').notNull(),
    /** queued | running | done | failed */
    status: text('status').notNull(),
    totalRows: integer('total_rows').notNull().default(0),
    processedRows: integer('processed_rows').notNull().default(0),
    createdItems: integer('created_items').notNull().default(0),
    report: jsonb('report'),
    /** The rows to create, kept while a background commit is queued or running (cleared when it ends). */
    plan: jsonb('plan'),
    /** Attempts a background commit made (each one all or nothing). */
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('import_jobs_campaign').on(t.campaignId, t.createdAt)],
);

export const importedRows = pgTable(
  'imported_rows',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    /** SHA-256 of the row's normalized content (description, unit, category, source). */
    rowKey: text('row_key').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    jobId: uuid('job_id')
      .notNull()
      .references(() => importJobs.id),
    /** The row as the office wrote it (header → text), e.g. a deadline of "2025年9月底前" kept verbatim. */
    original: jsonb('original').notNull().$type<Record<string, string>>(),
  },
  (t) => [uniqueIndex('imported_rows_key').on(t.campaignId, t.rowKey)],
);
