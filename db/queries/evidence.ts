// Evidence files: recording uploads, reading them back, and the lookups the paper sign-off guard needs.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client.ts';
import { attachments, evidenceFiles, evidenceUploads, unitPlaces } from '../schema.ts';
import type { ItemEvent } from '../../domain/item/types.ts';

export interface NewUpload {
  sha256: string;
  size: number;
  contentType: string;
  kind: string;
  fileName: string;
  storageKey: string;
  dhash: bigint | null;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  gps: { lat: number; lon: number } | null;
  thumbnailKey: string | null;
  /** false: a photo whose picture work (size, thumbnail, dHash) a background job will do. */
  processed?: boolean;
}

export interface UploadOwner {
  purpose: 'progress' | 'milestone' | 'submission' | 'recheck' | 'report';
  ownerKind: 'item' | 'report';
  ownerId: string;
  unitPath: string;
  userId: string;
  at: string;
}

/** Record uploaded files (all or none): the content row once per hash, an attachment row per upload. */
export async function recordUploads(tx: Tx, files: NewUpload[], owner: UploadOwner) {
  const out: (typeof attachments.$inferSelect)[] = [];
  for (const f of files) {
    await tx
      .insert(evidenceFiles)
      .values({
        sha256: f.sha256,
        size: f.size,
        contentType: f.contentType,
        kind: f.kind,
        dhash: f.dhash,
        width: f.width,
        height: f.height,
        takenAt: f.takenAt,
        gpsLat: f.gps?.lat ?? null,
        gpsLon: f.gps?.lon ?? null,
        thumbnailKey: f.thumbnailKey,
        ...(f.processed === false ? { processedAt: null } : {}),
      })
      .onConflictDoNothing();
    const [a] = await tx
      .insert(attachments)
      .values({
        sha256: f.sha256,
        size: f.size,
        contentType: f.contentType,
        fileName: f.fileName,
        storageKey: f.storageKey,
        itemId: owner.ownerKind === 'item' ? owner.ownerId : null,
        uploadedBy: owner.userId,
        uploadedAt: owner.at,
      })
      .returning();
    await tx.insert(evidenceUploads).values({
      attachmentId: a!.id,
      purpose: owner.purpose,
      ownerKind: owner.ownerKind,
      ownerId: owner.ownerId,
      unitPath: owner.unitPath,
    });
    out.push(a!);
  }
  return out;
}

const attachmentColumns = {
  id: attachments.id,
  sha256: attachments.sha256,
  size: attachments.size,
  contentType: attachments.contentType,
  fileName: attachments.fileName,
  storageKey: attachments.storageKey,
  itemId: attachments.itemId,
  uploadedBy: attachments.uploadedBy,
  uploadedAt: attachments.uploadedAt,
  purpose: evidenceUploads.purpose,
  ownerKind: evidenceUploads.ownerKind,
  ownerId: evidenceUploads.ownerId,
  unitPath: evidenceUploads.unitPath,
  kind: evidenceFiles.kind,
  width: evidenceFiles.width,
  height: evidenceFiles.height,
  takenAt: evidenceFiles.takenAt,
  gpsLat: evidenceFiles.gpsLat,
  gpsLon: evidenceFiles.gpsLon,
  thumbnailKey: evidenceFiles.thumbnailKey,
  processedAt: evidenceFiles.processedAt,
};

export async function getAttachment(db: DbOrTx, id: string) {
  const [row] = await db
    .select(attachmentColumns)
    .from(attachments)
    .innerJoin(evidenceUploads, eq(evidenceUploads.attachmentId, attachments.id))
    .innerJoin(evidenceFiles, eq(evidenceFiles.sha256, attachments.sha256))
    .where(eq(attachments.id, id));
  return row ?? null;
}

export type AttachmentRow = NonNullable<Awaited<ReturnType<typeof getAttachment>>>;

export async function itemAttachments(db: DbOrTx, itemId: string): Promise<AttachmentRow[]> {
  return db
    .select(attachmentColumns)
    .from(attachments)
    .innerJoin(evidenceUploads, eq(evidenceUploads.attachmentId, attachments.id))
    .innerJoin(evidenceFiles, eq(evidenceFiles.sha256, attachments.sha256))
    .where(eq(attachments.itemId, itemId))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}

