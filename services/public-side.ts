// The public side (公示 · 互联网+监督, 000 §八: 一律公告公示,接受群众和社会监督; 002 §六(三): 每次督查考评结果
// 在媒体予以公布): what anyone may read without signing in — a campaign's summary, published rankings and the
// sign-offs in their 公示, personal data masked — and the objections (异议) anyone may file.
// A campaign whose public side is off does not exist here (not_found, as a missing one).
import { createHash, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { maskText, openObjections } from '../domain/item/index.ts';
import type { CampaignSettings, ItemState } from '../domain/item/types.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import {
  acceptanceRounds,
  campaigns,
  categories,
  items,
  orgUnits,
  publicHits,
  publicObjections,
  roundRankings,
} from '../db/schema.ts';
import type { Ranking } from '../db/queries/rounds.ts';
import { CommandRefused, type Clock, type ItemEngine } from '../workflows/engine.ts';
import { notFoundRefusal, Refused } from './refusal.ts';

export const PUBLIC_LIMITS = {
  /** Objections one address may file per window (then 429 with the seconds to wait). */
  objectionsPerWindow: 5,
  objectionWindowMs: 60 * 60_000,
  maxContact: 100,
  maxText: 1000,
};

/** The campaign when its public side is on; otherwise not_found, as if it did not exist. */
export async function publicCampaign(db: DbOrTx, campaignId: string) {
  const [c] = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      settings: campaigns.settings,
      ownerUnitId: campaigns.ownerUnitId,
    })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  if (!c?.settings.publicSide?.enabled) throw notFoundRefusal('campaign');
  return c;
}

const responsible = sql<string | null>`(select name from org_units u where u.id = ${items.responsibleUnitId})`;

/** The item as the public sees it in its 公示: the village, the problem, the measures, the chosen evidence. */
function noticeView(row: { seqNo: number; state: ItemState; village: string | null; category: string | null }) {
  const s = row.state;
  const p = s.publicNotice!;
  const m = (t: string | null) => (t === null ? null : maskText(t, s.person));
  return {
    id: s.id,
    ledgerNo: row.seqNo,
    village: row.village,
    category: row.category,
    title: m(s.title)!,
    description: m(s.description)!,
    location: m(s.location),
    measures: m(s.measures),
    summary: m(s.summary),
    evidence: p.evidence,
    startedAt: p.startedAt,
    endsOn: p.endsOn,
    ended: p.endedAt !== null,
    objections: p.objections.length,
    openObjections: openObjections(s),
  };
}
export type PublicNotice = ReturnType<typeof noticeView>;

const inNotice = sql`${items.status} = 'submitted' and ${items.state} ? 'publicNotice' and ${items.state}->'publicNotice' <> 'null'::jsonb`;

/** The sign-offs of a campaign now in their 公示 (or held there by an objection), latest first. */
export async function noticeList(db: DbOrTx, campaignId: string): Promise<PublicNotice[]> {
  await publicCampaign(db, campaignId);
  const rows = await db
    .select({ seqNo: items.seqNo, state: items.state, village: responsible, category: categories.name })
    .from(items)
    .leftJoin(categories, eq(categories.id, items.categoryId))
    .where(and(eq(items.campaignId, campaignId), inNotice))
    .orderBy(desc(items.updatedAt))
    .limit(200);
  return rows.map(noticeView);
}

export async function noticeItem(db: DbOrTx, campaignId: string, itemId: string): Promise<PublicNotice> {
  await publicCampaign(db, campaignId);
  const [row] = await db
    .select({ seqNo: items.seqNo, state: items.state, village: responsible, category: categories.name })
    .from(items)
    .leftJoin(categories, eq(categories.id, items.categoryId))
    .where(and(eq(items.id, itemId), eq(items.campaignId, campaignId), inNotice));
  if (!row) throw notFoundRefusal('notice');
  return noticeView(row);
}

/** A keyed hash of a client address: the queue shows one source flooding without keeping the address. */
export const addressHash = (address: string, campaignId: string) =>
  createHash('sha256').update(`${campaignId}\n${address}`).digest('hex').slice(0, 16);

/**
 * Count one use of `key` in a fixed window; the seconds to wait when it went over `limit` (0: go on).
 * In PostgreSQL so every API process shares the count.
 */
export async function countHit(db: DbOrTx, key: string, limit: number, windowMs: number, now: Date): Promise<number> {
  const t = now.toISOString();
  const windowStart = new Date(now.getTime() - windowMs).toISOString();
  const [row] = await db
    .insert(publicHits)
    .values({ key, count: 1, windowStart: t })
    .onConflictDoUpdate({
      target: publicHits.key,
      set: {
        count: sql`case when ${publicHits.windowStart} < ${windowStart} then 1 else ${publicHits.count} + 1 end`,
        windowStart: sql`case when ${publicHits.windowStart} < ${windowStart} then ${t}::timestamptz else ${publicHits.windowStart} end`,
      },
    })
    .returning({ count: publicHits.count, windowStart: publicHits.windowStart });
  if (!row || row.count <= limit) return 0;
  return Math.max(1, Math.ceil((new Date(row.windowStart).getTime() + windowMs - now.getTime()) / 1000));
}

/**
 * 异议: the words go into the item's trail (the sign-off waits), the contact into the moderation queue
 * beside it. The engine decides first: an objection it refuses (the 公示 is over, the text is empty) is
 * stored nowhere.
 */
