// A round's scores and ranking (验收排名), by the data-driven formula (formula.ts) and standings
// (standings.ts): from per-unit indicator facts (numerator/denominator counted from the event trail)
// and the round's score sheets, to a ranked, explained table per peer group. A round that states no
// published formula is scored by its weighted indicators said in the formula's form (roundFormula):
// weight ÷ total weight × the share scored, indicators without data left out and the rest scaled up
// to the full weight (缺项折算), score-sheet deductions as points off, 一票否决 last. Pure.
import {
  type FormulaLine,
  type FormulaScore,
  type ParsedFormula,
  parseFormula,
  reweighScale,
  scoreFormula,
} from './formula.ts';
import type { RateValue } from './rates.ts';
import { INDICATORS, type IndicatorKey, type Scheme, type ScoreLine } from './scheme.ts';
import { rankStandings, type StandingsConfig } from './standings.ts';

interface Fraction {
  numerator: number;
  denominator: number;
}
export type IndicatorFacts = Partial<Record<IndicatorKey, Fraction>>;

export interface ScoreSheet {
  lines: Record<string, number>;
  veto: boolean;
  vetoReason: string | null;
}

export interface RankedUnitInput {
  unitId: string;
  name: string;
  kind: string;
  facts: IndicatorFacts;
  sheet: ScoreSheet | null;
}

export interface Explanation {
  indicator: IndicatorKey;
  title: string;
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null without data */
  rate: number | null;
  /** the share of the indicator's points earned (rate, or 1 − rate when lower is better) */
  value: number | null;
  weight: number;
  /** points per whole share after redistributing the weight of terms not scored for this unit */
  effectiveWeight: number;
  contribution: number;
  note: 'scored' | 'no_data' | 'below_min_volume' | 'no_score_sheet';
  /** The rule as applied, e.g. "0.25 × 80 × 1.25（缺项折算）". */
  rule?: string;
}

interface RankedLine {
  unitId: string;
  name: string;
  kind: string;
  group: string;
  rank: number;
  groupSize: number;
  score: number;
  deductions: number;
  veto: boolean;
  vetoReason: string | null;
  volume: number;
  explanation: Explanation[];
  /** Added with the formula scheme (absent in rankings published before): 并列, 红榜 / 黑榜, every line of the score. */
  tied?: boolean;
  praised?: boolean;
  named?: boolean;
  lines?: FormulaLine[];
}

export interface RankedGroup {
  key: string;
  title: string;
  lines: RankedLine[];
}

/** Scores are kept to 4 decimals so a recomputation compares equal to the frozen ranking. */
/** `|| 0`: no −0 (JSON writes it as 0, so a stored ranking would not equal its recomputation). */
const r4 = (x: number) => Math.round(x * 10_000) / 10_000 || 0;
const eventKey = (lineKey: string) => `line_${lineKey.replace(/-/g, '_')}`.slice(0, 40);

/** The round's scheme in the formula's form: its published formula, or its weighted indicators said as one. */
export function roundFormula(
  scheme: Scheme,
  lines: ScoreLine[],
): { formula: ParsedFormula; standings: StandingsConfig } {
  if (scheme.formula) return scheme.formula;
  const total = scheme.indicators.reduce((a, i) => a + i.weight, 0);
  return {
    formula: parseFormula({
      version: scheme.version,
      title: '阶段验收评分',
      terms: scheme.indicators.map((i) => ({
        key: i.key,
        title: INDICATORS[i.key].title,
        rule: { kind: 'weighted', rate: i.key, weight: i.weight / total },
      })),
      deductions: lines
        .filter((l) => l.kind === 'deduction')
        .map((l) => ({ event: eventKey(l.key), title: l.title, points: 1, cap: l.maxPoints, asScored: true })),
      vetoes: [{ event: 'sheet_veto', title: '验收一票否决', effect: 'last' }],
      missing: 'reweigh',
      decimals: 4,
    }),
    standings: {
      groups: scheme.peerGroups.map((g) => ({ key: g.key, title: g.title, kinds: g.kinds, maxScore: 100 })),
      // The order this scheme always documented; a complete tie stays 并列 (never decided by the name).
      tieBreak: ['deductions', 'inspection_score', 'volume'],
      praiseTop: scheme.praiseTop,
      nameBottom: 1,
    },
  };
}

/** Whether publishing needs every unit's score sheet: some term reads the inspection points. */
export function readsScoreSheets(scheme: Scheme, lines: ScoreLine[]): boolean {
  return roundFormula(scheme, lines).formula.terms.some(
    (t) => t.rule.rate === 'inspection_score' && (t.rule.kind === 'threshold' || t.rule.weight > 0),
  );
}

interface Prepared {
  facts: IndicatorFacts;
  notes: Partial<Record<IndicatorKey, Explanation['note']>>;
  rates: Record<string, RateValue>;
  events: Record<string, number>;
  volume: number;
}