/** Of `ids`, the files uploaded for this unit's reports (what a report may cite and show). */
export async function reportAttachments(db: DbOrTx, unitId: string, ids: string[]): Promise<AttachmentRow[]> {
  if (ids.length === 0) return [];
  return db
    .select(attachmentColumns)
    .from(attachments)
    .innerJoin(evidenceUploads, eq(evidenceUploads.attachmentId, attachments.id))
    .innerJoin(evidenceFiles, eq(evidenceFiles.sha256, attachments.sha256))
    .where(
      and(inArray(attachments.id, ids), eq(evidenceUploads.ownerKind, 'report'), eq(evidenceUploads.ownerId, unitId)),
    )
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}

/** Of `ids`, those that are not attachments of this item (so cannot be cited on it). */
export async function foreignEvidence(db: DbOrTx, itemId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: attachments.id })
    .from(attachments)
    .where(and(inArray(attachments.id, ids), eq(attachments.itemId, itemId)));
  const mine = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !mine.has(id));
}

/** Attachments an event cites (and, for warnings, the other items' attachments it points to). */
export function citedBy(event: ItemEvent): string[] {
  switch (event.type) {
    case 'ProgressRecorded':
    case 'MilestoneCompleted':
    case 'ItemSubmitted':
    case 'RecheckPassed':
    case 'RecheckFailed':
      return event.data.evidence;
    case 'EvidenceWarningRaised':
      return [...event.data.attachmentIds, ...event.data.related.map((r) => r.attachmentId)];
    default:
      return [];
  }
}

/** Record which stored events cite which attachments; references that are not attachment ids
 * (free-text evidence from before uploads existed) are left out. */
export async function recordEvidenceRefs(tx: Tx, itemId: string, stored: { seq: number; event: ItemEvent }[]) {
  const seqs: number[] = [],
    ids: string[] = [];
  for (const s of stored)
    for (const id of citedBy(s.event)) {
      seqs.push(s.seq);
      ids.push(id);
    }
  if (ids.length === 0) return;
  await tx.execute(sql`insert into evidence_refs (item_id, seq, attachment_id)
    select ${itemId}::uuid, r.seq, a.id from unnest(${sql.param(seqs)}::int[], ${sql.param(ids)}::text[]) as r(seq, aid)
    join attachments a on a.id::text = r.aid
    on conflict do nothing`);
}

