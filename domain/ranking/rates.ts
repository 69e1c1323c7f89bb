// Rates as a bulletin defines them: which items are in scope (sources), which count in the
// denominator and which as done (does 基本完成 count? 阶段性办结?), rounded as the bulletin prints
// them (98.06%). Counted from per-item facts; pure.
import { z } from 'zod';

/** What the scorer needs to know of one item: its state and the facts the rates look at. */
export interface ItemFact {
  unitId: string;
  source: string;
  state: string;
  /** 基本完成 / 阶段性办结 as imported or recorded. */
  partial?: 'basic' | 'phased' | null;
  /** Facts judged elsewhere (the lifecycle, the recheck, the 回访). */
  flags?: Partial<Record<'onTime' | 'acceptedInTime' | 'returned' | 'rebounded' | 'overdue', boolean>>;
  /** 回访 result: satisfied / basically satisfied / unsatisfied, or none. */
  satisfaction?: 'satisfied' | 'basic' | 'unsatisfied' | null;
}

const flag = z.enum(['onTime', 'acceptedInTime', 'returned', 'rebounded', 'overdue']);
const selector = z.strictObject({
  states: z.array(z.string()).optional(),
  partial: z.array(z.enum(['basic', 'phased'])).optional(),
  flag: flag.optional(),
  satisfaction: z.array(z.enum(['satisfied', 'basic', 'unsatisfied'])).optional(),
});
export type Selector = z.infer<typeof selector>;

export const rateSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9_]{1,40}$/),
  title: z.string().min(1).max(50),
  /** Sources in scope (e.g. only 12345 and 信访); all when absent. */
  sources: z.array(z.string()).optional(),
  /** Items counted below the line; all but `excludeStates` when absent. */
  denominator: selector.default({}),
  excludeStates: z.array(z.string()).default(['dismissed']),
  /** Items counted above the line: any of `anyOf` (e.g. closed, OR in progress with partial 基本完成). */
  numerator: z.array(selector).min(1),
  /** Decimal places of the percentage as printed (98.06% → 2). */
  percentDecimals: z.number().int().min(0).max(6).default(2),
  /** With nothing to count: full marks (a unit with no tickets loses nothing), none, or not scored. */
  whenEmpty: z.enum(['full', 'zero', 'skip']).default('full'),
});
export type RateDef = z.infer<typeof rateSchema>;

export interface RateValue {
  key: string;
  title: string;
  numerator: number;
  denominator: number;
  /** The percentage as printed, rounded half up to the definition's decimals; null when not scored. */
  percent: number | null;
  note: 'counted' | 'empty_full' | 'empty_zero' | 'empty_skipped' | 'given';
}

function matches(f: ItemFact, s: Selector): boolean {
  if (s.states && !s.states.includes(f.state)) return false;
  if (s.partial && !(f.partial && s.partial.includes(f.partial))) return false;
  if (s.flag && !f.flags?.[s.flag]) return false;
  if (s.satisfaction && !(f.satisfaction && s.satisfaction.includes(f.satisfaction))) return false;
  return true;
}

/** Half up at `decimals`, on the decimal digits people see (0.145 → 0.15, not 0.14 from binary). */
export function roundHalfUp(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(Number((x * f).toPrecision(12)) + Number.EPSILON) / f;
}

export function rateOf(def: RateDef, facts: ItemFact[]): RateValue {
  const inScope = facts.filter(
    (f) => (!def.sources || def.sources.includes(f.source)) && !def.excludeStates.includes(f.state),
  );
  const below = inScope.filter((f) => matches(f, def.denominator));
  const above = below.filter((f) => def.numerator.some((s) => matches(f, s)));
  const base = { key: def.key, title: def.title, numerator: above.length, denominator: below.length };
  if (below.length === 0) {
    if (def.whenEmpty === 'full') return { ...base, percent: 100, note: 'empty_full' };
    if (def.whenEmpty === 'zero') return { ...base, percent: 0, note: 'empty_zero' };
    return { ...base, percent: null, note: 'empty_skipped' };
  }
  return { ...base, percent: roundHalfUp((above.length / below.length) * 100, def.percentDecimals), note: 'counted' };
}
