// The bulletin's marks per ranked line (domain/ranking/marks.ts): 通报表扬, 倒数第一, 一票否决, 并列.
import { describe, expect, it } from 'vitest';
import { groupMarks, type RankedLine } from '../../domain/ranking/marks.ts';

const line = (rank: number, extra: Partial<RankedLine> = {}): RankedLine => ({
  rank,
  veto: false,
  ...extra,
});
const words = (lines: RankedLine[], praiseTop = 1) =>
  groupMarks(lines, praiseTop).map((m) =>
    [m.praised && '表扬', m.last && '倒数第一', m.named && '黑榜', m.vetoed && '否决', m.tied && '并列']
      .filter(Boolean)
      .join('+'),
  );

describe('groupMarks', () => {
  it('praises the top N and names the last place, on rankings that do not mark 红榜 themselves', () => {
    expect(words([line(1), line(2), line(3), line(4)])).toEqual(['表扬', '', '', '倒数第一']);
    expect(words([line(1), line(2), line(3), line(4)], 2)).toEqual(['表扬', '表扬', '', '倒数第一']);
  });

  it('names every unit that shares the last place, and marks them 并列', () => {
    expect(words([line(1), line(2), line(2)])).toEqual(['表扬', '倒数第一+并列', '倒数第一+并列']);
  });

  it('a vetoed unit is criticised for the veto, never praised, and does not count toward the top N', () => {
    // 一票否决 ranks last; the last unit not vetoed is not 倒数第一 then (the bulletin names the veto)
    expect(words([line(1), line(2), line(3, { veto: true })])).toEqual(['表扬', '', '否决']);
    expect(words([line(1, { veto: true }), line(2)])).toEqual(['否决', '表扬']);
  });

  it('follows the marks a formula-scored ranking carries (ties included in 红榜)', () => {
    const lines = [
      line(1, { praised: true, tied: true }),
      line(1, { praised: true, tied: true }),
      line(3, { praised: false, tied: false }),
      line(4, { praised: false, tied: false }),
    ];
    expect(words(lines)).toEqual(['表扬+并列', '表扬+并列', '', '倒数第一']);
  });

  it('names the bottom N a formula scheme marks (黑榜) beyond 倒数第一; a vetoed unit is told by its veto', () => {
    const lines = [
      line(1, { praised: true, named: false }),
      line(2, { praised: false, named: false }),
      line(3, { praised: false, named: true }),
      line(4, { praised: false, named: true }),
      line(5, { praised: false, named: true, veto: true }),
    ];
    expect(words(lines)).toEqual(['表扬', '', '黑榜', '黑榜', '否决']);
    expect(words(lines.slice(0, 4))).toEqual(['表扬', '', '黑榜', '倒数第一']);
  });

  it('a group of one is never 倒数第一, nor a group whose units all share one place', () => {
    expect(words([line(1)])).toEqual(['表扬']);
    expect(words([line(1, { praised: true }), line(1, { praised: true })])).toEqual(['表扬+并列', '表扬+并列']);
    expect(words([line(1), line(1)], 0)).toEqual(['并列', '并列']);
    expect(words([line(1), line(1), line(3)], 0)).toEqual(['并列', '并列', '倒数第一']);
  });
});
