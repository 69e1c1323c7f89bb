// Acceptance rounds (阶段验收): creation (no overlapping periods), score sheets, the ranking computed
// from the trail as of the period end, publication (frozen; corrections are new versions), and the
// accountability rules evaluated over every published ranking of the campaign.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { endOfDay, startOfDay, type CalendarData } from '../../domain/calendar/calendar.ts';
import { evaluateRules, type AccountabilityConfig, type RoundPlacements } from '../../domain/accountability/rules.ts';
import { cyclePeriods, type ReportCycle } from '../../domain/report/cycle.ts';
import { rankUnits, type RankedGroup, type RankedUnitInput, type ScoreSheet } from '../../domain/ranking/score.ts';
import type { Db, DbOrTx } from '../client.ts';
import {
  accountabilityRecords,
  acceptanceRounds,
  orgUnits,
  reports,
  roundRankings,
  roundScores,
  type RoundRow,
} from '../schema.ts';
import { factsForMany, indicatorRows } from './ledger-stats.ts';

export class RuleBroken extends Error {
  constructor(
    readonly status: 409 | 422,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Ranking {
  roundId: string;
  asOf: string;
  schemeVersion: string;
  groups: RankedGroup[];
  unranked: string[];
}

/** Refuse a round whose period overlaps another round of the campaign (serialized per campaign). */
export async function createRound(
  db: Db,
  r: Omit<typeof acceptanceRounds.$inferInsert, 'id' | 'status' | 'createdAt'>,
): Promise<RoundRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`rounds:${r.campaignId}`}, 0))`);
    const [clash] = await tx
      .select({ id: acceptanceRounds.id, name: acceptanceRounds.name })
      .from(acceptanceRounds)
      .where(
        and(
          eq(acceptanceRounds.campaignId, r.campaignId),
          sql`${acceptanceRounds.periodStart} <= ${r.periodEnd}`,
          sql`${acceptanceRounds.periodEnd} >= ${r.periodStart}`,
        ),
      );
    if (clash)
      throw new RuleBroken(
        409,
        'round_period_overlaps',
        `the period overlaps round “${clash.name}” (${clash.id}) of this campaign`,
        'periodStart',
      );
    const [row] = await tx.insert(acceptanceRounds).values(r).returning();
    return row!;
  });
}

export async function roundById(db: DbOrTx, id: string): Promise<RoundRow | null> {
  const [row] = await db.select().from(acceptanceRounds).where(eq(acceptanceRounds.id, id));
  return row ?? null;
}

export const roundWindow = (r: Pick<RoundRow, 'periodStart' | 'periodEnd'>) => ({
  from: startOfDay(r.periodStart),
  to: endOfDay(r.periodEnd),
});

/**
 * The ranking of a round as of `asOf` (the period end when publishing): ledger indicators from the
 * event trail, report timeliness from the reports due in the period, inspection points and
 * deductions from the score sheets.
 */
export async function computeRanking(
  db: DbOrTx,
  round: RoundRow,
  cycle: ReportCycle,
  cal: CalendarData,
  asOf: string,
): Promise<Ranking> {
  const { from, to } = roundWindow(round);
  const until = asOf < to ? asOf : to;
  const dueHere = cyclePeriods(cycle, round.periodEnd.slice(0, 7), cal).filter((p) => p.dueAt >= from && p.dueAt <= to);
  // One after the other: `db` may be the publishing transaction, whose one connection must not get concurrent queries.
  const units = await db
    .select({ id: orgUnits.id, name: orgUnits.name, kind: orgUnits.kind, path: orgUnits.path })
    .from(orgUnits)
    .where(sql`${orgUnits.id} = any(${sql.param(cycle.reportingUnitIds)}::uuid[])`);
  const rows = await indicatorRows(
    db,
    round.campaignId,
    round.focusCategoryIds,
    from,
    to,
    until,
    round.scheme.acceptWithinHours,
  );
  const sheets = await db.select().from(roundScores).where(eq(roundScores.roundId, round.id));
  const reported =
    dueHere.length === 0
      ? []
      : await db
          .select({
            unitId: reports.unitId,
            onTime: sql<number>`count(*) filter (where ${reports.late} = false and ${reports.firstSubmittedAt} <= ${until})::int`,
          })
          .from(reports)
          .where(
            and(
              eq(reports.campaignId, round.campaignId),
              sql`${reports.period} = any(${sql.param(dueHere.map((p) => p.period))}::text[])`,
            ),
          )
          .groupBy(reports.unitId);
  const sheetOf = new Map(
    sheets.map((s) => [s.unitId, { lines: s.lines, veto: s.veto, vetoReason: s.vetoReason } satisfies ScoreSheet]),
  );
  const onTime = new Map(reported.map((r) => [r.unitId, r.onTime]));
  // Ledger counts belong to a unit when it is (or contains) the responsible or lead unit.
  const facts = factsForMany(
    rows,
    units.map((u) => u.path),
  );
  const inputs: RankedUnitInput[] = units.map((u) => ({
    unitId: u.id,
    name: u.name,
    kind: u.kind,
    sheet: sheetOf.get(u.id) ?? null,
    facts: {
      ...facts.get(u.path)!,
      report_timeliness: { numerator: onTime.get(u.id) ?? 0, denominator: dueHere.length },
    },
  }));
  const { groups, unranked } = rankUnits(inputs, round.scheme, round.scoreLines);
  return { roundId: round.id, asOf: until, schemeVersion: round.scheme.version, groups, unranked };
}

export async function latestRanking(db: DbOrTx, roundId: string) {
  const [row] = await db
    .select()
    .from(roundRankings)
    .where(eq(roundRankings.roundId, roundId))
    .orderBy(desc(roundRankings.version))
    .limit(1);
  return row ?? null;
}

/**
 * Publish (version 1) or correct (version n+1, with a reason) a round's ranking; then evaluate the
 * accountability rules over all published rounds of the campaign and record what newly fires.
 */
export async function publishRound(
  db: Db,
  p: {
    round: RoundRow;
    cycle: ReportCycle;
    cal: CalendarData;
    accountability: AccountabilityConfig;
    actorId: string;
    now: string;
    correction: string | null;
  },
): Promise<{ version: number; ranking: Ranking; triggered: string[] }> {
  const { to } = roundWindow(p.round);
  if (p.now < to) throw new RuleBroken(409, 'round_not_finished', `the round's period ends at ${to}; publish after it`);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`rounds:${p.round.campaignId}`}, 0))`);
    const prior = await latestRanking(tx, p.round.id);
    if (prior && !p.correction) {
      throw new RuleBroken(
        409,
        'round_already_published',
        `the round was published (version ${prior.version}); a change is a correction with a reason`,
      );
    }
    if (!prior && p.correction)
      throw new RuleBroken(409, 'round_not_published', 'nothing to correct: the round has not been published');
    const ranking = await computeRanking(tx, p.round, p.cycle, p.cal, to);
    const needsSheets = p.round.scheme.indicators.some((i) => i.key === 'inspection_score' && i.weight > 0);
    const missing = needsSheets
      ? ranking.groups.flatMap((g) => g.lines).filter((l) => l.explanation.some((e) => e.note === 'no_score_sheet'))
      : [];
    if (missing.length > 0) {
      throw new RuleBroken(
        409,
        'score_sheets_missing',
        `score sheets are missing for ${missing.length} unit(s): ${missing
          .slice(0, 5)
          .map((l) => l.name)
          .join('、')}`,
      );
    }
    const version = (prior?.version ?? 0) + 1;
    await tx.insert(roundRankings).values({
      roundId: p.round.id,
      version,
      reason: p.correction,
      asOf: ranking.asOf,
      result: ranking,
      publishedBy: p.actorId,
      publishedAt: p.now,
    });
    await tx.update(acceptanceRounds).set({ status: 'published' }).where(eq(acceptanceRounds.id, p.round.id));
    const triggered = await recordAccountability(tx, p.round.campaignId, p.accountability, p.now);
    return { version, ranking, triggered };
  });
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
    placements: ranking.groups.flatMap((g) =>
      g.lines.map((l) => ({ unitId: l.unitId, rank: l.rank, groupSize: l.groupSize })),
    ),
  }));