/** A unit's indicator shares (the formula's rates) and score-sheet events, with why any is not scored. */
function prepare(u: RankedUnitInput, scheme: Scheme, lines: ScoreLine[]): Prepared {
  const scoreLines = lines.filter((l) => l.kind === 'score');
  const points = (l: ScoreLine) => Math.min(l.maxPoints, Math.max(0, u.sheet?.lines[l.key] ?? 0));
  const facts: IndicatorFacts = { ...u.facts };
  if (u.sheet)
    facts.inspection_score = {
      numerator: scoreLines.reduce((a, l) => a + points(l), 0),
      denominator: scoreLines.reduce((a, l) => a + l.maxPoints, 0),
    };
  const notes: Prepared['notes'] = {};
  const rates: Record<string, RateValue> = {};
  for (const key of Object.keys(INDICATORS) as IndicatorKey[]) {
    const f = facts[key];
    let note: Explanation['note'] = 'scored';
    if (key === 'inspection_score' && !u.sheet) note = 'no_score_sheet';
    else if (!f || f.denominator === 0) note = 'no_data';
    // The volume rule is about ledger counts; inspection points are not a volume.
    else if (key !== 'inspection_score' && f.denominator < scheme.minVolume) note = 'below_min_volume';
    notes[key] = note;
    const share = f && f.denominator > 0 ? f.numerator / f.denominator : null;
    const value = share === null ? null : INDICATORS[key].lowerIsBetter ? 1 - share : share;
    rates[key] = {
      key,
      title: INDICATORS[key].title,
      numerator: f?.numerator ?? 0,
      denominator: f?.denominator ?? 0,
      percent: note === 'scored' && value !== null ? value * 100 : null,
      note: note === 'scored' ? 'counted' : 'empty_skipped',
    };
  }
  const events: Record<string, number> = { sheet_veto: u.sheet?.veto ? 1 : 0 };
  for (const l of lines) if (l.kind === 'deduction') events[eventKey(l.key)] = points(l);
  const volume = Object.values(u.facts).reduce((a, f) => a + (f?.denominator ?? 0), 0);
  return { facts, notes, rates, events, volume };
}

function explain(
  u: RankedUnitInput,
  p: Prepared,
  scheme: Scheme,
  formula: ParsedFormula,
  s: FormulaScore,
): Omit<RankedLine, 'group' | 'rank' | 'groupSize'> {
  const scale = reweighScale(formula, { rates: p.rates });
  const explanation: Explanation[] = formula.terms.map((t) => {
    const key = t.rule.rate as IndicatorKey;
    const f = p.facts[key];
    const line = s.lines.find((l) => l.kind === 'term' && l.key === t.key);
    const note = p.notes[key] ?? 'no_data';
    const rate = f && f.denominator > 0 ? f.numerator / f.denominator : null;
    const value = rate === null ? null : INDICATORS[key].lowerIsBetter ? 1 - rate : rate;
    // Said in the indicators' own weights when the round has no published formula.
    const weight = scheme.formula
      ? t.rule.kind === 'weighted'
        ? t.rule.weight
        : t.rule.max
      : (scheme.indicators.find((i) => i.key === key)?.weight ?? 0);
    const perShare = t.rule.kind === 'weighted' ? t.rule.weight * 100 * scale : t.rule.max;
    return {
      indicator: key,
      title: INDICATORS[key].title,
      numerator: f?.numerator ?? 0,
      denominator: f?.denominator ?? 0,
      rate: rate === null ? null : r4(rate),
      value: value === null ? null : r4(value),
      weight,
      effectiveWeight: note === 'scored' ? r4(perShare) : 0,
      contribution: r4(line?.contribution ?? 0),
      note,
      ...(line ? { rule: line.rule } : {}),
    };
  });
  const deductions = r4(
    -s.lines.reduce((a, l) => a + (l.kind === 'deduction' || l.key === 'deduction_cap' ? l.contribution : 0), 0),
  );
  return {
    unitId: u.unitId,
    name: u.name,
    kind: u.kind,
    score: s.score,
    deductions,
    veto: u.sheet?.veto ?? false,
    vetoReason: u.sheet?.vetoReason ?? null,
    volume: p.volume,
    explanation,
    lines: s.lines,
  };
}

/** One unit's score, explained line by line (outside any peer group). */
export function scoreUnit(u: RankedUnitInput, scheme: Scheme, lines: ScoreLine[]) {
  const { formula } = roundFormula(scheme, lines);
  const p = prepare(u, scheme, lines);
  return explain(u, p, scheme, formula, scoreFormula(formula, { rates: p.rates, events: p.events }));
}

/**
 * Rank every unit within its peer group: by score, 一票否决 last, then the scheme's tie-break;
 * units still equal rank 并列 (1, 1, 3). Units whose kind no group takes are returned apart.
 */
export function rankUnits(
  units: RankedUnitInput[],
  scheme: Scheme,
  lines: ScoreLine[],
): { groups: RankedGroup[]; unranked: string[] } {
  const { formula, standings } = roundFormula(scheme, lines);
  const prepared = new Map(units.map((u) => [u.unitId, prepare(u, scheme, lines)]));
  const byId = new Map(units.map((u) => [u.unitId, u]));
  const result = rankStandings(
    formula,
    standings,
    units.map((u) => {
      const p = prepared.get(u.unitId)!;
      return { unitId: u.unitId, name: u.name, kind: u.kind, volume: p.volume, rates: p.rates, events: p.events };
    }),
  );
  const groups: RankedGroup[] = result.groups
    .filter((g) => g.standings.length > 0)
    .map((g) => ({
      key: g.key,
      title: g.title,
      lines: g.standings.map((st) => {
        const u = byId.get(st.unitId)!;
        const s: FormulaScore = { score: st.score, vetoed: st.vetoed, lines: st.lines };
        return {
          ...explain(u, prepared.get(u.unitId)!, scheme, formula, s),
          group: g.key,
          rank: st.rank,
          groupSize: g.standings.length,
          tied: st.tied,
          praised: st.praised,
          named: st.named,
        };
      }),
    }));
  return { groups, unranked: result.unranked };
}