export async function fileObjection(
  deps: { db: Db; engine: ItemEngine; clock: Clock },
  o: { campaignId: string; itemId: string; contact: string; text: string; address: string },
): Promise<{ id: string; receivedAt: string }> {
  await noticeItem(deps.db, o.campaignId, o.itemId);
  const id = randomUUID();
  try {
    await deps.engine.execute({
      itemId: o.itemId,
      actor: null,
      command: { type: 'file_objection', objectionId: id, text: o.text.trim() },
    });
  } catch (err) {
    if (err instanceof CommandRefused)
      throw new Refused(err.error.code === 'invalid_transition' ? 'notice_over' : 'validation', err.error.message, {
        ...(err.error.field ? { field: err.error.field } : {}),
      });
    throw err;
  }
  const receivedAt = deps.clock.now().toISOString();
  await deps.db.insert(publicObjections).values({
    id,
    campaignId: o.campaignId,
    itemId: o.itemId,
    contact: o.contact.trim(),
    text: o.text.trim(),
    addressHash: addressHash(o.address, o.campaignId),
    createdAt: receivedAt,
  });
  return { id, receivedAt };
}

/** The moderation queue: objections of a campaign with the filer's contact, open ones first. */
export async function objectionQueue(db: DbOrTx, campaignId: string, itemId?: string) {
  return db
    .select({
      id: publicObjections.id,
      itemId: publicObjections.itemId,
      contact: publicObjections.contact,
      text: publicObjections.text,
      status: publicObjections.status,
      addressHash: publicObjections.addressHash,
      createdAt: publicObjections.createdAt,
    })
    .from(publicObjections)
    .where(and(eq(publicObjections.campaignId, campaignId), itemId ? eq(publicObjections.itemId, itemId) : undefined))
    .orderBy(sql`${publicObjections.status} <> 'open'`, asc(publicObjections.createdAt))
    .limit(500);
}

/** After the item's trail took the answer, the queue row says it too. */
export async function markObjection(db: DbOrTx, id: string, upheld: boolean) {
  await db
    .update(publicObjections)
    .set({ status: upheld ? 'upheld' : 'not_upheld' })
    .where(eq(publicObjections.id, id));
}

const BUCKETS = {
  open: ['reported', 'assigned', 'in_progress'],
  submitted: ['submitted'],
  closed: ['closed', 'verified'],
  dismissed: ['dismissed'],
} as const;

/** A campaign's public summary: counts per village and per category, and the published rankings. */
export async function publicSummary(db: DbOrTx, campaignId: string) {
  const c = await publicCampaign(db, campaignId);
  const bucket = sql<string>`case
    when ${items.status} in ('closed', 'verified') then 'closed'
    when ${items.status} = 'submitted' then 'submitted'
    when ${items.status} = 'dismissed' then 'dismissed'
    else 'open' end`;
  const byVillage = await db
    .select({ name: orgUnits.name, bucket, n: sql<number>`count(*)::int` })
    .from(items)
    .innerJoin(orgUnits, eq(orgUnits.id, items.responsibleUnitId))
    .where(eq(items.campaignId, campaignId))
    .groupBy(orgUnits.name, bucket);
  const byCategory = await db
    .select({ name: categories.name, bucket, n: sql<number>`count(*)::int` })
    .from(items)
    .innerJoin(categories, eq(categories.id, items.categoryId))
    .where(eq(items.campaignId, campaignId))
    .groupBy(categories.name, bucket);
  const rankings = await db
    .selectDistinctOn([roundRankings.roundId], {
      roundId: roundRankings.roundId,
      name: acceptanceRounds.name,
      periodStart: acceptanceRounds.periodStart,
      periodEnd: acceptanceRounds.periodEnd,
      version: roundRankings.version,
      publishedAt: roundRankings.publishedAt,
      result: roundRankings.result,
    })
    .from(roundRankings)
    .innerJoin(acceptanceRounds, eq(acceptanceRounds.id, roundRankings.roundId))
    .where(eq(acceptanceRounds.campaignId, campaignId))
    .orderBy(roundRankings.roundId, desc(roundRankings.version));
  const table = (rows: { name: string; bucket: string; n: number }[]) => {
    const out = new Map<string, Record<keyof typeof BUCKETS, number> & { name: string; total: number }>();
    for (const r of rows) {
      const t = out.get(r.name) ?? { name: r.name, open: 0, submitted: 0, closed: 0, dismissed: 0, total: 0 };
      t[r.bucket as keyof typeof BUCKETS] += r.n;
      t.total += r.n;
      out.set(r.name, t);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  };
  return {
    campaign: { id: c.id, name: c.name, noticeWorkingDays: noticeWorkingDays(c.settings) },
    villages: table(byVillage),
    categories: table(byCategory),
    rankings: rankings
      .sort((a, b) => b.periodEnd.localeCompare(a.periodEnd))
      .map((r) => ({
        roundId: r.roundId,
        name: r.name,
        periodStart: r.periodStart,
        periodEnd: r.periodEnd,
        version: r.version,
        publishedAt: new Date(r.publishedAt).toISOString(),
        groups: (r.result as Ranking).groups.map((g) => ({
          title: g.title,
          lines: g.lines.map((l) => ({ rank: l.rank, name: l.name, score: l.score, veto: l.veto })),
        })),
      })),
    notices: (await db.$count(items, and(eq(items.campaignId, campaignId), inNotice))) as number,
  };
}

const noticeWorkingDays = (s: CampaignSettings) => s.publicSide?.noticeWorkingDays ?? 0;
