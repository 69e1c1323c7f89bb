// Official documents (公文): each office's style and 发文字号 prefix, its numbering per year, and the
// register of issued documents (发文登记) — who issued which number, when, and the document as issued.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgUnits, users } from '../schema.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** An issuing office's 版头: flag, full name for the 落款, 发文字号 prefix (e.g. 朝振办), date style. */
export const documentOffices = pgTable(
  'document_offices',
  {
    unitId: uuid('unit_id')
      .primaryKey()
      .references(() => orgUnits.id),
    prefix: text('prefix').notNull(),
    flag: text('flag').notNull(),
    fullName: text('full_name').notNull(),
    printedBy: text('printed_by'),
    dateStyle: text('date_style').notNull().default('chinese'),
    copyTo: text('copy_to').array().notNull().default(sql`'{}'`),
    note: text('note'),
    updatedBy: uuid('updated_by').references(() => users.id),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  // Two offices with one prefix would hand out the same 文号.
  (t) => [uniqueIndex('document_offices_prefix_key').on(t.prefix)],
);

/** The last 发文字号 sequence per office and year; bumped under its row lock in the issuing transaction. */
export const documentCounters = pgTable(
  'document_counters',
  {
    unitId: uuid('unit_id')
      .notNull()
      .references(() => orgUnits.id),
    year: integer('year').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.year] })],
);

/** 发文登记: append-only (a trigger refuses UPDATE and DELETE); a number once issued is never issued again. */
export const issuedDocuments = pgTable(
  'issued_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => orgUnits.id),
    year: integer('year').notNull(),
    seq: integer('seq').notNull(),
    number: text('number').notNull(),
    /** bulletin | interview | supervision | assignment | signoff | monthly. */
    kind: text('kind').notNull(),
    /** The campaign it belongs to (who may read it follows from the campaign and the subject). */
    campaignId: uuid('campaign_id').notNull(),
    /** The round, accountability record, item or (月报汇总) campaign the document is about. */
    subjectId: uuid('subject_id').notNull(),
    /** The report period (YYYY-MM) of a 月报汇总, whose subject is the campaign; null for the others. */
    period: text('period'),
    title: text('title').notNull(),
    /** The document as issued (documents/official.ts OfficialDocument): it renders the same file forever. */
    content: jsonb('content').notNull(),
    /** sha256 of the content and the renderer's version: the key of its cached PDF. */
    contentHash: text('content_hash').notNull(),
    issuedBy: uuid('issued_by')
      .notNull()
      .references(() => users.id),
    issuedAt: ts('issued_at').notNull(),
  },
  (t) => [
    uniqueIndex('issued_documents_office_year_seq_key').on(t.unitId, t.year, t.seq),
    uniqueIndex('issued_documents_number_key').on(t.number),
    index('issued_documents_subject').on(t.subjectId, t.issuedAt),
    index('issued_documents_campaign').on(t.campaignId, t.issuedAt),
  ],
);

export type DocumentOfficeRow = typeof documentOffices.$inferSelect;
export type IssuedDocumentRow = typeof issuedDocuments.$inferSelect;