/** Facts the guard needs about the cited attachments of `itemId`. */
export async function guardFacts(
  db: DbOrTx,
  itemId: string,
  ids: string[],
  responsibleUnitId: string | null,
  maxDistance: number,
) {
  if (ids.length === 0) return { evidence: [], sameFile: [], nearDuplicates: [], place: null };
  const evidence = await db
    .select({
      attachmentId: attachments.id,
      fileName: attachments.fileName,
      uploadedAt: attachments.uploadedAt,
      kind: evidenceFiles.kind,
      takenAt: evidenceFiles.takenAt,
      gpsLat: evidenceFiles.gpsLat,
      gpsLon: evidenceFiles.gpsLon,
      sha256: attachments.sha256,
      dhash: evidenceFiles.dhash,
    })
    .from(attachments)
    .innerJoin(evidenceFiles, eq(evidenceFiles.sha256, attachments.sha256))
    .where(and(inArray(attachments.id, ids), eq(attachments.itemId, itemId)));

  // (a) the same bytes as evidence on another item of another unit or another household.
  const sameFile = await db.execute<{
    attachment_id: string;
    other_item_id: string;
    other_attachment_id: string;
    other_unit_name: string | null;
  }>(sql`
    select mine.id as attachment_id, o.item_id as other_item_id, o.id as other_attachment_id, u.name as other_unit_name
    from attachments mine
    join attachments o on o.sha256 = mine.sha256 and o.item_id is not null and o.item_id <> mine.item_id
    join items me on me.id = mine.item_id
    join items oi on oi.id = o.item_id
    left join org_units u on u.id = oi.responsible_unit_id
    where mine.id = any(${sql.param(ids)}::uuid[]) and mine.item_id = ${itemId}::uuid
      and (oi.responsible_unit_id is distinct from me.responsible_unit_id
        or coalesce(oi.state->'person'->>'idNumber', oi.state->'person'->>'name', oi.state->>'location')
           is distinct from coalesce(me.state->'person'->>'idNumber', me.state->'person'->>'name', me.state->>'location'))
    order by o.uploaded_at limit 50`);

  // (b) photos within `maxDistance` bits (dHash) of another item's photo, other bytes.
  const nearDuplicates = await db.execute<{
    attachment_id: string;
    other_item_id: string;
    other_attachment_id: string;
    other_unit_name: string | null;
    distance: number;
  }>(sql`
    select mine.id as attachment_id, o.item_id as other_item_id, o.id as other_attachment_id, u.name as other_unit_name,
           bit_count((mf.dhash # of.dhash)::bit(64))::int as distance
    from attachments mine
    join evidence_files mf on mf.sha256 = mine.sha256 and mf.dhash is not null
    join evidence_files of on of.dhash is not null and of.sha256 <> mf.sha256
      and bit_count((mf.dhash # of.dhash)::bit(64)) <= ${maxDistance}
    join attachments o on o.sha256 = of.sha256 and o.item_id is not null and o.item_id <> mine.item_id
    join items oi on oi.id = o.item_id
    left join org_units u on u.id = oi.responsible_unit_id
    where mine.id = any(${sql.param(ids)}::uuid[]) and mine.item_id = ${itemId}::uuid
    order by distance, o.uploaded_at limit 50`);

  const [place] = responsibleUnitId
    ? await db
        .select({ lat: unitPlaces.lat, lon: unitPlaces.lon, radiusM: unitPlaces.radiusM })
        .from(unitPlaces)
        .where(eq(unitPlaces.unitId, responsibleUnitId))
    : [];
  return {
    evidence: evidence.map((e) => ({
      attachmentId: e.attachmentId,
      fileName: e.fileName,
      uploadedAt: new Date(e.uploadedAt).toISOString(),
      kind: e.kind,
      takenAt: e.takenAt ? new Date(e.takenAt).toISOString() : null,
      gps: e.gpsLat !== null && e.gpsLon !== null ? { lat: e.gpsLat, lon: e.gpsLon } : null,
    })),
    sameFile: sameFile.rows.map((r) => ({
      attachmentId: r.attachment_id,
      otherItemId: r.other_item_id,
      otherAttachmentId: r.other_attachment_id,
      otherUnitName: r.other_unit_name,
    })),
    nearDuplicates: nearDuplicates.rows.map((r) => ({
      attachmentId: r.attachment_id,
      otherItemId: r.other_item_id,
      otherAttachmentId: r.other_attachment_id,
      otherUnitName: r.other_unit_name,
      distance: r.distance,
    })),
    place: place ?? null,
  };
}

export async function setUnitPlace(db: DbOrTx, unitId: string, p: { lat: number; lon: number; radiusM?: number }) {
  await db
    .insert(unitPlaces)
    .values({ unitId, lat: p.lat, lon: p.lon, radiusM: p.radiusM ?? 5000 })
    .onConflictDoUpdate({ target: unitPlaces.unitId, set: { lat: p.lat, lon: p.lon, radiusM: p.radiusM ?? 5000 } });
}

/** Open (not dismissed) evidence warnings per responsible unit — what rankings count. */
export async function evidenceWarningCounts(db: DbOrTx, campaignId: string, scopePath: string | null) {
  const rows = await db.execute<{ unit_id: string; unit_name: string; open: number; dismissed: number }>(
    evidenceWarningCountsQuery(campaignId, scopePath),
  );
  return rows.rows;
}

export const evidenceWarningCountsQuery = (campaignId: string, scopePath: string | null) => sql`
    select i.responsible_unit_id as unit_id, u.name as unit_name,
      count(*) filter (where w->'dismissed' = 'null'::jsonb or w->'dismissed' is null)::int as open,
      count(*) filter (where jsonb_typeof(w->'dismissed') = 'object')::int as dismissed
    from items i
    join org_units u on u.id = i.responsible_unit_id
    cross join lateral jsonb_array_elements(coalesce(i.state->'evidenceWarnings', '[]'::jsonb)) w
    where i.campaign_id = ${campaignId}::uuid
      ${scopePath === null ? sql`` : sql`and i.responsible_unit_path like ${`${scopePath}%`}`}
    group by i.responsible_unit_id, u.name order by open desc, u.name`;
