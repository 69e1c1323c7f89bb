// Scoring schemes (评分方案): versioned data stored with each acceptance round. Validation names
// the rule a scheme breaks; nothing about a scheme lives in code except the meaning of each indicator.
import { z } from 'zod';
import { formulaSchema } from './formula.ts';
import { standingsSchema } from './standings.ts';

/** The indicators a scheme may weigh. `lowerIsBetter` ones score 1 − rate. */
export const INDICATORS = {
  timely_acceptance: { title: '及时签收率', lowerIsBetter: false },
  on_time_completion: { title: '按时办结率', lowerIsBetter: false },
  return_rate: { title: '退回率', lowerIsBetter: true },
  rebound_rate: { title: '反弹率', lowerIsBetter: true },
  recheck_pass_rate: { title: '复核通过率', lowerIsBetter: false },
  report_timeliness: { title: '月报及时率', lowerIsBetter: false },
  satisfaction: { title: '群众满意度', lowerIsBetter: false },
  inspection_score: { title: '验收检查得分', lowerIsBetter: false },
} as const;
export type IndicatorKey = keyof typeof INDICATORS;
const INDICATOR_KEYS = Object.keys(INDICATORS) as IndicatorKey[];

/**
 * A published formula (评分办法) a round is scored with instead of the weighted indicators: its terms
 * read the round's indicators (as the share scored: 1 − rate where lower is better), its deductions
 * and vetoes the score sheet (`line_<key>` points, `sheet_veto`); with the standings: peer groups and
 * their maxima, tie-break (none: 并列), praise top N, name bottom N.
 */
export const roundFormulaSchema = z
  .strictObject({ formula: formulaSchema, standings: standingsSchema })
  .superRefine((f, ctx) => {
    if (f.formula.rates.length)
      ctx.addIssue({
        code: 'custom',
        path: ['formula', 'rates'],
        message: `a round's formula reads the round's indicators (${INDICATOR_KEYS.join(', ')}), not rates of its own`,
      });
    for (const [i, t] of f.formula.terms.entries())
      if (!(t.rule.rate in INDICATORS))
        ctx.addIssue({
          code: 'custom',
          path: ['formula', 'terms', i, 'rule', 'rate'],
          message: `unknown indicator; known: ${INDICATOR_KEYS.join(', ')}`,
        });
  });
export type RoundFormula = z.output<typeof roundFormulaSchema>;

const key = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lower-case letters, digits, - and _');

export const schemeSchema = z
  .strictObject({
    version: z.string().min(1).max(40),
    indicators: z
      .array(
        z.strictObject({
          key: z.string().refine((k): k is IndicatorKey => k in INDICATORS, {
            message: `unknown indicator; known: ${INDICATOR_KEYS.join(', ')}`,
          }),
          weight: z.number({ error: 'weights must be finite numbers' }).min(0, 'weights may not be negative'),
        }),
      )
      .min(1, 'a scheme weighs at least one indicator'),
    /** An indicator whose denominator is below this is not scored for that unit; its weight goes to the others. */
    minVolume: z.number().int().min(0).max(1000).default(3),
    /** 及时签收: accepted within this many hours of assignment. */
    acceptWithinHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(72),
    /** Units rank only against units of their own group (villages with villages, departments with departments). */
    peerGroups: z
      .array(
        z.strictObject({ key, title: z.string().min(1).max(50), kinds: z.array(z.string().min(1).max(30)).min(1) }),
      )
      .min(1, 'a scheme needs at least one peer group'),
    /** 通报表扬: the top N of each peer group. */
    praiseTop: z.number().int().min(0).max(50).default(1),
    /** A published formula the round is scored with; without one, the indicators above in the formula's form. */
    formula: roundFormulaSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    for (const [i, x] of s.indicators.entries()) {
      if (seen.has(x.key))
        ctx.addIssue({ code: 'custom', path: ['indicators', i, 'key'], message: 'indicator listed twice' });
      seen.add(x.key);
    }
    if (s.indicators.reduce((a, x) => a + x.weight, 0) <= 0)
      ctx.addIssue({ code: 'custom', path: ['indicators'], message: 'the weights add up to zero' });
    const kinds = new Set<string>();
    for (const [i, g] of s.peerGroups.entries())
      for (const k of g.kinds) {
        if (kinds.has(k))
          ctx.addIssue({
            code: 'custom',
            path: ['peerGroups', i, 'kinds'],
            message: `unit kind ${k} is in two peer groups`,
          });
        kinds.add(k);
      }
  });
export type Scheme = z.infer<typeof schemeSchema> & { indicators: { key: IndicatorKey; weight: number }[] };

/** A score sheet line the round defines: points earned out of `maxPoints`, or a deduction (扣分). */
export const scoreLineSchema = z.strictObject({
  key,
  title: z.string().min(1).max(100),
  kind: z.enum(['score', 'deduction']),
  maxPoints: z.number().finite().positive().max(1000),
});
export type ScoreLine = z.infer<typeof scoreLineSchema>;

/** The default scheme: 002's 督查考评 weighted toward results, with the 003 acceptance score. */
export const DEFAULT_SCHEME: Scheme = {
  version: '2026.1',
  indicators: [
    { key: 'timely_acceptance', weight: 10 },
    { key: 'on_time_completion', weight: 25 },
    { key: 'return_rate', weight: 10 },
    { key: 'rebound_rate', weight: 10 },
    { key: 'recheck_pass_rate', weight: 5 },
    { key: 'report_timeliness', weight: 10 },
    { key: 'satisfaction', weight: 0 },
    { key: 'inspection_score', weight: 30 },
  ],
  minVolume: 3,
  acceptWithinHours: 72,
  praiseTop: 1,
  peerGroups: [
    { key: 'villages', title: '行政村(社区)', kinds: ['village', 'community'] },
    { key: 'departments', title: '责任部门', kinds: ['office', 'department'] },
  ],
};

export const DEFAULT_SCORE_LINES: ScoreLine[] = [
  { key: 'ledger', title: '问题台账规范完整', kind: 'score', maxPoints: 40 },
  { key: 'onsite', title: '入户核查整改到位', kind: 'score', maxPoints: 60 },
  { key: 'paper', title: '纸面销号、弄虚作假', kind: 'deduction', maxPoints: 20 },
];
