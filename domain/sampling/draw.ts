// Verification sampling (核查抽样) from seed 001 §三(五): a third party checked 贫困村20%、贫困户10% —
// a fifth of the villages and a tenth of the households. The draw is seeded and reproducible: each
// candidate's score is a hash of the recorded seed, the stage and its id, and the sample is the
// candidates with the lowest scores. Anyone holding the seed and the candidate list can redo it
// by hand, which is what lets an office show that nobody picked the easy households.
import { sampleScore } from '../item/recheck.ts';

export interface SamplingRates {
  /** Share of villages drawn (001: 20 %). */
  villageRate: number;
  /** Share of households drawn (001: 10 %). */
  householdRate: number;
}

export const DEFAULT_SAMPLING_RATES: SamplingRates = { villageRate: 0.2, householdRate: 0.1 };

export type Stage = 'village' | 'household';

export interface StageDraw {
  stage: Stage;
  rate: number;
  /** How many candidates there were and how many are drawn: ceil(rate × n), at least one when n > 0. */
  population: number;
  size: number;
  /** Drawn ids, lowest score first. */
  chosen: string[];
  /** Every candidate's score, lowest first, so the cut can be shown. */
  scores: { id: string; score: number }[];
}

export interface Draw {
  seed: string;
  rates: SamplingRates;
  villages: StageDraw;
  households: StageDraw;
}

export const sampleSize = (population: number, rate: number) =>
  population === 0 || rate <= 0 ? 0 : Math.min(population, Math.max(1, Math.ceil(population * rate - 1e-9)));

export function drawStage(seed: string, stage: Stage, ids: readonly string[], rate: number): StageDraw {
  const unique = [...new Set(ids)];
  const scores = unique
    .map((id) => ({ id, score: sampleScore(`${seed}:${stage}`, id) }))
    .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const size = sampleSize(unique.length, rate);
  return { stage, rate, population: unique.length, size, chosen: scores.slice(0, size).map((s) => s.id), scores };
}

/** Draw villages and households independently, each at its own rate, from one recorded seed. */
export function drawSample(
  seed: string,
  candidates: { villageIds: readonly string[]; householdIds: readonly string[] },
  rates: SamplingRates = DEFAULT_SAMPLING_RATES,
): Draw {
  return {
    seed,
    rates,
    villages: drawStage(seed, 'village', candidates.villageIds, rates.villageRate),
    households: drawStage(seed, 'household', candidates.householdIds, rates.householdRate),
  };
}

/** Per sampled household: its verification result, and the shares a ranking reads. */
export interface SampledResult {
  itemId: string;
  unitId: string;
  passed: boolean;
}

export function passRateByUnit(results: SampledResult[]): Map<string, { passed: number; checked: number }> {
  const out = new Map<string, { passed: number; checked: number }>();
  for (const r of results) {
    const x = out.get(r.unitId) ?? { passed: 0, checked: 0 };
    x.checked += 1;
    if (r.passed) x.passed += 1;
    out.set(r.unitId, x);
  }
  return out;
}