/** Record every rule that fires over the published history and is not yet recorded; answers the new record ids. */
async function recordAccountability(
  tx: DbOrTx,
  campaignId: string,
  config: AccountabilityConfig,
  now: string,
): Promise<string[]> {
  const history = await publishedHistory(tx, campaignId);
  const triggers = evaluateRules(placementsOf(history), config);
  if (triggers.length === 0) return [];
  const units = await tx
    .select({ id: orgUnits.id, path: orgUnits.path })
    .from(orgUnits)
    .where(sql`${orgUnits.id} = any(${sql.param(triggers.map((t) => t.unitId))}::uuid[])`);
  const pathOf = new Map(units.map((u) => [u.id, u.path]));
  const inserted = await tx
    .insert(accountabilityRecords)
    .values(
      triggers.map((t) => {
        const rule = config.rules.find((r) => r.id === t.ruleId)!;
        return {
          campaignId,
          unitId: t.unitId,
          unitPath: pathOf.get(t.unitId)!,
          ruleId: t.ruleId,
          action: t.action,
          title: rule.title,
          actionTitle: rule.actionTitle,
          roundIds: t.roundIds,
          firedAtRoundId: t.firedAtRoundId,
          createdAt: now,
        };
      }),
    )
    .onConflictDoNothing()
    .returning({ id: accountabilityRecords.id });
  return inserted.map((r) => r.id);
}
