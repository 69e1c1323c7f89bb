// Rule 1 of issue 17 — seed 002 §六(三):
// “对在督查考评中连续2次或累计3次排名倒数第一的县市给予通报批评,责令县市人民政府主要负责人在媒体作出公开说明,
//  并报请州委同意后对县市主要负责人、分管负责人进行约谈;对在督查考评中累计2次的后进乡镇(街道)给予通报批评,
//  对问题整改不到位或连续2次或累计3次的后进乡镇(街道),责成县市对乡镇(街道)党政主要负责人进行约谈”
import { describe, expect, it } from 'vitest';
import {
  accountabilitySchema,
  DEFAULT_ACCOUNTABILITY,
  evaluateRules,
  type RecheckFailure,
  type RoundPlacements,
} from '../../domain/accountability/rules.ts';

const SEED = '对问题整改不到位或连续2次或累计3次的后进乡镇(街道),责成县市对乡镇(街道)党政主要负责人进行约谈';

// Ten units; `last` is rank 10, `lagging` just above it (bottom 20 % = ranks 9 and 10).
const round = (id: string, last: string, lagging: string[] = [], periodEnd?: string): RoundPlacements => {
  const others = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].filter((u) => u !== last && !lagging.includes(u));
  const order = [...others, ...lagging, last];
  return {
    roundId: id,
    periodEnd,
    placements: order.map((unitId, i) => ({ unitId, rank: i + 1, groupSize: order.length })),
  };
};
const fired = (ts: ReturnType<typeof evaluateRules>, unitId: string) =>
  ts
    .filter((t) => t.unitId === unitId)
    .map((t) => `${t.ruleId}@${t.firedAtRoundId}`)
    .sort();

