// Accountability rules (问责) as data, evaluated over the published rankings of a campaign in order,
// and over the recheck results (复核) the rounds' periods hold. The defaults are seed 002 §六(三); each
// default rule quotes the sentence it comes from in `description`.
import { z } from 'zod';

const common = {
  id: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  title: z.string().min(1).max(100),
  /** The rule's source in the campaign's own documents (the seed's words for the defaults). */
  description: z.string().max(500).optional(),
  action: z.enum(['interview', 'criticism']),
  /** What is done, as the bulletin says it. */
  actionTitle: z.string().min(1).max(100),
};

/** A rule over rankings: a unit at a position `count` times (in a row when `consecutive`). */
export const placementRuleSchema = z.strictObject({
  ...common,
  basis: z.literal('placement'),
  /** last = 倒数第一 of the peer group; lagging = in the bottom share (后进). */
  position: z.enum(['last', 'lagging']),
  count: z.number().int().min(1).max(12),
  consecutive: z.boolean(),
});

/**
 * A rule over recheck results (整改不到位): a unit with at least `count` failed rechecks (反弹) up to
 * a published round's period end. Counted over the whole campaign, so it fires once per unit.
 */
export const recheckRuleSchema = z.strictObject({
  ...common,
  basis: z.literal('recheck_failed'),
  count: z.number().int().min(1).max(100),
});

// Rules stored before recheck rules existed have no `basis`: they are placement rules. A discriminated
// union (not a plain one) so that a bad field is named by its path.
export const ruleSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !('basis' in v) ? { ...v, basis: 'placement' } : v),
  z.discriminatedUnion('basis', [recheckRuleSchema, placementRuleSchema]),
);
export type PlacementRule = z.infer<typeof placementRuleSchema>;
export type RecheckRule = z.infer<typeof recheckRuleSchema>;
export type AccountabilityRule = z.infer<typeof ruleSchema>;

export const isRecheckRule = (r: AccountabilityRule): r is RecheckRule => r.basis === 'recheck_failed';

export const accountabilitySchema = z
  .strictObject({
    /** 后进: the bottom share of each peer group (at least one unit). */
    laggingShare: z.number().gt(0).max(0.5),
    rules: z.array(ruleSchema).max(20),
  })
  .superRefine((a, ctx) => {
    const ids = a.rules.map((r) => r.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['rules'], message: 'rule ids must be unique' });
  });
export type AccountabilityConfig = z.infer<typeof accountabilitySchema>;

/** 002 §六(三), the sentences the defaults enforce (quoted in each rule's description). */
export const SEED_002_LAST =
  '对在督查考评中连续2次或累计3次排名倒数第一的县市给予通报批评,……并报请州委同意后对县市主要负责人、分管负责人进行约谈';
export const SEED_002_LAGGING_CRITICISM = '对在督查考评中累计2次的后进乡镇(街道)给予通报批评';
export const SEED_002_LAGGING_INTERVIEW =
  '对问题整改不到位或连续2次或累计3次的后进乡镇(街道),责成县市对乡镇(街道)党政主要负责人进行约谈';

const source = (sentence: string) => `002 §六(三):“${sentence}”`;

export const DEFAULT_ACCOUNTABILITY: AccountabilityConfig = {
  laggingShare: 0.2,
  rules: [
    {
      id: 'last_twice_in_row',
      title: '连续2次排名倒数第一',
      description: source(SEED_002_LAST),
      basis: 'placement',
      position: 'last',
      count: 2,
      consecutive: true,
      action: 'interview',
      actionTitle: '约谈主要负责人、分管负责人',
    },
    {
      id: 'last_three_total',
      title: '累计3次排名倒数第一',
      description: source(SEED_002_LAST),
      basis: 'placement',
      position: 'last',
      count: 3,
      consecutive: false,
      action: 'interview',
      actionTitle: '约谈主要负责人、分管负责人',
    },
    // The same last places are also criticised in the bulletin, beside the interview.
    {
      id: 'last_twice_in_row_criticism',
      title: '连续2次排名倒数第一',
      description: source(SEED_002_LAST),
      basis: 'placement',
      position: 'last',
      count: 2,
      consecutive: true,
      action: 'criticism',
      actionTitle: '通报批评,主要负责人作出公开说明',
    },
    {
      id: 'last_three_total_criticism',
      title: '累计3次排名倒数第一',
      description: source(SEED_002_LAST),
      basis: 'placement',
      position: 'last',
      count: 3,
      consecutive: false,
      action: 'criticism',
      actionTitle: '通报批评,主要负责人作出公开说明',
    },
    {
      id: 'lagging_twice_total',
      title: '累计2次后进',
      description: source(SEED_002_LAGGING_CRITICISM),
      basis: 'placement',
      position: 'lagging',
      count: 2,
      consecutive: false,
      action: 'criticism',
      actionTitle: '通报批评',
    },
    {
      id: 'lagging_twice_in_row',
      title: '连续2次后进',
      description: source(SEED_002_LAGGING_INTERVIEW),
      basis: 'placement',
      position: 'lagging',
      count: 2,
      consecutive: true,
      action: 'interview',
      actionTitle: '约谈党政主要负责人',
    },
    {
      id: 'lagging_three_total',
      title: '累计3次后进',
      description: source(SEED_002_LAGGING_INTERVIEW),
      basis: 'placement',
      position: 'lagging',
      count: 3,
      consecutive: false,
      action: 'interview',
      actionTitle: '约谈党政主要负责人',
    },
    {
      id: 'rectification_failed',
      title: '问题整改不到位(复核未通过)',
      description: source(SEED_002_LAGGING_INTERVIEW),
      basis: 'recheck_failed',
      count: 1,
      action: 'interview',
      actionTitle: '约谈党政主要负责人',
    },
  ],
};

