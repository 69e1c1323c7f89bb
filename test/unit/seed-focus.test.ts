// Rule 2 of issue 17 — seed 003 §三(四):
// “一季度末,重点对“应纳未纳”“就业帮扶不到位”“金融帮扶不到位”“重点人群未参保”专项整治工作开展情况进行验收、排名;
//  二季度末,重点对“应纳未纳”“控辍保学”“饮水工程运行维护”“住房安全”专项整治工作开展情况进行验收、排名;
//  三季度末,重点对“应纳未纳”“强化老人户保障”“产业带贫不规范”“搬迁社区治理融入”专项整治工作开展情况进行验收、排名;
//  四季度,对各责任部门、各行政村(社区)“十个专项整治”回头看工作开展情况进行验收、排名。”
import { describe, expect, it } from 'vitest';
import { type FocusCategory, focusWarnings, proposeFocus, quarterOf } from '../../domain/ranking/focus.ts';

const TEN = [
  '应纳未纳',
  '住房安全',
  '控辍保学',
  '重点人群未参保',
  '饮水工程运行维护',
  '强化老人户保障',
  '产业带贫不规范',
  '就业帮扶不到位',
  '金融帮扶不到位',
  '搬迁社区治理融入',
];
const bySeedNames: FocusCategory[] = TEN.map((n, i) => ({
  id: `c${i + 1}`,
  name: `“${n}”专项整治`,
  focusQuarters: [],
}));
const names = new Map(bySeedNames.map((c) => [c.id, c.name]));
const namesOf = (ids: string[]) => ids.map((id) => names.get(id)!.slice(1, -5));

describe('003 §三(四) quarterly focus of acceptance rounds', () => {
  it('a round belongs to the quarter of its last day', () => {
    expect(['2026-03-31', '2026-06-30', '2026-09-30', '2026-12-31'].map(quarterOf)).toEqual([1, 2, 3, 4]);
  });

  it('with no focus quarters set, the proposal is the seed table by name, quarter by quarter', () => {
    expect(namesOf(proposeFocus('2026-03-31', bySeedNames).categoryIds).sort()).toEqual(
      ['应纳未纳', '就业帮扶不到位', '金融帮扶不到位', '重点人群未参保'].sort(),
    );
    expect(namesOf(proposeFocus('2026-06-30', bySeedNames).categoryIds).sort()).toEqual(
      ['应纳未纳', '控辍保学', '饮水工程运行维护', '住房安全'].sort(),
    );
    expect(proposeFocus('2026-09-30', bySeedNames)).toMatchObject({ quarter: 3, basis: 'seed_003', lookBack: false });
    expect(namesOf(proposeFocus('2026-09-30', bySeedNames).categoryIds).sort()).toEqual(
      ['应纳未纳', '强化老人户保障', '产业带贫不规范', '搬迁社区治理融入'].sort(),
    );
  });

  it('Q4 is 回头看 over all ten', () => {
    const p = proposeFocus('2026-12-31', bySeedNames);
    expect(p).toMatchObject({ quarter: 4, lookBack: true });
    expect(p.categoryIds).toHaveLength(10);
  });

  it("the campaign's own focus quarters win over the seed table when set", () => {
    const own = bySeedNames.map((c, i) => ({ ...c, focusQuarters: i < 2 ? [1] : [2] }));
    expect(proposeFocus('2026-03-31', own)).toEqual({
      quarter: 1,
      categoryIds: ['c1', 'c2'],
      lookBack: false,
      basis: 'campaign',
    });
  });

  it('warns, naming the categories, when a round leaves out or adds focus categories', () => {
    const p = proposeFocus('2026-03-31', bySeedNames);
    const chosen = { categoryIds: ['c1', 'c2'], lookBack: false }; // 应纳未纳 + 住房安全 (a Q2 focus)
    const w = focusWarnings(p, chosen, names);
    expect(w.map((x) => x.code)).toEqual(['focus_missing', 'focus_extra']);
    expect(w[0]!.message).toContain('第一季度重点专项未列入本轮验收');
    expect(w[0]!.message).toContain('“就业帮扶不到位”专项整治');
    expect(w[1]).toMatchObject({ categoryIds: ['c2'] });
  });

  it('warns when Q4 is not a look-back, or a look-back is outside Q4; no warning when the round follows the seed', () => {
    const q4 = proposeFocus('2026-12-31', bySeedNames);
    expect(focusWarnings(q4, { categoryIds: q4.categoryIds, lookBack: false }, names).map((x) => x.code)).toEqual([
      'look_back_expected',
    ]);
    const q1 = proposeFocus('2026-03-31', bySeedNames);
    expect(focusWarnings(q1, { categoryIds: q1.categoryIds, lookBack: true }, names).map((x) => x.code)).toEqual([
      'look_back_outside_q4',
    ]);
    expect(focusWarnings(q1, { categoryIds: q1.categoryIds, lookBack: false }, names)).toEqual([]);
  });
});
