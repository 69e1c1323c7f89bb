// Acceptance rounds and accountability: creation (no overlapping periods), the ranking computed from
// the trail as of the period end, publication (frozen; corrections are new versions), and the
// accountability rules evaluated over every published ranking of the campaign.
import type { Db, DbOrTx } from '../db/client.ts';
import { factsForMany, indicatorRows } from '../db/queries/ledger-stats.ts';
import {
  insertAccountabilityRecords,
  insertPublishedRanking,
  failedRechecks,
  insertRound,
  latestRanking,
  lockCampaignRounds,
  onTimeReports,
  overlappingRound,
  placementsOf,
  publishedHistory,
  type Ranking,
  roundWindow,
  scoreSheets,
  unitsByIds,
} from '../db/queries/rounds.ts';
import type { acceptanceRounds, RoundRow } from '../db/schema.ts';
import {
  type AccountabilityConfig,
  evaluateRules,
  isRecheckRule,
  type RecheckFailure,
  type RoundPlacements,
} from '../domain/accountability/rules.ts';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { rankUnits, type RankedUnitInput, readsScoreSheets, type ScoreSheet } from '../domain/ranking/score.ts';
import { cyclePeriods, type ReportCycle } from '../domain/report/cycle.ts';
import { Refused } from './refusal.ts';

export type { Ranking } from '../db/queries/rounds.ts';

const ruleBroken = (code: string, message: string, field?: string) =>
  new Refused(code, message, { title: 'Rule violated', ...(field ? { field } : {}) });

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
  const units = await unitsByIds(db, cycle.reportingUnitIds);
  const rows = await indicatorRows(
    db,
    round.campaignId,
    round.focusCategoryIds,
    from,
    to,
    until,
    round.scheme.acceptWithinHours,
  );
  const sheets = await scoreSheets(db, round.id);
  const reported = await onTimeReports(
    db,
    round.campaignId,
    dueHere.map((p) => p.period),
    until,
  );
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

/**
 * 整改不到位: each failed recheck up to the last published period, counted for every ranked unit that is,
 * or contains, the item's responsible unit (a village's failure is its township's too).
 */
async function failuresOfRanked(
  tx: DbOrTx,
  campaignId: string,
  placements: RoundPlacements[],
): Promise<RecheckFailure[]> {
  const until = placements
    .map((p) => p.periodEnd ?? '')
    .sort()
    .at(-1);
  if (!until) return [];
  const ranked = await unitsByIds(tx, [...new Set(placements.flatMap((p) => p.placements.map((x) => x.unitId)))]);
  const out: RecheckFailure[] = [];
  for (const f of await failedRechecks(tx, campaignId, until))
    for (const u of ranked) if (f.unitPath?.startsWith(u.path)) out.push({ unitId: u.id, itemId: f.itemId, at: f.at });
  return out;
}

/** Record every rule that fires over the published history and is not yet recorded; answers the new record ids. */
export async function recordAccountability(
  tx: DbOrTx,
  campaignId: string,
  config: AccountabilityConfig,
  now: string,
): Promise<string[]> {
  const history = await publishedHistory(tx, campaignId);
  const placements = placementsOf(history);
  const failures = config.rules.some(isRecheckRule) ? await failuresOfRanked(tx, campaignId, placements) : [];
  const triggers = evaluateRules(placements, config, failures);
  if (triggers.length === 0) return [];
  const units = await unitsByIds(
    tx,
    triggers.map((t) => t.unitId),
  );
  const pathOf = new Map(units.map((u) => [u.id, u.path]));
  return insertAccountabilityRecords(
    tx,
    triggers.map((t) => {
      const rule = config.rules.find((r) => r.id === t.ruleId)!;
      return {
        campaignId,
        unitId: t.unitId,
        unitPath: pathOf.get(t.unitId)!,
        ruleId: t.ruleId,
        action: t.action,
        title: t.itemIds ? `${rule.title}:${t.itemIds.length}件` : rule.title,
        actionTitle: rule.actionTitle,
        roundIds: t.roundIds,
        firedAtRoundId: t.firedAtRoundId,
        createdAt: now,
      };
    }),
  );
}

export type RoundService = ReturnType<typeof roundService>;

export function roundService(deps: { db: Db }) {
  const { db } = deps;

  /** Refuse a round whose period overlaps another round of the campaign (serialized per campaign). */
  async function createRound(
    r: Omit<typeof acceptanceRounds.$inferInsert, 'id' | 'status' | 'createdAt'>,
    alongside?: (row: RoundRow, tx: DbOrTx) => Promise<void>,
  ) {
    return db.transaction(async (tx) => {
      await lockCampaignRounds(tx, r.campaignId);
      const clash = await overlappingRound(tx, r);
      if (clash)
        throw ruleBroken(
          'round_period_overlaps',
          `the period overlaps round “${clash.name}” (${clash.id}) of this campaign`,
          'periodStart',
        );
      const row = await insertRound(tx, r);
      await alongside?.(row, tx);
      return row;
    });
  }

  /**
   * Publish (version 1) or correct (version n+1, with a reason) a round's ranking; then evaluate the
   * accountability rules over all published rounds of the campaign and record what newly fires.
   */
  async function publishRound(p: {
    round: RoundRow;
    cycle: ReportCycle;
    cal: CalendarData;
    accountability: AccountabilityConfig;
    actorId: string;
    now: string;
    correction: string | null;
    /** Runs in the publishing transaction after its writes (the caller's Idempotency-Key answer). */
    alongside?: (out: { version: number; ranking: Ranking; triggered: string[] }, tx: DbOrTx) => Promise<void>;
  }): Promise<{ version: number; ranking: Ranking; triggered: string[] }> {
    const { to } = roundWindow(p.round);
    if (p.now < to) throw ruleBroken('round_not_finished', `the round's period ends at ${to}; publish after it`);
    return db.transaction(async (tx) => {
      await lockCampaignRounds(tx, p.round.campaignId);
      const prior = await latestRanking(tx, p.round.id);
      if (prior && !p.correction) {
        throw ruleBroken(
          'round_already_published',
          `the round was published (version ${prior.version}); a change is a correction with a reason`,
        );
      }
      if (!prior && p.correction)
        throw ruleBroken('round_not_published', 'nothing to correct: the round has not been published');
      const ranking = await computeRanking(tx, p.round, p.cycle, p.cal, to);
      const needsSheets = readsScoreSheets(p.round.scheme, p.round.scoreLines);
      const missing = needsSheets
        ? ranking.groups.flatMap((g) => g.lines).filter((l) => l.explanation.some((e) => e.note === 'no_score_sheet'))
        : [];
      if (missing.length > 0) {
        throw ruleBroken(
          'score_sheets_missing',
          `score sheets are missing for ${missing.length} unit(s): ${missing
            .slice(0, 5)
            .map((l) => l.name)
            .join('、')}`,
        );
      }
      const version = (prior?.version ?? 0) + 1;
      await insertPublishedRanking(tx, {
        roundId: p.round.id,
        version,
        reason: p.correction,
        asOf: ranking.asOf,
        result: ranking,
        publishedBy: p.actorId,
        publishedAt: p.now,
      });
      const triggered = await recordAccountability(tx, p.round.campaignId, p.accountability, p.now);
      const out = { version, ranking, triggered };
      await p.alongside?.(out, tx);
      return out;
    });
  }

  return {
    createRound,
    publishRound,
    computeRanking: (round: RoundRow, cycle: ReportCycle, cal: CalendarData, asOf: string) =>
      computeRanking(db, round, cycle, cal, asOf),
  };
}
