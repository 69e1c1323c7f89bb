// Scores and rankings: from per-unit indicator facts (numerator/denominator counted from the event
// trail), a round's score sheets and its scheme, to a ranked, explained table per peer group.
import { INDICATORS, type IndicatorKey, type Scheme, type ScoreLine } from './scheme.ts';

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
  /** the weight after redistributing the weight of indicators not scored for this unit */
  effectiveWeight: number;
  /** points out of 100 */
  contribution: number;
  note: 'scored' | 'no_data' | 'below_min_volume' | 'no_score_sheet';
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
}

export interface RankedGroup {
  key: string;
  title: string;
  lines: RankedLine[];
}

/** Scores are kept to 4 decimals so a recomputation compares equal to the frozen ranking. */
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function scoreUnit(
  u: RankedUnitInput,
  scheme: Scheme,
  lines: ScoreLine[],
): Omit<RankedLine, 'group' | 'rank' | 'groupSize'> {
  const scoreLines = lines.filter((l) => l.kind === 'score');
  const facts: IndicatorFacts = { ...u.facts };
  if (u.sheet) {
    facts.inspection_score = {
      numerator: scoreLines.reduce((a, l) => a + Math.min(l.maxPoints, Math.max(0, u.sheet!.lines[l.key] ?? 0)), 0),
      denominator: scoreLines.reduce((a, l) => a + l.maxPoints, 0),
    };
  }
  const rows = scheme.indicators.map((ind) => {
    const f = facts[ind.key];
    const meta = INDICATORS[ind.key];
    let note: Explanation['note'] = 'scored';
    if (ind.key === 'inspection_score' && !u.sheet) note = 'no_score_sheet';
    else if (!f || f.denominator === 0) note = 'no_data';
    // The volume rule is about ledger counts; inspection points are not a volume.
    else if (ind.key !== 'inspection_score' && f.denominator < scheme.minVolume) note = 'below_min_volume';
    const rate = f && f.denominator > 0 ? f.numerator / f.denominator : null;
    const value = rate === null ? null : meta.lowerIsBetter ? 1 - rate : rate;
    return {
      indicator: ind.key,
      title: meta.title,
      numerator: f?.numerator ?? 0,
      denominator: f?.denominator ?? 0,
      rate,
      value,
      weight: ind.weight,
      note,
    };
  });
  const scoredWeight = rows.reduce((a, r) => a + (r.note === 'scored' ? r.weight : 0), 0);
  const explanation: Explanation[] = rows.map((r) => {
    const effectiveWeight = r.note === 'scored' && scoredWeight > 0 ? (r.weight / scoredWeight) * 100 : 0;
    return {
      ...r,
      rate: r.rate === null ? null : r4(r.rate),
      value: r.value === null ? null : r4(r.value),
      effectiveWeight: r4(effectiveWeight),
      contribution: r.note === 'scored' ? r4(effectiveWeight * r.value!) : 0,
    };
  });
  const deductions = r4(
    lines
      .filter((l) => l.kind === 'deduction')
      .reduce((a, l) => a + Math.min(l.maxPoints, Math.max(0, u.sheet?.lines[l.key] ?? 0)), 0),
  );
  const score = r4(explanation.reduce((a, e) => a + e.contribution, 0) - deductions);
  const volume = Object.values(u.facts).reduce((a, f) => a + (f?.denominator ?? 0), 0);
  return {
    unitId: u.unitId,
    name: u.name,
    kind: u.kind,
    score,
    deductions,
    veto: u.sheet?.veto ?? false,
    vetoReason: u.sheet?.vetoReason ?? null,
    volume,
    explanation,
  };
}

const inspection = (l: Pick<RankedLine, 'explanation'>) =>
  l.explanation.find((e) => e.indicator === 'inspection_score')?.contribution ?? 0;

/**
 * The tie-break, in order: 一票否决 units last; higher score; fewer deduction points; higher
 * inspection contribution; larger ledger volume (more work scored); then the unit name in code-point
 * order, so every position is decided and the same inputs always give the same table.
 */
function compareLines(
  a: Omit<RankedLine, 'group' | 'rank' | 'groupSize'>,
  b: Omit<RankedLine, 'group' | 'rank' | 'groupSize'>,
): number {
  return (
    Number(a.veto) - Number(b.veto) ||
    b.score - a.score ||
    a.deductions - b.deductions ||
    inspection(b) - inspection(a) ||
    b.volume - a.volume ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : a.unitId < b.unitId ? -1 : 1)
  );
}

/** Rank every unit within its peer group. Units whose kind no group takes are returned apart. */
export function rankUnits(
  units: RankedUnitInput[],
  scheme: Scheme,
  lines: ScoreLine[],
): { groups: RankedGroup[]; unranked: string[] } {
  const unranked: string[] = [];
  const groups: RankedGroup[] = scheme.peerGroups.map((g) => ({ key: g.key, title: g.title, lines: [] }));
  const scored = new Map<string, ReturnType<typeof scoreUnit>[]>();
  for (const u of units) {
    const g = scheme.peerGroups.find((p) => p.kinds.includes(u.kind));
    if (!g) {
      unranked.push(u.unitId);
      continue;
    }
    const list = scored.get(g.key) ?? [];
    list.push(scoreUnit(u, scheme, lines));
    scored.set(g.key, list);
  }
  for (const g of groups) {
    const list = (scored.get(g.key) ?? []).sort(compareLines);
    g.lines = list.map((l, i) => ({ ...l, group: g.key, rank: i + 1, groupSize: list.length }));
  }
  return { groups: groups.filter((g) => g.lines.length > 0), unranked };
}
