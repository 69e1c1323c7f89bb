// A published scoring formula as data (评分办法): terms over rates — a weight times the percentage
// (0.2×办结率), or full marks at a threshold less so much per point below it, with a floor — a
// constant, deductions per event (per 督办 level, per paper sign-off warning) with caps, 一票否决, and
// the rounding the bulletin prints. Every score comes with its lines: rate, rule, contribution. Pure.
import { z } from 'zod';
import { type RateDef, type RateValue, rateSchema, roundHalfUp } from './rates.ts';

const key = z.string().regex(/^[a-z0-9_]{1,40}$/);

const termSchema = z.discriminatedUnion('kind', [
  /** weight × percentage (0.2 × 98.06 = 19.612). */
  z.strictObject({ kind: z.literal('weighted'), rate: key, weight: z.number().finite() }),
  /** `max` at or above `fullAt`%; `perPoint` less for each point below, never below `floor`. */
  z.strictObject({
    kind: z.literal('threshold'),
    rate: key,
    max: z.number().finite().nonnegative(),
    fullAt: z.number().min(0).max(100),
    perPoint: z.number().finite().nonnegative(),
    floor: z.number().finite().default(0),
  }),
]);
export type Term = z.infer<typeof termSchema>;

const deductionSchema = z.strictObject({
  event: key,
  title: z.string().min(1).max(60),
  /** Points off per event. */
  points: z.number().finite().nonnegative(),
  /** At most this many points off for this event kind. */
  cap: z.number().finite().nonnegative().optional(),
  /** The count is itself the points off (a score sheet's 扣分 line), said as "扣 5 分". */
  asScored: z.boolean().default(false),
});

const vetoSchema = z.strictObject({
  event: key,
  title: z.string().min(1).max(60),
  /** zero: the score becomes 0; last: the score stands but the unit ranks last and cannot be praised. */
  effect: z.enum(['zero', 'last']),
});

export const formulaSchema = z
  .strictObject({
    version: z.string().min(1).max(40),
    title: z.string().min(1).max(100),
    /** The document that sets the formula, e.g. 连12345发〔2022〕19号. */
    source: z.string().max(200).optional(),
    rates: z.array(rateSchema).default([]),
    terms: z
      .array(
        z.strictObject({
          key,
          title: z.string().min(1).max(60),
          rule: termSchema,
          round: z.number().int().min(0).max(6).optional(),
        }),
      )
      .min(1),
    constant: z.number().finite().default(0),
    deductions: z.array(deductionSchema).default([]),
    /** All deductions together take at most this much. */
    deductionCap: z.number().finite().nonnegative().optional(),
    vetoes: z.array(vetoSchema).default([]),
    /**
     * A weighted term with no data: scores nothing (zero), or drops out and the weighted terms that
     * are scored are scaled up to the full weight (reweigh — 缺项按比例折算).
     */
    missing: z.enum(['zero', 'reweigh']).default('zero'),
    /** Decimal places of the published score. */
    decimals: z.number().int().min(0).max(6),
    /** The score never exceeds this (100 unless a peer group says otherwise). */
    maxScore: z.number().finite().positive().default(100),
  })
  .superRefine((f, ctx) => {
    const keys = new Set(f.terms.map((t) => t.key));
    if (keys.size !== f.terms.length)
      ctx.addIssue({ code: 'custom', path: ['terms'], message: 'term keys must be unique' });
    const events = f.deductions.map((d) => d.event);
    if (new Set(events).size !== events.length)
      ctx.addIssue({ code: 'custom', path: ['deductions'], message: 'one deduction per event kind' });
  });
export type Formula = z.input<typeof formulaSchema>;
export type ParsedFormula = z.output<typeof formulaSchema>;

/** What one unit brings: counted rates (from `rateOf`) or rates as given by a platform, and events. */
export interface FormulaInput {
  rates: Record<string, RateValue | number>;
  /** Events counted in the period: { escalation_l2: 1, paper_signoff_warning: 3 }. */
  events?: Record<string, number>;
}

export interface FormulaLine {
  key: string;
  title: string;
  kind: 'term' | 'constant' | 'deduction' | 'veto' | 'cap' | 'rounding';
  /** For a term: the rate it reads. */
  rate?: { key: string; numerator: number | null; denominator: number | null; percent: number | null };
  /** The rule in words, e.g. "0.2 × 98.06" or "25 − (98 − 87.5) × 0.5，不低于 12.5". */
  rule: string;
  contribution: number;
}

export interface FormulaScore {
  score: number;
  vetoed: { title: string; effect: 'zero' | 'last' } | null;
  lines: FormulaLine[];
}

const fmt = (x: number) => String(roundHalfUp(x, 6));

export function parseFormula(f: Formula): ParsedFormula {
  return formulaSchema.parse(f);
}

const percentOf = (given: RateValue | number | undefined) =>
  given === undefined ? null : typeof given === 'number' ? given : given.percent;

