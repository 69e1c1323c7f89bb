// The 发文字号 register: an office's style (with defaults from the org tree), a number allocated in
// the issuing transaction, and the issued documents of a subject.
import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { shanghaiDate } from '../../domain/calendar/index.ts';
import { docNumber } from '../../domain/document/number.ts';
import { canonicalJson } from '../audit.ts';
import type { DbOrTx } from '../client.ts';
import { documentCounters, documentOffices, issuedDocuments, orgUnits } from '../schema.ts';

export interface OfficeStyle {
  unitId: string;
  prefix: string;
  flag: string;
  fullName: string;
  printedBy: string;
  dateStyle: 'chinese' | 'arabic';
  copyTo: string[];
  note: string | null;
}

/**
 * The office's saved style, or one derived from the org tree: 镇乡村振兴办 under 朝阳镇 signs as
 * 朝阳镇乡村振兴办 and numbers as 朝阳镇乡村振兴办〔2026〕n号 until an admin sets a short prefix.
 */
export async function officeStyle(db: DbOrTx, unitId: string): Promise<OfficeStyle | null> {
  const [row] = await db
    .select({ s: documentOffices, name: orgUnits.name, parentName: sql<string | null>`parent.name` })
    .from(orgUnits)
    .leftJoin(documentOffices, eq(documentOffices.unitId, orgUnits.id))
    .leftJoin(sql`org_units parent`, sql`parent.id = ${orgUnits.parentId}`)
    .where(eq(orgUnits.id, unitId));
  if (!row) return null;
  if (row.s)
    return {
      unitId,
      prefix: row.s.prefix,
      flag: row.s.flag,
      fullName: row.s.fullName,
      printedBy: row.s.printedBy ?? row.s.fullName,
      dateStyle: row.s.dateStyle === 'arabic' ? 'arabic' : 'chinese',
      copyTo: row.s.copyTo,
      note: row.s.note,
    };
  const full = fullName(row.name, row.parentName);
  return {
    unitId,
    prefix: full,
    flag: `${full}文件`,
    fullName: full,
    printedBy: full,
    dateStyle: 'chinese',
    copyTo: [],
    note: null,
  };
}

/** 镇乡村振兴办 + 朝阳镇 → 朝阳镇乡村振兴办; names that already start with the parent's stay. */
export function fullName(name: string, parent: string | null): string {
  if (!parent || name.startsWith(parent)) return name;
  const level = parent.slice(-1); // 镇 / 乡 / 县 / 区 / 市
  return name.startsWith(level) ? `${parent}${name.slice(1)}` : `${parent}${name}`;
}

/** Next 发文字号 sequence of the office's year; the counter row stays locked until the caller's transaction ends. */
export async function allocateSeq(tx: DbOrTx, unitId: string, year: number): Promise<number> {
  const [row] = await tx
    .insert(documentCounters)
    .values({ unitId, year, lastSeq: 1 })
    .onConflictDoUpdate({
      target: [documentCounters.unitId, documentCounters.year],
      set: { lastSeq: sql`${documentCounters.lastSeq} + 1` },
    })
    .returning({ seq: documentCounters.lastSeq });
  return row!.seq;
}

export type IssuedSummary = Pick<
  typeof issuedDocuments.$inferSelect,
  | 'id'
  | 'number'
  | 'kind'
  | 'title'
  | 'contentHash'
  | 'issuedAt'
  | 'issuedBy'
  | 'unitId'
  | 'subjectId'
  | 'campaignId'
  | 'period'
>;

const summary = {
  id: issuedDocuments.id,
  number: issuedDocuments.number,
  kind: issuedDocuments.kind,
  title: issuedDocuments.title,
  contentHash: issuedDocuments.contentHash,
  issuedAt: issuedDocuments.issuedAt,
  issuedBy: issuedDocuments.issuedBy,
  unitId: issuedDocuments.unitId,
  subjectId: issuedDocuments.subjectId,
  campaignId: issuedDocuments.campaignId,
  period: issuedDocuments.period,
};

/** Issued documents of a campaign, or of one subject in it, newest first (the register's view). */
export async function documentsOf(
  db: DbOrTx,
  f: { campaignId: string; subjectId?: string; kind?: string; period?: string },
): Promise<IssuedSummary[]> {
  return db
    .select(summary)
    .from(issuedDocuments)
    .where(
      and(
        eq(issuedDocuments.campaignId, f.campaignId),
        f.subjectId ? eq(issuedDocuments.subjectId, f.subjectId) : undefined,
        f.kind ? eq(issuedDocuments.kind, f.kind) : undefined,
        f.period ? eq(issuedDocuments.period, f.period) : undefined,
      ),
    )
    .orderBy(desc(issuedDocuments.issuedAt), desc(issuedDocuments.seq));
}

export async function issuedById(db: DbOrTx, id: string) {
  const [row] = await db.select().from(issuedDocuments).where(eq(issuedDocuments.id, id));
  return row ?? null;
}

/** Renderer version: part of the content hash, so a layout change never serves a stale cached PDF. */
export const RENDERER_VERSION = 'gbt9704-1';

/**
 * Issue a numbered document in the caller's transaction: take the office's next 发文字号 of the year
 * (Shanghai), build the document with it, and register who issued it and when. A rolled-back
 * transaction takes its number back with it; a committed number is never handed out again
 * (counter row + unique index + append-only register).
 */
export async function issueDocument<C>(
  tx: DbOrTx,
  req: {
    style: OfficeStyle;
    kind: string;
    campaignId: string;
    subjectId: string;
    /** The report period of a 月报汇总. */
    period?: string | null;
    issuedBy: string;
    /** Instant of issue; the 成文日期 is its Shanghai date. */
    at: string;
    build: (issue: { number: string; date: string; year: number }) => { title: string; content: C };
  },
): Promise<IssuedSummary & { content: C }> {
  const date = shanghaiDate(req.at);
  const year = Number(date.slice(0, 4));
  const seq = await allocateSeq(tx, req.style.unitId, year);
  const number = docNumber(req.style.prefix, year, seq);
  const { title, content } = req.build({ number, date, year });
  const contentHash = createHash('sha256')
    .update(RENDERER_VERSION)
    .update('\n')
    .update(canonicalJson(content))
    .digest('hex');
  const [row] = await tx
    .insert(issuedDocuments)
    .values({
      unitId: req.style.unitId,
      year,
      seq,
      number,
      kind: req.kind,
      campaignId: req.campaignId,
      subjectId: req.subjectId,
      period: req.period ?? null,
      title,
      content,
      contentHash,
      issuedBy: req.issuedBy,
      issuedAt: req.at,
    })
    .returning(summary);
  return { ...row!, content };
}
