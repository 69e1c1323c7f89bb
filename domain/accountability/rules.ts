// Accountability rules (问责) as data, evaluated over the published rankings of a campaign in order.
// 002 §六(三): 连续2次或累计3次排名倒数第一 → 约谈主要负责人、分管负责人; 累计2次后进 → 通报批评.
import { z } from 'zod';

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  title: z.string().min(1).max(100),
  /** last = 倒数第一 of the peer group; lagging = in the bottom share (后进). */
  position: z.enum(['last', 'lagging']),
  count: z.number().int().min(1).max(12),
  consecutive: z.boolean(),
  action: z.enum(['interview', 'criticism']),
  /** What is done, as the bulletin says it. */
  actionTitle: z.string().min(1).max(100),
});
type AccountabilityRule = z.infer<typeof ruleSchema>;

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

export const DEFAULT_ACCOUNTABILITY: AccountabilityConfig = {
  laggingShare: 0.2,
  rules: [
    {
      id: 'last_twice_in_row',
      title: '连续2次排名倒数第一',
      position: 'last',
      count: 2,
      consecutive: true,
      action: 'interview',
      actionTitle: '约谈主要负责人、分管负责人',
    },
    {
      id: 'last_three_total',
      title: '累计3次排名倒数第一',
      position: 'last',
      count: 3,
      consecutive: false,
      action: 'interview',
      actionTitle: '约谈主要负责人、分管负责人',
    },
    {
      id: 'lagging_twice_total',
      title: '累计2次后进',
      position: 'lagging',
      count: 2,
      consecutive: false,
      action: 'criticism',
      actionTitle: '通报批评',
    },
  ],
};

/** One published round as the rules see it: every ranked unit's place in its peer group. */
export interface RoundPlacements {
  roundId: string;
  placements: { unitId: string; rank: number; groupSize: number }[];
}

interface Trigger {
  unitId: string;
  ruleId: string;
  action: AccountabilityRule['action'];
  firedAtRoundId: string;
  roundIds: string[];
}

const laggingCount = (groupSize: number, share: number) => Math.max(1, Math.ceil(groupSize * share - 1e-9));

function isAt(
  position: AccountabilityRule['position'],
  p: { rank: number; groupSize: number },
  share: number,
): boolean {
  // A group of one has no last place to speak of.
  if (p.groupSize < 2) return false;
  return position === 'last' ? p.rank === p.groupSize : p.rank > p.groupSize - laggingCount(p.groupSize, share);
}

/** Every (unit, rule) that fires over the rounds, once each, at the first round where it holds. */
export function evaluateRules(rounds: RoundPlacements[], config: AccountabilityConfig): Trigger[] {
  const out: Trigger[] = [];
  const units = new Set(rounds.flatMap((r) => r.placements.map((p) => p.unitId)));
  for (const rule of config.rules)
    for (const unitId of units) {
      const hits: string[] = [];
      for (const round of rounds) {
        const p = round.placements.find((x) => x.unitId === unitId);
        const hit = !!p && isAt(rule.position, p, config.laggingShare);
        if (hit) hits.push(round.roundId);
        else if (rule.consecutive) hits.length = 0;
        if (hit && hits.length >= rule.count) {
          out.push({
            unitId,
            ruleId: rule.id,
            action: rule.action,
            firedAtRoundId: round.roundId,
            roundIds: [...hits],
          });
          break;
        }
      }
    }
  return out;
}
