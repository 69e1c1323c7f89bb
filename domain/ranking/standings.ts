// Standings as bulletins publish them: units ranked within peer groups that may score out of
// different maxima (counties out of 150, districts and departments out of 100); equal scores rank
// 并列 — the same rank, the next one skipped — unless the office sets a tie-break; 一票否决 last;
// praise the top N (红榜) and name the bottom N (黑榜) per group and overall. Pure.
import { z } from 'zod';
import {
  type Formula,
  type FormulaInput,
  type FormulaScore,
  type ParsedFormula,
  parseFormula,
  scoreFormula,
} from './formula.ts';

export const standingsSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        key: z.string().regex(/^[a-z0-9_-]{1,40}$/),
        title: z.string().min(1).max(50),
        /** Unit kinds in the group (village, department …). */
        kinds: z.array(z.string().min(1)).min(1),
        maxScore: z.number().positive().default(100),
      }),
    )
    .min(1),
  /** Tie-break, in order, only if the office sets one: rate keys (higher first), 'deductions' (fewer first) or 'volume'. Empty: 并列. */
  tieBreak: z.array(z.string().min(1)).default([]),
  praiseTop: z.number().int().min(0).max(50).default(0),
  nameBottom: z.number().int().min(0).max(50).default(0),
  /** Praise and name across all groups as well (by score as a share of the group's maximum). */
  overall: z.boolean().default(false),
});
export type StandingsConfig = z.input<typeof standingsSchema>;

export interface StandingUnit extends FormulaInput {
  unitId: string;
  name: string;
  kind: string;
  /** Items counted, for a 'volume' tie-break. */
  volume?: number;
}

export interface Standing {
  unitId: string;
  name: string;
  group: string;
  rank: number;
  tied: boolean;
  score: number;
  maxScore: number;
  vetoed: FormulaScore['vetoed'];
  lines: FormulaScore['lines'];
  praised: boolean;
  named: boolean;
}

export interface StandingsResult {
  groups: { key: string; title: string; maxScore: number; standings: Standing[] }[];
  unranked: string[];
  overall: { praised: string[]; named: string[] };
}

/** Higher is better: 'volume' (more items scored), 'deductions' (fewer points off), else a rate's percentage. */
function tieKey(u: StandingUnit, s: FormulaScore, k: string): number {
  if (k === 'volume') return u.volume ?? 0;
  if (k === 'deductions') return s.lines.reduce((a, l) => a + (l.kind === 'deduction' ? l.contribution : 0), 0);
  const r = u.rates[k];
  return typeof r === 'number' ? r : (r?.percent ?? -1);
}

export function rankStandings(
  formula: Formula | ParsedFormula,
  config: StandingsConfig,
  units: StandingUnit[],
): StandingsResult {
  const f = parseFormula(formula as Formula);
  const cfg = standingsSchema.parse(config);
  const unranked: string[] = [];
  const groups = cfg.groups.map((g) => {
    const members = units.filter((u) => g.kinds.includes(u.kind));
    const scored = members.map((u) => ({ u, s: scoreFormula(f, u, g.maxScore) }));
    const last = (x: (typeof scored)[number]) => Number(x.s.vetoed?.effect === 'last');
    const order = (a: (typeof scored)[number], b: (typeof scored)[number]) => {
      const d = last(a) - last(b) || b.s.score - a.s.score;
      if (d) return d;
      for (const k of cfg.tieBreak) {
        const t = tieKey(b.u, b.s, k) - tieKey(a.u, a.s, k);
        if (t) return t;
      }
      return 0;
    };
    // Stable sort, then ranks: equal under `order` → the same rank; the next rank skips (1, 1, 3).
    const sorted = scored
      .map((x, i) => ({ x, i }))
      .sort((a, b) => order(a.x, b.x) || (a.x.u.name < b.x.u.name ? -1 : a.x.u.name > b.x.u.name ? 1 : a.i - b.i))
      .map((y) => y.x);
    const standings: Standing[] = [];
    sorted.forEach((x, i) => {
      const prev = standings[i - 1];
      const tiedWithPrev = i > 0 && order(sorted[i - 1]!, x) === 0;
      const rank = tiedWithPrev ? prev!.rank : i + 1;
      if (tiedWithPrev) prev!.tied = true;
      standings.push({
        unitId: x.u.unitId,
        name: x.u.name,
        group: g.key,
        rank,
        tied: tiedWithPrev,
        score: x.s.score,
        maxScore: g.maxScore,
        vetoed: x.s.vetoed,
        lines: x.s.lines,
        praised: false,
        named: false,
      });
    });
    markEnds(standings, cfg.praiseTop, cfg.nameBottom);
    return { key: g.key, title: g.title, maxScore: g.maxScore, standings };
  });
  for (const u of units) if (!cfg.groups.some((g) => g.kinds.includes(u.kind))) unranked.push(u.unitId);
  let overall = { praised: [] as string[], named: [] as string[] };
  if (cfg.overall) {
    // Across groups the score is compared as a share of the group's maximum (145.76 / 150 vs 97.57 / 100).
    const all = groups.flatMap((g) =>
      g.standings.map((s) => ({ ...s, rank: 0, tied: false, praised: false, named: false })),
    );
    const share = (s: Standing) => (s.vetoed?.effect === 'last' ? -1 : s.score / s.maxScore);
    all.sort((a, b) => share(b) - share(a));
    all.forEach((s, i) => {
      s.rank = i > 0 && share(all[i - 1]!) === share(s) ? all[i - 1]!.rank : i + 1;
    });
    markEnds(all, cfg.praiseTop, cfg.nameBottom);
    overall = {
      praised: all.filter((s) => s.praised).map((s) => s.unitId),
      named: all.filter((s) => s.named).map((s) => s.unitId),
    };
  }
  return { groups, unranked, overall };
}

/** Top N by rank (all who share the Nth rank come along), bottom N likewise; vetoed units are never praised. */
function markEnds(list: Standing[], top: number, bottom: number) {
  if (top > 0 && list.length) {
    const cut = list[Math.min(top, list.length) - 1]!.rank;
    for (const s of list) if (s.rank <= cut && !s.vetoed) s.praised = true;
  }
  if (bottom > 0 && list.length) {
    const ranks = [...new Set(list.map((s) => s.rank))].sort((a, b) => b - a);
    const worst: Standing[] = [];
    for (const r of ranks) {
      if (worst.length >= bottom) break;
      worst.push(...list.filter((s) => s.rank === r));
    }
    for (const s of worst) if (!s.praised) s.named = true;
  }
}
