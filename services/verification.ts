// Verification rounds (核查抽样, 001 §三(五): 贫困村20%、贫困户10%): a seeded draw over the campaign's
// signed-off items — a share of the villages (every signed-off item there is checked) and a share of the
// households (items with a person) — each sampled item scheduled for a recheck. Its result is the item's
// own recheck (RecheckPassed / RecheckFailed in the trail), so it feeds the ranking's recheck pass rate and
// rebound rate like any recheck, and the round lists each sampled household's result.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { itemEvents, items, orgUnits, verificationRounds } from '../db/schema.ts';
import { drawSample, type SamplingRates } from '../domain/sampling/draw.ts';
import { CommandRefused, type ItemEngine } from '../workflows/engine.ts';
import { Refused } from './refusal.ts';

const VILLAGE_KINDS = ['village', 'community'];

export interface VerificationInput {
  name: string;
  /** Recorded so anyone can redo the draw; a random one is made when none is given. */
  seed?: string;
  rates: SamplingRates;
  dueBy: string;
}

export function verificationService(deps: { db: Db; engine: ItemEngine; now: () => string }) {
  const { db, engine, now } = deps;

  async function candidates(campaignId: string) {
    return db
      .select({
        id: items.id,
        unitId: items.responsibleUnitId,
        unitKind: orgUnits.kind,
        household: sql<boolean>`(${items.state}->'person') is not null and ${items.state}->'person' <> 'null'::jsonb`,
      })
      .from(items)
      .leftJoin(orgUnits, eq(orgUnits.id, items.responsibleUnitId))
      .where(and(eq(items.campaignId, campaignId), inArray(items.status, ['closed', 'verified'])))
      .orderBy(asc(items.seqNo));
  }

  async function create(campaignId: string, input: VerificationInput, actorId: string) {
    const seed = input.seed ?? randomUUID();
    const rows = await candidates(campaignId);
    const villageIds = [
      ...new Set(rows.filter((r) => r.unitId && VILLAGE_KINDS.includes(r.unitKind ?? '')).map((r) => r.unitId!)),
    ];
    const d = drawSample(
      seed,
      { villageIds, householdIds: rows.filter((r) => r.household).map((r) => r.id) },
      input.rates,
    );
    const chosenVillages = new Set(d.villages.chosen);
    const wanted = rows
      .filter((r) => (r.unitId && chosenVillages.has(r.unitId)) || d.households.chosen.includes(r.id))
      .map((r) => r.id);
    const itemIds: string[] = [];
    for (const itemId of wanted) {
      try {
        await engine.execute({
          itemId,
          actor: null,
          command: { type: 'schedule_recheck', reason: 'verification', dueBy: input.dueBy },
        });
        itemIds.push(itemId);
      } catch (err) {
        // An item already waiting for a recheck keeps it (and is checked by it); anything else is a fault.
        if (!(err instanceof CommandRefused)) throw err;
        if (err.error.code === 'validation') throw new Refused('validation', err.error.message, { field: 'dueBy' });
      }
    }
    const stage = (s: typeof d.villages) => ({ population: s.population, size: s.size, chosen: s.chosen });
    const [row] = await db
      .insert(verificationRounds)
      .values({
        campaignId,
        name: input.name,
        seed,
        villageRate: input.rates.villageRate,
        householdRate: input.rates.householdRate,
        draw: { rates: input.rates, villages: stage(d.villages), households: stage(d.households), itemIds },
        dueBy: input.dueBy,
        createdBy: actorId,
        // The engine's clock, so results are the rechecks recorded after the draw by the same clock.
        createdAt: now(),
      })
      .returning();
    return row!;
  }

  /** The round with each sampled item's result: the first recheck recorded after the draw, or pending. */
  async function results(campaignId: string, id: string) {
    const [round] = await db
      .select()
      .from(verificationRounds)
      .where(and(eq(verificationRounds.id, id), eq(verificationRounds.campaignId, campaignId)));
    if (!round) throw new Refused('not_found', 'verification round does not exist or is outside your scope');
    const ids = round.draw.itemIds;
    const events = ids.length
      ? await db
          .select({ itemId: itemEvents.itemId, type: itemEvents.type, at: itemEvents.at, data: itemEvents.data })
          .from(itemEvents)
          .where(
            and(
              inArray(itemEvents.itemId, ids),
              inArray(itemEvents.type, ['RecheckPassed', 'RecheckFailed']),
              gte(itemEvents.at, round.createdAt),
            ),
          )
          .orderBy(desc(itemEvents.at))
      : [];
    const rows = ids.length
      ? await db
          .select({ id: items.id, title: items.title, unitId: items.responsibleUnitId, unitName: orgUnits.name })
          .from(items)
          .leftJoin(orgUnits, eq(orgUnits.id, items.responsibleUnitId))
          .where(inArray(items.id, ids))
      : [];
    const first = new Map<string, (typeof events)[number]>();
    for (const e of events) first.set(e.itemId, e); // newest first, so the earliest wins
    const lines = rows.map((r) => {
      const e = first.get(r.id);
      return {
        itemId: r.id,
        title: r.title,
        unitId: r.unitId,
        unitName: r.unitName,
        result: e ? (e.type === 'RecheckPassed' ? ('passed' as const) : ('failed' as const)) : ('pending' as const),
        findings: e ? String((e.data as { findings?: string }).findings ?? '') : null,
        at: e?.at ?? null,
      };
    });
    return { round, lines };
  }

  async function list(campaignId: string) {
    return db
      .select()
      .from(verificationRounds)
      .where(eq(verificationRounds.campaignId, campaignId))
      .orderBy(desc(verificationRounds.createdAt));
  }

  return { create, results, list };
}
