// Score sheets (验收评分) of a round: read one for review, record one. The acceptance team scores the
// units the round ranks (the campaign's reporting units), never its own unit, before publication.
import type { Db } from '../db/client.ts';
import { unitsByIds, scoreSheetOf, upsertScoreSheet } from '../db/queries/rounds.ts';
import type { RoundRow } from '../db/schema.ts';
import { within } from '../domain/access/scope.ts';
import { Refused } from './refusal.ts';

export interface ScoreSheetInput {
  lines: Record<string, number>;
  veto: boolean;
  vetoReason?: string;
  note?: string;
}

const ruleBroken = (code: string, message: string, errors?: { path: string; message: string }[]) =>
  new Refused(code, message, { title: 'Rule violated', ...(errors ? { errors } : {}) });

export function roundScoreService(deps: { db: Db }) {
  const { db } = deps;

  /** A unit's recorded sheet, or null when none is recorded yet (the route answers an empty sheet). */
  async function sheet(round: RoundRow, unitId: string) {
    return (await scoreSheetOf(db, round.id, unitId)) ?? null;
  }

  /** Record (or replace) a unit's sheet; answers what was stored. */
  async function record(p: {
    round: RoundRow;
    reportingUnitIds: string[];
    unitId: string;
    scorer: { id: string; unitPath: string };
    sheet: ScoreSheetInput;
    now: string;
  }) {
    const { round, unitId, sheet: b } = p;
    if (round.status === 'published')
      throw ruleBroken(
        'round_already_published',
        'the round is published; a change of scores is a correction after re-scoring is not possible — publish a correction with a reason instead',
      );
    if (!p.reportingUnitIds.includes(unitId))
      throw ruleBroken(
        'unit_not_in_round',
        'the unit is not one of the units this round ranks (the campaign reporting units)',
        [{ path: 'params.unitId', message: 'not in this round' }],
      );
    const [unit] = await unitsByIds(db, [unitId]);
    if (unit && within(unit.path, p.scorer.unitPath))
      throw new Refused('separation_of_duties', 'an inspector cannot score their own unit', {
        title: 'Separation of duties',
      });
    const unknown = Object.keys(b.lines).filter((k) => !round.scoreLines.some((l) => l.key === k));
    const over = round.scoreLines.filter((l) => (b.lines[l.key] ?? 0) > l.maxPoints);
    if (unknown.length || over.length)
      throw ruleBroken('invalid_score', 'a line is unknown to the round or above its maximum', [
        ...unknown.map((k) => ({ path: `body.lines.${k}`, message: 'not a line of this round' })),
        ...over.map((l) => ({ path: `body.lines.${l.key}`, message: `at most ${l.maxPoints}` })),
      ]);
    if (b.veto && !b.vetoReason)
      throw ruleBroken('rule_violated', '一票否决 needs its reason', [
        { path: 'body.vetoReason', message: 'required with veto' },
      ]);
    const values = {
      roundId: round.id,
      unitId,
      lines: b.lines,
      veto: b.veto,
      vetoReason: b.vetoReason ?? null,
      note: b.note ?? null,
      scoredBy: p.scorer.id,
      scoredAt: p.now,
    };
    await upsertScoreSheet(db, values);
    return values;
  }

  return { sheet, record };
}
