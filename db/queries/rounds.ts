// Acceptance rounds (阶段验收): the rows — rounds, score sheets, published rankings and accountability
// records — read and written as plain queries. The rules (no overlap, publish once, accountability)
// are in services/rounds.ts.
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import { endOfDay, startOfDay } from '../../domain/calendar/calendar.ts';
import type { RoundPlacements } from '../../domain/accountability/rules.ts';
import type { RankedGroup } from '../../domain/ranking/score.ts';
import type { DbOrTx } from '../client.ts';
import {
  accountabilityRecords,
  acceptanceRounds,
  itemEvents,
  items,
  orgUnits,
  reports,
  roundRankings,
  roundScores,
  type RoundRow,
} from '../schema.ts';

export interface Ranking {
  roundId: string;
  asOf: string;
  schemeVersion: string;
  groups: RankedGroup[];
  unranked: string[];
}

/** Serialize round creation and publication per campaign for the rest of the transaction. */
export async function lockCampaignRounds(tx: DbOrTx, campaignId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`rounds:${campaignId}`}, 0))`);
}

/** A round of the campaign whose period overlaps [periodStart, periodEnd], if any. */
export async function overlappingRound(
  db: DbOrTx,
  r: { campaignId: string; periodStart: string; periodEnd: string },
): Promise<{ id: string; name: string } | null> {
  const [clash] = await db
    .select({ id: acceptanceRounds.id, name: acceptanceRounds.name })
    .from(acceptanceRounds)
    .where(
      and(
        eq(acceptanceRounds.campaignId, r.campaignId),
        sql`${acceptanceRounds.periodStart} <= ${r.periodEnd}`,
        sql`${acceptanceRounds.periodEnd} >= ${r.periodStart}`,
      ),
    );
  return clash ?? null;
}

export async function insertRound(
  db: DbOrTx,
  r: Omit<typeof acceptanceRounds.$inferInsert, 'id' | 'status' | 'createdAt'>,
): Promise<RoundRow> {
  const [row] = await db.insert(acceptanceRounds).values(r).returning();
  return row!;
}

export async function roundById(db: DbOrTx, id: string): Promise<RoundRow | null> {
  const [row] = await db.select().from(acceptanceRounds).where(eq(acceptanceRounds.id, id));
  return row ?? null;
}

export const roundWindow = (r: Pick<RoundRow, 'periodStart' | 'periodEnd'>) => ({
  from: startOfDay(r.periodStart),
  to: endOfDay(r.periodEnd),
});

export async function unitsByIds(db: DbOrTx, ids: string[]) {
  return db
    .select({ id: orgUnits.id, name: orgUnits.name, kind: orgUnits.kind, path: orgUnits.path })
    .from(orgUnits)
    .where(sql`${orgUnits.id} = any(${sql.param(ids)}::uuid[])`);
}

export async function scoreSheets(db: DbOrTx, roundId: string) {
  return db.select().from(roundScores).where(eq(roundScores.roundId, roundId));
}

/** One unit's score sheet in a round, if recorded. */
export async function scoreSheetOf(db: DbOrTx, roundId: string, unitId: string) {
  const [sheet] = await db
    .select()
    .from(roundScores)
    .where(and(eq(roundScores.roundId, roundId), eq(roundScores.unitId, unitId)));
  return sheet ?? null;
}

/** Record a unit's score sheet, replacing the one recorded before. */
export async function upsertScoreSheet(db: DbOrTx, values: typeof roundScores.$inferInsert) {
  await db
    .insert(roundScores)
    .values(values)
    .onConflictDoUpdate({ target: [roundScores.roundId, roundScores.unitId], set: values });
}

/** The items a look-back (回头看) may select: closed or verified items of the focus categories, in ledger order. */
export async function lookBackCandidates(db: DbOrTx, round: Pick<RoundRow, 'campaignId' | 'focusCategoryIds'>) {
  const rows = await db
    .select({ id: items.id })
    .from(items)
    .where(
      and(
        eq(items.campaignId, round.campaignId),
        inArray(items.categoryId, round.focusCategoryIds),
        inArray(items.status, ['closed', 'verified']),
      ),
    )
    .orderBy(asc(items.seqNo));
  return rows.map((x) => x.id);
}

export async function saveSelection(db: DbOrTx, roundId: string, selection: NonNullable<RoundRow['selection']>) {
  await db.update(acceptanceRounds).set({ selection }).where(eq(acceptanceRounds.id, roundId));
}

/** Per unit, how many of the given periods' reports were first submitted on time by `until`. */
export async function onTimeReports(db: DbOrTx, campaignId: string, periods: string[], until: string) {
  if (periods.length === 0) return [];
  return db
    .select({
      unitId: reports.unitId,
      onTime: sql<number>`count(*) filter (where ${reports.late} = false and ${reports.firstSubmittedAt} <= ${until})::int`,
    })
    .from(reports)
    .where(and(eq(reports.campaignId, campaignId), sql`${reports.period} = any(${sql.param(periods)}::text[])`))
    .groupBy(reports.unitId);
}

/** A published version of a round's ranking, the latest unless `version` is given. */
export async function latestRanking(db: DbOrTx, roundId: string, version?: number) {
  const [row] = await db
    .select()
    .from(roundRankings)
    .where(and(eq(roundRankings.roundId, roundId), version ? eq(roundRankings.version, version) : undefined))
    .orderBy(desc(roundRankings.version))
    .limit(1);
  return row ?? null;
}

/** Store a published ranking version and mark the round published. */
export async function insertPublishedRanking(db: DbOrTx, r: typeof roundRankings.$inferInsert) {
  await db.insert(roundRankings).values(r);
  await db.update(acceptanceRounds).set({ status: 'published' }).where(eq(acceptanceRounds.id, r.roundId));
}

/** The latest published version of every round of the campaign, in period order. */
export async function publishedHistory(
  db: DbOrTx,
  campaignId: string,
): Promise<{ round: RoundRow; ranking: Ranking; version: number }[]> {
  const rows = await db
    .select({ round: acceptanceRounds, rk: roundRankings })
    .from(acceptanceRounds)
    .innerJoin(roundRankings, eq(roundRankings.roundId, acceptanceRounds.id))
    .where(eq(acceptanceRounds.campaignId, campaignId))
    .orderBy(asc(acceptanceRounds.periodStart), desc(roundRankings.version));
  const seen = new Set<string>();
  return rows
    .filter((r) => !seen.has(r.round.id) && seen.add(r.round.id))
    .map((r) => ({ round: r.round, ranking: r.rk.result as Ranking, version: r.rk.version }));
}

export const placementsOf = (h: { round: RoundRow; ranking: Ranking }[]): RoundPlacements[] =>
  h.map(({ round, ranking }) => ({
    roundId: round.id,
    periodEnd: roundWindow(round).to,
    // Units tied (并列) share the lowest place of their tie: two tied at the bottom are both 倒数第一.
    placements: ranking.groups.flatMap((g) =>
      g.lines.map((l) => ({
        unitId: l.unitId,
        rank: l.rank + g.lines.filter((o) => o.rank === l.rank).length - 1,
        groupSize: l.groupSize,
      })),
    ),
  }));

/** Insert accountability records, skipping those already recorded; answers the new ids. */
export async function insertAccountabilityRecords(
  db: DbOrTx,
  rows: (typeof accountabilityRecords.$inferInsert)[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(accountabilityRecords)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: accountabilityRecords.id });
  return inserted.map((r) => r.id);
}

/** Failed rechecks (反弹, 整改不到位) of a campaign's items up to `until`, with the item's responsible unit path. */
export async function failedRechecks(
  db: DbOrTx,
  campaignId: string,
  until: string,
): Promise<{ itemId: string; unitPath: string | null; at: string }[]> {
  return db
    .select({ itemId: itemEvents.itemId, unitPath: items.responsibleUnitPath, at: itemEvents.at })
    .from(itemEvents)
    .innerJoin(items, eq(items.id, itemEvents.itemId))
    .where(and(eq(items.campaignId, campaignId), eq(itemEvents.type, 'RecheckFailed'), lte(itemEvents.at, until)));
}
