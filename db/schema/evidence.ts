// Evidence files (佐证材料): what we know of each stored file, who attached it to what, which
// events refer to it, and where units are (for the GPS check of the paper sign-off guard).
import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { attachments, items, orgUnits } from '../schema.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** One row per distinct content (SHA-256): what was read from the bytes once. */
export const evidenceFiles = pgTable(
  'evidence_files',
  {
    sha256: text('sha256').primaryKey(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Sniffed from the bytes, never taken from the client. */
    contentType: text('content_type').notNull(),
    /** photo | video | document */
    kind: text('kind').notNull(),
    /** 64-bit difference hash (dHash) of photos, for near-duplicate search (Hamming distance). */
    dhash: bigint('dhash', { mode: 'bigint' }),
    width: integer('width'),
    height: integer('height'),
    /** EXIF capture time (DateTimeOriginal, taken as +08:00 unless the file states its offset). */
    takenAt: ts('taken_at'),
    gpsLat: doublePrecision('gps_lat'),
    gpsLon: doublePrecision('gps_lon'),
    thumbnailKey: text('thumbnail_key'),
    storedAt: ts('stored_at').notNull().defaultNow(),
    /** When the picture work (size, thumbnail, dHash) was done: null while a photo waits for its
     * background job; set at once for other kinds. The guard's near-duplicate check waits for it. */
    processedAt: ts('processed_at').defaultNow(),
  },
  (t) => [index('evidence_files_dhash').on(t.dhash).where(sql`${t.dhash} is not null`)],
);

/** What an upload was for: an item's progress, milestone, submission or recheck, or a monthly report. */
export const evidenceUploads = pgTable(
  'evidence_uploads',
  {
    attachmentId: uuid('attachment_id')
      .primaryKey()
      .references(() => attachments.id),
    /** progress | milestone | submission | recheck | report */
    purpose: text('purpose').notNull(),
    /** item | report — the owner's kind; items also fill attachments.item_id. */
    ownerKind: text('owner_kind').notNull(),
    ownerId: uuid('owner_id').notNull(),
    /** The uploader's unit path: scope for owners that are not items (monthly reports). */
    unitPath: text('unit_path').notNull(),
  },
  (t) => [index('evidence_uploads_owner').on(t.ownerKind, t.ownerId)],
);

/** Every event that cites an attachment. The foreign key (RESTRICT) keeps a cited file row from being deleted. */
export const evidenceRefs = pgTable(
  'evidence_refs',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    seq: integer('seq').notNull(),
    attachmentId: uuid('attachment_id')
      .notNull()
      .references(() => attachments.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ columns: [t.itemId, t.seq, t.attachmentId] }),
    index('evidence_refs_attachment').on(t.attachmentId),
  ],
);

/** Where a unit (village) is, for "photo taken far from the place" (WGS-84 degrees). */
export const unitPlaces = pgTable('unit_places', {
  unitId: uuid('unit_id')
    .primaryKey()
    .references(() => orgUnits.id),
  lat: doublePrecision('lat').notNull(),
  lon: doublePrecision('lon').notNull(),
  /** How far from it a site photo may be taken before the guard warns, in metres. */
  radiusM: integer('radius_m').notNull().default(5000),
});

/** Guard passes done: one row per citing event (item, seq) once its warnings were evaluated and
 * recorded. A citing event without a row here is still owed a pass (retried, or found by reconcile). */
export const evidenceGuardRuns = pgTable(
  'evidence_guard_runs',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    seq: integer('seq').notNull(),
    doneAt: ts('done_at').notNull().defaultNow(),
    warnings: integer('warnings').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.seq] })],
);
