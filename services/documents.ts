// Official documents (公文) from the system's data: issued with a 发文字号 in one transaction (the
// number, the document as issued, who and when — the register), rendered as .docx on request and as
// PDF in the background (LibreOffice), cached in the file store by what they render. An item's
// documents are also events in its trail, recorded through the engine port after the register commits.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { Readable } from 'node:stream';
import type { Db } from '../db/client.ts';
import type { AuthUser } from '../db/queries/auth.ts';
import { campaignScopeRow } from '../db/queries/campaign-scope.ts';
import {
  documentsOf,
  type IssuedSummary,
  issueDocument,
  issuedById,
  officeStyle,
  type OfficeStyle,
} from '../db/queries/documents.ts';
import { getVisibleItem } from '../db/queries/items.ts';
import { related, within } from '../domain/access/scope.ts';
import {
  accountabilityRecords,
  acceptanceRounds,
  campaigns,
  issuedDocuments,
  orgUnits,
  roundRankings,
  users,
} from '../db/schema.ts';
import { shanghaiDate } from '../domain/calendar/index.ts';
import { ITEM_DOCUMENT_KINDS, type ItemDocumentKind, type ItemState } from '../domain/item/types.ts';
import type { ItemEngine } from '../workflows/engine.ts';
import { bulletinDocument } from '../documents/kinds/bulletin.ts';
import type { Issue } from '../documents/kinds/common.ts';
import { interviewDocument } from '../documents/kinds/interview.ts';
import { assignmentDocument, type ItemData, supervisionDocument } from '../documents/kinds/item.ts';
import { monthlyDocument } from '../documents/kinds/monthly.ts';
import { signoffDocument } from '../documents/kinds/signoff.ts';
import type { OfficialDocument } from '../documents/model.ts';
import { toPdf } from '../documents/pdf.ts';
import { bodyDate } from '../documents/words.ts';
import { SOURCE_LABELS } from '../ledger/columns.ts';
import { documentPdfKey, type FileStore } from '../storage/file-store.ts';
import { type Bulletin, buildBulletin } from './bulletin.ts';
import { type CampaignScope, campaignAccess, isOffice, seesAll } from './campaign-access.ts';
import { monthlyUnits, signoffSigners } from './document-sources.ts';
import type { DocumentJobs } from './jobs.ts';
import { notFoundRefusal, Refused } from './refusal.ts';

/** The docx library (some 11 MB) is loaded with the first document rendered, not at start. */
const renderDocx = async (d: OfficialDocument) => (await import('../documents/official.ts')).renderDocx(d);

