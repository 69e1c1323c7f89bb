// What a bulletin (通报) says about each unit of a ranked peer group, as seed 002 words it: 通报表扬 for the
// top of the group, 通报批评 for the unit ranked 倒数第一 (all who share that place), for 一票否决 and for the
// bottom N a formula scheme names (黑榜), and 并列 where units share a rank. One rule for the bulletin (services/bulletin.ts) and the ranking page. Pure.

export interface RankedLine {
  rank: number;
  veto: boolean;
  /** Set by rankings scored with the formula scheme (红榜, ties included); absent on older ones. */
  praised?: boolean;
  /** Set likewise: among the bottom N the scheme names (黑榜). */
  named?: boolean;
  tied?: boolean;
}

export interface LineMarks {
  /** 通报表扬 (红榜). */
  praised: boolean;
  /** 倒数第一: counts toward accountability ("连续2次或累计3次排名倒数第一"). */
  last: boolean;
  /** 黑榜: named among the bottom N by the scheme, other than 倒数第一 and 一票否决 (told as such). */
  named: boolean;
  /** 一票否决. */
  vetoed: boolean;
  /** 并列: the same rank as another unit. */
  tied: boolean;
}

/**
 * The marks of every line of one group, in its order. `praiseTop` (the scheme's 通报表扬 count) applies to
 * rankings that do not mark 红榜 themselves: the first N units not vetoed.
 */
export function groupMarks(lines: readonly RankedLine[], praiseTop: number): LineMarks[] {
  const marked = lines.some((l) => l.praised !== undefined);
  const lastRank = Math.max(...lines.map((l) => l.rank));
  // Units that all share one place are not 倒数第一: nobody ranked above them.
  const someoneAbove = lines.some((l) => l.rank < lastRank);
  let unvetoed = 0;
  return lines.map((l, i) => {
    const praised = marked ? l.praised === true : !l.veto && unvetoed++ < praiseTop;
    const last = !l.veto && !praised && l.rank === lastRank && someoneAbove;
    return {
      praised,
      last,
      named: l.named === true && !l.veto && !praised && !last,
      vetoed: l.veto,
      tied: l.tied ?? lines.some((o, j) => j !== i && o.rank === l.rank),
    };
  });
}