/** One published round as the rules see it: every ranked unit's place in its peer group. */
export interface RoundPlacements {
  roundId: string;
  /** The end of the round's period (ISO instant): recheck rules count failures up to it. */
  periodEnd?: string;
  placements: { unitId: string; rank: number; groupSize: number }[];
}

/** A failed recheck (反弹) as the rules see it, attributed to the ranked unit it counts for. */
export interface RecheckFailure {
  unitId: string;
  itemId: string;
  at: string;
}

export interface Trigger {
  unitId: string;
  ruleId: string;
  action: AccountabilityRule['action'];
  firedAtRoundId: string;
  roundIds: string[];
  /** For recheck rules: the items whose recheck failed. */
  itemIds?: string[];
}

export const laggingCount = (groupSize: number, share: number) => Math.max(1, Math.ceil(groupSize * share - 1e-9));

export function isAt(
  position: PlacementRule['position'],
  p: { rank: number; groupSize: number },
  share: number,
): boolean {
  // A group of one has no last place to speak of.
  if (p.groupSize < 2) return false;
  return position === 'last' ? p.rank === p.groupSize : p.rank > p.groupSize - laggingCount(p.groupSize, share);
}

function placementTrigger(
  rule: PlacementRule,
  unitId: string,
  rounds: RoundPlacements[],
  share: number,
): Trigger | null {
  const hits: string[] = [];
  for (const round of rounds) {
    const p = round.placements.find((x) => x.unitId === unitId);
    const hit = !!p && isAt(rule.position, p, share);
    if (hit) hits.push(round.roundId);
    else if (rule.consecutive) hits.length = 0;
    if (hit && hits.length >= rule.count)
      return { unitId, ruleId: rule.id, action: rule.action, firedAtRoundId: round.roundId, roundIds: [...hits] };
  }
  return null;
}

function recheckTrigger(
  rule: RecheckRule,
  unitId: string,
  rounds: RoundPlacements[],
  failures: RecheckFailure[],
): Trigger | null {
  const mine = failures.filter((f) => f.unitId === unitId).sort((a, b) => a.at.localeCompare(b.at));
  for (const round of rounds) {
    // A round without a period end cannot say which failures it holds.
    if (!round.periodEnd || !round.placements.some((p) => p.unitId === unitId)) continue;
    const upTo = mine.filter((f) => f.at <= round.periodEnd!);
    if (upTo.length >= rule.count)
      return {
        unitId,
        ruleId: rule.id,
        action: rule.action,
        firedAtRoundId: round.roundId,
        roundIds: [round.roundId],
        itemIds: [...new Set(upTo.map((f) => f.itemId))],
      };
  }
  return null;
}

/** Every (unit, rule) that fires over the rounds, once each, at the first round where it holds. */
export function evaluateRules(
  rounds: RoundPlacements[],
  config: AccountabilityConfig,
  failures: RecheckFailure[] = [],
): Trigger[] {
  const out: Trigger[] = [];
  const units = new Set(rounds.flatMap((r) => r.placements.map((p) => p.unitId)));
  for (const rule of config.rules)
    for (const unitId of units) {
      const t = isRecheckRule(rule)
        ? recheckTrigger(rule, unitId, rounds, failures)
        : placementTrigger(rule, unitId, rounds, config.laggingShare);
      if (t) out.push(t);
    }
  return out;
}