export const DOCUMENT_KINDS = ['bulletin', 'interview', 'supervision', 'assignment', 'signoff', 'monthly'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface DocumentView extends IssuedSummary {
  kind: DocumentKind;
}

export interface IssueOptions {
  /** 抄送 (the office's saved list when absent). */
  copyTo?: string[];
  /** 附注 (联系人、电话). */
  note?: string;
}

const flat = (title: string) => title.replace(/\n/g, '');

export function documentService(deps: {
  db: Db;
  clock: { now(): Date };
  /** Where PDFs are kept; without one (no file store configured) each PDF is made on request. */
  store?: FileStore;
  jobs?: DocumentJobs;
  /** Records an item's documents in its trail (both runtimes); without one the register alone keeps them. */
  engine?: ItemEngine;
  /** The official calendar (a 月报's due day counts working days). */
  calendar?: () => Promise<CalendarData>;
  log?: (msg: string) => void;
}) {
  const { db, clock, store } = deps;
  const access = campaignAccess({
    db,
    // Without the official calendar a due day counted in working days would be provisional.
    calendar: deps.calendar ?? (async (): Promise<CalendarData> => ({ years: {} })),
  });

  async function scopeOf(campaignId: string): Promise<CampaignScope & { ownerUnitId: string }> {
    const row = await campaignScopeRow(db, campaignId);
    const [c] = await db.select({ owner: campaigns.ownerUnitId }).from(campaigns).where(eq(campaigns.id, campaignId));
    if (!row || !c) throw notFoundRefusal('campaign');
    const { config: _config, ...scope } = row;
    return { ...scope, ownerUnitId: c.owner };
  }

  /** Only the campaign office issues; others who may read are told so, the rest see nothing. */
  function mayIssue(u: AuthUser, c: CampaignScope, what: string) {
    if (isOffice(u, c)) return;
    if (seesAll(u, c) || related(u.unitPath, c.areaPath))
      throw new Refused('forbidden', `only the campaign office issues ${what}`, { title: 'Forbidden' });
    throw notFoundRefusal(what);
  }

  const issueOf = (style: OfficeStyle, number: string, date: string, o: IssueOptions): Issue => ({
    flag: style.flag,
    office: style.fullName,
    printedBy: style.printedBy,
    dateStyle: style.dateStyle,
    number,
    date,
    copyTo: o.copyTo ?? style.copyTo,
    ...((o.note ?? style.note) ? { note: (o.note ?? style.note)! } : {}),
  });

  async function issue(
    u: AuthUser,
    c: { id: string; ownerUnitId: string },
    kind: DocumentKind,
    subjectId: string,
    o: IssueOptions & { period?: string },
    make: (issue: Issue) => OfficialDocument,
  ): Promise<DocumentView> {
    const doc = await db.transaction(async (tx) => {
      const style = await officeStyle(tx, c.ownerUnitId);
      if (!style) throw notFoundRefusal('issuing office');
      const made = await issueDocument(tx, {
        style,
        kind,
        campaignId: c.id,
        subjectId,
        period: o.period ?? null,
        issuedBy: u.id,
        at: clock.now().toISOString(),
        build: ({ number, date }) => {
          const content = make(issueOf(style, number, date, o));
          return { title: flat(content.title), content };
        },
      });
      const { content: _content, ...summary } = made;
      return summary;
    });
    // After the commit: the PDF is made in the background (a lost job is made again on first download).
    await deps.jobs
      ?.pdf(doc.id, doc.contentHash)
      .catch((e: Error) => deps.log?.(`document pdf not queued: ${e.message}`));
    if ((ITEM_DOCUMENT_KINDS as readonly string[]).includes(kind)) await recordInTrail(subjectId);
    return doc as DocumentView;
  }

  /**
   * Write the item's issued documents that its trail does not name yet into the trail (发文记录), through
   * the engine so either runtime records them. After the register's commit: the number is issued
   * whatever happens here; a failure is logged, and the next document issued about the item records
   * both (the command records each document once).
   */
  async function recordInTrail(itemId: string) {
    if (!deps.engine) return;
    const docs = await db
      .select({
        documentId: issuedDocuments.id,
        number: issuedDocuments.number,
        kind: issuedDocuments.kind,
        title: issuedDocuments.title,
        userId: issuedDocuments.issuedBy,
        name: users.displayName,
        issuedAt: issuedDocuments.issuedAt,
      })
      .from(issuedDocuments)
      .innerJoin(users, eq(users.id, issuedDocuments.issuedBy))
      .where(and(eq(issuedDocuments.subjectId, itemId), inArray(issuedDocuments.kind, [...ITEM_DOCUMENT_KINDS])))
      .orderBy(asc(issuedDocuments.issuedAt), asc(issuedDocuments.seq));
    try {
      await deps.engine.execute({
        itemId,
        actor: null,
        command: {
          type: 'record_document',
          documents: docs.map((d) => ({
            documentId: d.documentId,
            number: d.number,
            kind: d.kind as ItemDocumentKind,
            title: d.title,
            issuedBy: { userId: d.userId, name: d.name },
            issuedAt: new Date(d.issuedAt).toISOString(),
          })),
        },
      });
    } catch (e) {
      deps.log?.(`documents of item ${itemId} not yet in its trail: ${(e as Error).message}`);
    }
  }

  /** 通报 of a published round (its latest version unless one is named). */
  async function issueBulletin(u: AuthUser, roundId: string, o: IssueOptions & { version?: number }) {
    const [round] = await db.select().from(acceptanceRounds).where(eq(acceptanceRounds.id, roundId));
    if (!round) throw notFoundRefusal('round');
    const c = await scopeOf(round.campaignId);
    mayIssue(u, c, 'bulletins');
    const [published] = await db
      .select()
      .from(roundRankings)
      .where(and(eq(roundRankings.roundId, round.id), o.version ? eq(roundRankings.version, o.version) : undefined))
      .orderBy(desc(roundRankings.version))
      .limit(1);
    if (!published)
      throw new Refused('round_not_published', 'the bulletin exists once the round is published', {
        title: 'Not published',
      });
    const b = await buildBulletin(db, round, published);
    // The issued 公文 names its checkpoint in Chinese only (no Latin in a document sent out); the key id
    // and signature stay in the review copy and the JSON, and `zhenggai verify` finds them by number.
    const trail = b.trail && { checkpointNo: b.trail.checkpointNo, items: b.trail.items };
    return issue(u, c, 'bulletin', round.id, o, (i) => bulletinDocument({ ...b, trail }, i));
  }

  /** 约谈通知 of an accountability record whose action is an interview. */
  async function issueInterview(u: AuthUser, recordId: string, o: IssueOptions & { at?: string; place?: string }) {
    const [row] = await db
      .select({ r: accountabilityRecords, unit: orgUnits.name })
      .from(accountabilityRecords)
      .innerJoin(orgUnits, eq(orgUnits.id, accountabilityRecords.unitId))
      .where(eq(accountabilityRecords.id, recordId));
    if (!row) throw notFoundRefusal('accountability record');
    const c = await scopeOf(row.r.campaignId);
    mayIssue(u, c, 'interview notices');
    if (!/约谈/.test(row.r.actionTitle) && row.r.action !== 'interview')
      throw new Refused('not_an_interview', `this record calls for ${row.r.actionTitle}, not an interview`, {
        title: 'Rule violated',
      });
    const rounds = await db
      .select({ name: acceptanceRounds.name })
      .from(acceptanceRounds)
      .where(inArray(acceptanceRounds.id, row.r.roundIds))
      .orderBy(asc(acceptanceRounds.periodStart));
    return issue(u, c, 'interview', row.r.id, o, (i) =>
      interviewDocument(
        {
          campaign: c.name,
          unit: row.unit,
          rule: row.r.title,
          action: row.r.actionTitle,
          rounds: rounds.map((x) => x.name),
          at: o.at ?? null,
          place: o.place ?? null,
        },
        i,
      ),
    );
  }

  async function itemData(u: AuthUser, itemId: string) {
    const row = await getVisibleItem(db, { scopePath: u.scopePath }, itemId);
    if (!row) throw notFoundRefusal('item');
    const s = row.state as ItemState;
    const c = await scopeOf(s.campaignId);
    const names = await unitNamesByPath(s.leadUnit?.path ?? null);
    const data: ItemData = {
      campaign: c.name,
      category: row.categoryName,
      ledgerNo: `${s.reportedAt.slice(0, 4)}-${String(row.seqNo).padStart(6, '0')}`,
      title: s.title,
      description: s.description,
      source: SOURCE_LABELS[s.source] ?? '其他',
      responsibleUnit: row.responsibleName ?? '',
      leadUnit: names,
      measures: s.measures,
      mode: s.mode === 'immediate' ? '立行立改' : s.mode === 'phased' ? '限期整改' : null,
      deadline: s.deadline,
      milestones: s.milestones.map((m) => ({ title: m.title, dueOn: m.dueOn })),
    };
    return { s, c, data };
  }

  async function unitNamesByPath(path: string | null): Promise<string | null> {
    if (!path) return null;
    const [u] = await db.select({ name: orgUnits.name }).from(orgUnits).where(eq(orgUnits.path, path));
    return u?.name ?? null;
  }

  const OPEN = ['assigned', 'in_progress', 'submitted'];

  /** 交办单 (整改通知书): once the item has a responsible unit, measures and a deadline. */
  async function issueAssignment(u: AuthUser, itemId: string, o: IssueOptions) {
    const { s, c, data } = await itemData(u, itemId);
    mayIssue(u, c, 'assignment notices');
    if (!s.responsibleUnit || !s.deadline || s.status === 'reported' || s.status === 'dismissed')
      throw new Refused('not_assigned', 'the 交办单 is issued once the item is assigned', { title: 'Rule violated' });
    return issue(u, c, 'assignment', itemId, o, (i) => assignmentDocument(data, i));
  }

  /** 督办通知 (挂牌督办通知 when flagged) with its reply date and 回执. */
  async function issueSupervision(u: AuthUser, itemId: string, o: IssueOptions & { replyBy: string; reason?: string }) {
    const { s, c, data } = await itemData(u, itemId);
    mayIssue(u, c, 'supervision notices');
    if (!OPEN.includes(s.status))
      throw new Refused('not_open', 'only an open item (assigned, in progress or under review) is supervised', {
        title: 'Rule violated',
        allowed: [],
      });
    if (o.replyBy < shanghaiDate(clock.now().toISOString()))
      throw new Refused('rule_violated', 'the reply date must not be in the past', { field: 'replyBy' });
    const reason =
      o.reason ??
      (s.overdue && s.deadline
        ? `${data.title}问题整改时限为${bodyDate(s.deadline)}，已逾期仍未整改到位。`
        : s.flagged && s.flagReason
          ? `${data.title}问题${s.flagReason}。`
          : `${data.title}问题整改进度滞后。`);
    return issue(u, c, 'supervision', itemId, o, (i) =>
      supervisionDocument({ ...data, flagged: s.flagged, replyBy: o.replyBy, reason }, i),
    );
  }

  /** 销号审批表 of a signed-off item: what was done, the evidence, and each signer with the date they signed. */
  async function issueSignoff(u: AuthUser, itemId: string, o: IssueOptions) {
    const { s, c, data } = await itemData(u, itemId);
    mayIssue(u, c, 'sign-off forms');
    if (s.status !== 'closed' && s.status !== 'verified')
      throw new Refused('not_signed_off', 'the 销号审批表 is issued once the item is signed off (销号)', {
        title: 'Rule violated',
      });
    const signed = await signoffSigners(db, itemId);
    return issue(u, c, 'signoff', itemId, o, (i) => signoffDocument({ ...data, ...signed }, i));
  }

  /** 月报汇总 of a report period: who reported on time, late or not at all, and each unit's figures. */
  async function issueMonthly(u: AuthUser, campaignId: string, period: string, o: IssueOptions) {
    const c = await scopeOf(campaignId);
    mayIssue(u, c, 'campaign');
    const { cfg, p } = await access.reportPeriodOf(c, period);
    const data = await monthlyUnits(db, c, cfg.cycle, p, clock.now().toISOString());
    return issue(u, c, 'monthly', c.id, { ...o, period: p.period }, (i) => monthlyDocument(data, i));
  }

  /** Who may read a document: whoever reads the whole campaign, or the subject (item, unit) itself. */
  async function readable(u: AuthUser, d: { campaignId: string; kind: string; subjectId: string }) {
    const c = await scopeOf(d.campaignId).catch(() => null);
    if (!c) return false;
    if (seesAll(u, c)) return true;
    if ((ITEM_DOCUMENT_KINDS as readonly string[]).includes(d.kind))
      return !!(await getVisibleItem(db, { scopePath: u.scopePath }, d.subjectId));
    if (d.kind === 'interview') {
      const [r] = await db
        .select({ path: accountabilityRecords.unitPath })
        .from(accountabilityRecords)
        .where(eq(accountabilityRecords.id, d.subjectId));
      return !!r && within(r.path, u.unitPath);
    }
    // The bulletin and the 月报汇总 go to every unit of the campaign's area.
    return related(u.unitPath, c.areaPath) && (d.kind === 'bulletin' || d.kind === 'monthly');
  }

  async function list(u: AuthUser, f: { campaignId: string; subjectId?: string; kind?: string; period?: string }) {
    await access.visibleCampaign(u, f.campaignId); // another township's campaign: 404, as for any of its doors
    const rows = await documentsOf(db, f);
    const out: DocumentView[] = [];
    for (const r of rows) if (await readable(u, r)) out.push(r as DocumentView);
    return out;
  }

  async function readableDoc(u: AuthUser, id: string) {
    const d = await issuedById(db, id);
    if (!d || !(await readable(u, d))) throw notFoundRefusal('document');
    return d;
  }

  async function docx(u: AuthUser, id: string) {
    const d = await readableDoc(u, id);
    return { title: d.title, number: d.number, bytes: await renderDocx(d.content as OfficialDocument) };
  }

  /** The PDF when it is ready; else it is queued (or, with no background queue here, made now). */
  async function pdf(
    u: AuthUser,
    id: string,
  ): Promise<{ ready: true; title: string; stream: Readable } | { ready: false; title: string }> {
    const d = await readableDoc(u, id);
    if (!store) {
      const bytes = await toPdf(await renderDocx(d.content as OfficialDocument), 'docx');
      return { ready: true, title: d.title, stream: Readable.from([bytes]) };
    }
    const key = documentPdfKey(d.contentHash);
    if (!(await store.has(key))) {
      if (deps.jobs) {
        await deps.jobs.pdf(d.id, d.contentHash);
        return { ready: false, title: d.title };
      }
      await makePdf({ db, store }, d.id);
    }
    return { ready: true, title: d.title, stream: await store.get(key) };
  }

  /**
   * The bulletin before it is issued, for review: the office's 版头 with the number left blank (it is
   * filled when the bulletin is issued through the register) and today's date.
   */
  async function draftBulletinDocx(b: Bulletin, campaignId: string): Promise<Buffer> {
    const c = await scopeOf(campaignId);
    const style = await officeStyle(db, c.ownerUnitId);
    if (!style) throw notFoundRefusal('issuing office');
    const date = shanghaiDate(clock.now().toISOString());
    const number = `${style.prefix}〔${date.slice(0, 4)}〕\u3000\u3000号`;
    return renderDocx(bulletinDocument(b, issueOf(style, number, date, {})));
  }

  return {
    issueBulletin,
    issueInterview,
    issueAssignment,
    issueSupervision,
    issueSignoff,
    issueMonthly,
    list,
    readableDoc,
    docx,
    pdf,
    draftBulletinDocx,
  };
}

export type DocumentService = ReturnType<typeof documentService>;

/**
 * Render an issued document to PDF and keep it in the file store under its content hash (the
 * background job's work; idempotent: a PDF already there is not made again).
 */
export async function makePdf(deps: { db: Db; store: FileStore }, documentId: string): Promise<'made' | 'cached'> {
  const d = await issuedById(deps.db, documentId);
  if (!d) throw new Refused('not_found', `no issued document ${documentId}`);
  const key = documentPdfKey(d.contentHash);
  if (await deps.store.has(key)) return 'cached';
  const pdf = await toPdf(await renderDocx(d.content as OfficialDocument), 'docx');
  const dir = await mkdtemp(join(tmpdir(), 'zg-docpdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    await deps.store.put(key, file, 'application/pdf');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return 'made';
}

/** An issued document's PDF bytes: from the file store (made and kept there first when missing), or made now. */
export async function documentPdf(deps: { db: Db; store?: FileStore }, documentId: string): Promise<Buffer> {
  const d = await issuedById(deps.db, documentId);
  if (!d) throw new Refused('not_found', `no issued document ${documentId}`);
  if (!deps.store) return toPdf(await renderDocx(d.content as OfficialDocument), 'docx');
  await makePdf({ db: deps.db, store: deps.store }, documentId);
  const chunks: Buffer[] = [];
  for await (const c of await deps.store.get(documentPdfKey(d.contentHash))) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