/** With `missing: 'reweigh'`: all weighted terms' weight over the weight of those with data (1 when none is missing). */
export function reweighScale(formula: ParsedFormula, input: FormulaInput): number {
  if (formula.missing !== 'reweigh') return 1;
  let all = 0;
  let scored = 0;
  for (const t of formula.terms)
    if (t.rule.kind === 'weighted') {
      all += t.rule.weight;
      if (percentOf(input.rates[t.rule.rate]) !== null) scored += t.rule.weight;
    }
  return scored > 0 ? all / scored : 1;
}

export function scoreFormula(formula: ParsedFormula, input: FormulaInput, maxScore = formula.maxScore): FormulaScore {
  const lines: FormulaLine[] = [];
  let total = 0;
  const scale = reweighScale(formula, input);
  for (const t of formula.terms) {
    const given = input.rates[t.rule.rate];
    const rv: RateValue | null =
      given === undefined
        ? null
        : typeof given === 'number'
          ? { key: t.rule.rate, title: t.rule.rate, numerator: 0, denominator: 0, percent: given, note: 'given' }
          : given;
    const rate = {
      key: t.rule.rate,
      numerator: rv && rv.note !== 'given' ? rv.numerator : null,
      denominator: rv && rv.note !== 'given' ? rv.denominator : null,
      percent: rv?.percent ?? null,
    };
    if (rate.percent === null) {
      lines.push({ key: t.key, title: t.title, kind: 'term', rate, rule: '无数据，不计分', contribution: 0 });
      continue;
    }
    const p = rate.percent;
    let c: number;
    let rule: string;
    if (t.rule.kind === 'weighted') {
      c = t.rule.weight * p * scale;
      rule = `${fmt(t.rule.weight)} × ${fmt(p)}${scale !== 1 ? ` × ${fmt(scale)}（缺项折算）` : ''}`;
    } else {
      const { max, fullAt, perPoint, floor } = t.rule;
      c = p >= fullAt ? max : Math.max(floor, max - (fullAt - p) * perPoint);
      rule =
        p >= fullAt
          ? `${fmt(p)}% ≥ ${fmt(fullAt)}%，得满分 ${fmt(max)}`
          : `${fmt(max)} − (${fmt(fullAt)} − ${fmt(p)}) × ${fmt(perPoint)}，不低于 ${fmt(floor)}`;
    }
    if (t.round !== undefined) c = roundHalfUp(c, t.round);
    lines.push({ key: t.key, title: t.title, kind: 'term', rate, rule, contribution: roundHalfUp(c, 6) });
    total += c;
  }
  if (formula.constant !== 0) {
    lines.push({
      key: 'constant',
      title: '基础分',
      kind: 'constant',
      rule: fmt(formula.constant),
      contribution: formula.constant,
    });
    total += formula.constant;
  }
  let off = 0;
  for (const d of formula.deductions) {
    const n = input.events?.[d.event] ?? 0;
    if (n === 0) continue;
    const raw = n * d.points;
    const taken = d.cap === undefined ? raw : Math.min(raw, d.cap);
    lines.push({
      key: d.event,
      title: d.title,
      kind: 'deduction',
      rule: `${d.asScored ? `扣 ${fmt(raw)} 分` : `${n} 次 × ${fmt(d.points)} 分`}${d.cap !== undefined && raw > d.cap ? `，以 ${fmt(d.cap)} 分为限` : ''}`,
      contribution: 0 - roundHalfUp(taken, 6), // never −0: a stored score must equal its recomputation
    });
    off += taken;
  }
  if (formula.deductionCap !== undefined && off > formula.deductionCap) {
    lines.push({
      key: 'deduction_cap',
      title: '扣分上限',
      kind: 'cap',
      rule: `扣分合计 ${fmt(off)}，以 ${fmt(formula.deductionCap)} 分为限`,
      contribution: roundHalfUp(off - formula.deductionCap, 6),
    });
    off = formula.deductionCap;
  }
  total -= off;
  if (total > maxScore) {
    lines.push({
      key: 'max',
      title: '满分',
      kind: 'cap',
      rule: `不超过 ${fmt(maxScore)}`,
      contribution: roundHalfUp(maxScore - total, 6),
    });
    total = maxScore;
  }
  let vetoed: FormulaScore['vetoed'] = null;
  for (const v of formula.vetoes)
    if ((input.events?.[v.event] ?? 0) > 0 && !vetoed) {
      vetoed = { title: v.title, effect: v.effect };
      lines.push({
        key: v.event,
        title: `一票否决：${v.title}`,
        kind: 'veto',
        rule: v.effect === 'zero' ? '得分计为 0' : '排名最后，不得评优',
        contribution: v.effect === 'zero' ? 0 - roundHalfUp(total, 6) : 0,
      });
      if (v.effect === 'zero') total = 0;
    }
  const score = roundHalfUp(total, formula.decimals);
  lines.push({
    key: 'rounding',
    title: '得分',
    kind: 'rounding',
    rule: `${fmt(total)} 保留 ${formula.decimals} 位小数（四舍五入）`,
    contribution: score,
  });
  return { score, vetoed, lines };
}

export type { RateDef };
