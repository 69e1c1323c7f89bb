// Concentrated screenings (集中排查, 003 §二(一)): a campaign's screening rounds, the items each found,
// per-unit results ("no problem found" is a result), and the warning while fewer than two ended in the year.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { items, orgUnits, screeningRounds } from '../db/schema.ts';
import {
  checkScreeningRound,
  checkUnitResult,
  type ScreeningRoundInput,
  screeningWarnings,
  type UnitResult,
} from '../domain/screening/rounds.ts';
import { Refused } from './refusal.ts';

export interface ScreeningCampaign {
  id: string;
  startsOn: string;
  endsOn: string | null;
  areaPath: string;
}

const invalid = (problems: { field: string; message: string }[]) =>
  new Refused('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    title: 'Rule violated',
    errors: problems.map((p) => ({ path: `body.${p.field}`, message: p.message })),
  });

/** Items of a round per unit (responsible unit, or the reporting unit while unassigned). */
const itemsFoundSql = (roundId: string) => sql`${items.state}->>'screeningRoundId' = ${roundId}`;

export function screeningService(deps: { db: Db }) {
  const { db } = deps;

  async function create(c: ScreeningCampaign, input: ScreeningRoundInput, actorId: string) {
    const problems = checkScreeningRound(input, c);
    const units = await db
      .select({ id: orgUnits.id, path: orgUnits.path })
      .from(orgUnits)
      .where(inArray(orgUnits.id, input.scopeUnitIds));
    const outside = input.scopeUnitIds.filter((id) => !units.some((u) => u.id === id && u.path.startsWith(c.areaPath)));
    if (outside.length)
      problems.push({ field: 'scopeUnitIds', message: `not in the campaign area: ${outside.join(', ')}` });
    if (problems.length) throw invalid(problems);
    const [row] = await db
      .insert(screeningRounds)
      .values({ campaignId: c.id, ...input, scopeUnitIds: [...input.scopeUnitIds], createdBy: actorId })
      .returning();
    return { ...row!, itemsFound: 0, itemsByUnit: {} as Record<string, number> };
  }

  async function countsOf(roundIds: string[]) {
    if (roundIds.length === 0) return new Map<string, Record<string, number>>();
    const rows = await db
      .select({
        roundId: sql<string>`${items.state}->>'screeningRoundId'`,
        unitId: sql<string>`coalesce(${items.responsibleUnitId}::text, ${items.state}->'reportingUnit'->>'id')`,
        n: sql<number>`count(*)::int`,
      })
      .from(items)
      .where(sql`${items.state}->>'screeningRoundId' = any(${sql.param(roundIds)}::text[])`)
      .groupBy(sql`1`, sql`2`);
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) out.set(r.roundId, { ...(out.get(r.roundId) ?? {}), [r.unitId]: r.n });
    return out;
  }

  async function list(campaignId: string, today: string) {
    const rows = await db
      .select()
      .from(screeningRounds)
      .where(eq(screeningRounds.campaignId, campaignId))
      .orderBy(asc(screeningRounds.startsOn));
    const counts = await countsOf(rows.map((r) => r.id));
    const year = Number(today.slice(0, 4));
    return {
      rounds: rows.map((r) => {
        const byUnit = counts.get(r.id) ?? {};
        return { ...r, itemsFound: Object.values(byUnit).reduce((a, n) => a + n, 0), itemsByUnit: byUnit };
      }),
      warnings: screeningWarnings(rows, year, today),
    };
  }

  async function byId(campaignId: string, id: string) {
    const [row] = await db
      .select()
      .from(screeningRounds)
      .where(and(eq(screeningRounds.id, id), eq(screeningRounds.campaignId, campaignId)));
    return row ?? null;
  }

  /** Record a unit's result; "no problem found" is refused while an item of the round names the unit. */
  async function recordUnitResult(campaignId: string, roundId: string, result: UnitResult) {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(screeningRounds)
        .where(and(eq(screeningRounds.id, roundId), eq(screeningRounds.campaignId, campaignId)))
        .for('update');
      if (!row) throw new Refused('not_found', 'screening round does not exist or is outside your scope');
      if (!row.scopeUnitIds.includes(result.unitId))
        throw invalid([{ field: 'unitId', message: 'the unit is not in the scope of this screening round' }]);
      const [{ n }] = (await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(items)
        .where(
          and(
            itemsFoundSql(roundId),
            sql`coalesce(${items.responsibleUnitId}::text, ${items.state}->'reportingUnit'->>'id') = ${result.unitId}`,
          ),
        )) as [{ n: number }];
      const bad = checkUnitResult(result, n);
      if (bad) throw new Refused('screening_unit_has_items', bad.message, { field: bad.field, title: 'Rule violated' });
      const unitResults = [...row.unitResults.filter((u) => u.unitId !== result.unitId), result];
      const [updated] = await tx
        .update(screeningRounds)
        .set({ unitResults })
        .where(eq(screeningRounds.id, roundId))
        .returning();
      return updated!;
    });
  }

  /** An item may name a screening round only of its own campaign. */
  async function assertRoundOf(campaignId: string, roundId: string) {
    if (!(await byId(campaignId, roundId)))
      throw invalid([{ field: 'screeningRoundId', message: 'not a screening round of this campaign' }]);
  }

  return { create, list, byId, recordUnitResult, assertRoundOf };
}