describe('002 §六(三) accountability defaults, as data quoting the seed', () => {
  it('every default rule quotes its seed sentence, and the defaults pass their own schema', () => {
    expect(accountabilitySchema.parse(DEFAULT_ACCOUNTABILITY)).toEqual(DEFAULT_ACCOUNTABILITY);
    for (const r of DEFAULT_ACCOUNTABILITY.rules) expect(r.description).toMatch(/^002 §六\(三\):“.+”$/);
    const interviewOrLagging = DEFAULT_ACCOUNTABILITY.rules.find((r) => r.id === 'lagging_three_total')!;
    expect(interviewOrLagging.description).toContain(SEED);
  });

  it('rules stored before recheck rules (no basis, no description) still parse as placement rules', () => {
    const old = {
      laggingShare: 0.2,
      rules: [
        {
          id: 'x',
          title: 't',
          position: 'last',
          count: 2,
          consecutive: true,
          action: 'interview',
          actionTitle: '约谈',
        },
      ],
    };
    expect(accountabilitySchema.parse(old).rules[0]).toMatchObject({ position: 'last' });
    expect(
      accountabilitySchema.safeParse({
        ...old,
        rules: [{ id: 'y', title: 't', basis: 'recheck_failed', action: 'interview', actionTitle: '约谈' }],
      }).success,
    ).toBe(false); // a recheck rule needs its count
  });

  it('given 后进 (bottom share, not last) twice in a row, then 约谈 fires at the second round', () => {
    const t = evaluateRules([round('q1', 'a', ['b']), round('q2', 'c', ['b'])], DEFAULT_ACCOUNTABILITY);
    expect(fired(t, 'b')).toEqual(['lagging_twice_in_row@q2', 'lagging_twice_total@q2']);
    expect(t.find((x) => x.ruleId === 'lagging_twice_in_row')).toMatchObject({ action: 'interview' });
  });

  it('given 后进 three times, never twice in a row, then 通报批评 at the second and 约谈 at the third', () => {
    const t = evaluateRules(
      [round('q1', 'a', ['b']), round('q2', 'a'), round('q3', 'c', ['b']), round('q4', 'c'), round('q5', 'd', ['b'])],
      DEFAULT_ACCOUNTABILITY,
    );
    expect(fired(t, 'b')).toEqual(['lagging_three_total@q5', 'lagging_twice_total@q3']);
    expect(t.find((x) => x.unitId === 'b' && x.ruleId === 'lagging_three_total')?.roundIds).toEqual(['q1', 'q3', 'q5']);
  });

  it('given last place twice in a row, then 通报批评 fires beside the 约谈, both at the second round', () => {
    const t = evaluateRules([round('q1', 'a'), round('q2', 'a')], DEFAULT_ACCOUNTABILITY).filter((x) =>
      x.ruleId.startsWith('last_'),
    );
    expect(t.map((x) => [x.unitId, x.ruleId, x.action, x.firedAtRoundId])).toEqual([
      ['a', 'last_twice_in_row', 'interview', 'q2'],
      ['a', 'last_twice_in_row_criticism', 'criticism', 'q2'],
    ]);
  });

  it('given last place three times in total, then 通报批评 and 约谈 both fire at the third', () => {
    const t = evaluateRules(
      [round('q1', 'a'), round('q2', 'b'), round('q3', 'a'), round('q4', 'c'), round('q5', 'a')],
      DEFAULT_ACCOUNTABILITY,
    ).filter((x) => x.unitId === 'a' && x.ruleId.startsWith('last_'));
    expect(t.map((x) => [x.ruleId, x.action, x.firedAtRoundId])).toEqual([
      ['last_three_total', 'interview', 'q5'],
      ['last_three_total_criticism', 'criticism', 'q5'],
    ]);
  });

  it('given a failed recheck (整改不到位) inside a round period, then 约谈 fires at that round, naming the item', () => {
    const failures: RecheckFailure[] = [{ unitId: 'e', itemId: 'item-1', at: '2026-05-10T02:00:00.000Z' }];
    const t = evaluateRules(
      [round('q1', 'a', [], '2026-03-31T15:59:59.999Z'), round('q2', 'a', [], '2026-06-30T15:59:59.999Z')],
      DEFAULT_ACCOUNTABILITY,
      failures,
    );
    expect(t.filter((x) => x.ruleId === 'rectification_failed')).toEqual([
      {
        unitId: 'e',
        ruleId: 'rectification_failed',
        action: 'interview',
        firedAtRoundId: 'q2',
        roundIds: ['q2'],
        itemIds: ['item-1'],
      },
    ]);
  });

  it('a recheck failure after the last round period, or of an unranked unit, fires nothing yet', () => {
    const failures: RecheckFailure[] = [
      { unitId: 'e', itemId: 'i1', at: '2026-07-02T00:00:00.000Z' },
      { unitId: 'zz', itemId: 'i2', at: '2026-01-02T00:00:00.000Z' },
    ];
    const t = evaluateRules([round('q1', 'a', [], '2026-03-31T15:59:59.999Z')], DEFAULT_ACCOUNTABILITY, failures);
    expect(t.filter((x) => x.ruleId === 'rectification_failed')).toEqual([]);
  });

  it('a campaign may raise the threshold: with count 2, one failure is not enough', () => {
    const config = {
      ...DEFAULT_ACCOUNTABILITY,
      rules: DEFAULT_ACCOUNTABILITY.rules.map((r) => (r.id === 'rectification_failed' ? { ...r, count: 2 } : r)),
    };
    const one = [{ unitId: 'e', itemId: 'i1', at: '2026-02-01T00:00:00.000Z' }];
    const rounds = [round('q1', 'a', [], '2026-03-31T15:59:59.999Z')];
    expect(evaluateRules(rounds, config, one).some((x) => x.ruleId === 'rectification_failed')).toBe(false);
    const two = [...one, { unitId: 'e', itemId: 'i2', at: '2026-03-01T00:00:00.000Z' }];
    expect(evaluateRules(rounds, config, two).find((x) => x.ruleId === 'rectification_failed')?.itemIds).toEqual([
      'i1',
      'i2',
    ]);
  });
});
