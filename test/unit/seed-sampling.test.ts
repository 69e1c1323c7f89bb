// Rule 6 of issue 17 — seed 001 §三(五):
// “去年11月中旬,他们又聘请江西农业大学作为第三方,按照贫困村20%、贫困户10%的抽样比例,完成贫困村、贫困户退出县级自评。”
import { describe, expect, it } from 'vitest';
import { sampleScore } from '../../domain/item/recheck.ts';
import { DEFAULT_SAMPLING_RATES, drawSample, drawStage, sampleSize } from '../../domain/sampling/draw.ts';

const villages = Array.from({ length: 23 }, (_, i) => `v${String(i + 1).padStart(2, '0')}`);
const households = Array.from({ length: 628 }, (_, i) => `h${i + 1}`); // 001's 628 households

describe('001 §三(五) verification sampling: 贫困村20%、贫困户10%', () => {
  it('draws a fifth of the villages and a tenth of the households by default, rounding up', () => {
    expect(DEFAULT_SAMPLING_RATES).toEqual({ villageRate: 0.2, householdRate: 0.1 });
    const d = drawSample('2026-核查-1', { villageIds: villages, householdIds: households });
    expect(d.villages).toMatchObject({ population: 23, size: 5 }); // ceil(4.6)
    expect(d.households).toMatchObject({ population: 628, size: 63 }); // ceil(62.8)
    expect(new Set(d.villages.chosen).size).toBe(5);
    expect(d.households.chosen.every((h) => households.includes(h))).toBe(true);
  });

  it('is reproducible from the seed, whatever the order the candidates come in, and differs by seed', () => {
    const a = drawSample('seed-a', { villageIds: villages, householdIds: households });
    const again = drawSample('seed-a', {
      villageIds: [...villages].reverse(),
      householdIds: [...households].reverse(),
    });
    expect(again).toEqual(a);
    const b = drawSample('seed-b', { villageIds: villages, householdIds: households });
    expect(b.households.chosen).not.toEqual(a.households.chosen);
  });

  it('can be redone by hand: the chosen are the lowest published scores, each a hash of seed, stage and id', () => {
    const d = drawStage('seed-a', 'household', households, 0.1);
    for (const s of d.scores.slice(0, 3)) expect(s.score).toBe(sampleScore('seed-a:household', s.id));
    const cut = d.scores[d.size - 1]!.score;
    expect(d.chosen.every((id) => sampleScore('seed-a:household', id) <= cut)).toBe(true);
    expect(d.scores.slice(d.size).every((s) => s.score >= cut)).toBe(true);
  });

  it('rates are configurable; an empty population draws nothing; a positive rate draws at least one', () => {
    expect(
      drawSample('s', { villageIds: villages, householdIds: households }, { villageRate: 0.5, householdRate: 0.3 }),
    ).toMatchObject({ villages: { size: 12 }, households: { size: 189 } });
    expect(sampleSize(0, 0.2)).toBe(0);
    expect(sampleSize(3, 0.1)).toBe(1);
    expect(sampleSize(10, 0)).toBe(0);
    expect(sampleSize(10, 1)).toBe(10);
  });

  it('the draw is close to uniform: over many seeds every household is drawn about a tenth of the time', () => {
    const hits = new Map<string, number>();
    const small = households.slice(0, 50);
    for (let i = 0; i < 2000; i++)
      for (const id of drawStage(`s${i}`, 'household', small, 0.1).chosen) hits.set(id, (hits.get(id) ?? 0) + 1);
    const shares = small.map((h) => (hits.get(h) ?? 0) / 2000);
    expect(Math.min(...shares)).toBeGreaterThan(0.06);
    expect(Math.max(...shares)).toBeLessThan(0.14);
  });
});
