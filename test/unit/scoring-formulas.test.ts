// Published scoring formulas reproduced to the bulletin's decimals, from the rates the bulletins
// print (or counted from tickets), with every score explained line by line; rates whose numerator
// and denominator an office configures; standings with peer groups of different maxima, 并列 ranks,
// 红榜 / 黑榜; deductions per event and 一票否决.
import { describe, expect, it } from 'vitest';
import { type Formula, parseFormula, scoreFormula } from '../../domain/ranking/formula.ts';
import { type ItemFact, type RateDef, rateOf, rateSchema } from '../../domain/ranking/rates.ts';
import { rankStandings } from '../../domain/ranking/standings.ts';

describe('盘锦 12345 (2023年1-4月 诉求办理情况通报): 评分 = 0.2×办结率 + 0.3×满意率 + 50, one decimal', () => {
  const panjin = parseFormula({
    version: '2023.1',
    title: '盘锦市12345热线 县区、经济区评分',
    source: '关于盘锦市12345政务服务便民热线平台1-4月份诉求办理情况的通报 (2023-06-09)',
    terms: [
      { key: 'closing', title: '办结率', rule: { kind: 'weighted', rate: 'closing', weight: 0.2 } },
      { key: 'satisfaction', title: '满意率', rule: { kind: 'weighted', rate: 'satisfaction', weight: 0.3 } },
    ],
    constant: 50,
    decimals: 1,
  });
  // 受理单位: 办结率, 满意率 → 评分, as published.
  const published: [string, number, number, number][] = [
    ['大洼区', 98.06, 99.0, 99.3],
    ['盘山县', 98.44, 98.37, 99.2],
    ['兴隆台区', 97.95, 98.44, 99.1],
    ['双台子区', 96.21, 94.01, 97.4],
    ['高新技术开发区', 100, 100, 100],
    ['辽滨沿海经济技术开发区', 99.25, 97.02, 99.0],
  ];
  for (const [unit, closing, satisfaction, score] of published)
    it(`${unit}: ${closing}%, ${satisfaction}% → ${score}`, () => {
      expect(scoreFormula(panjin, { rates: { closing, satisfaction } }).score).toBe(score);
    });
  it('explains the score line by line', () => {
    const s = scoreFormula(panjin, { rates: { closing: 98.06, satisfaction: 99 } });
    expect(s.lines.map((l) => [l.title, l.rule, l.contribution])).toEqual([
      ['办结率', '0.2 × 98.06', 19.612],
      ['满意率', '0.3 × 99', 29.7],
      ['基础分', '50', 50],
      ['得分', '99.312 保留 1 位小数（四舍五入）', 99.3],
    ]);
  });
  it('the same rates counted from tickets: 辽滨 266 of 268 closed; 163 of 168 回访 satisfied', () => {
    const facts: ItemFact[] = Array.from({ length: 268 }, (_, i) => ({
      unitId: 'lb',
      source: 'hotline',
      state: i < 266 ? 'closed' : 'in_progress',
      satisfaction: i < 168 ? (i < 163 ? 'satisfied' : 'unsatisfied') : null,
    }));
    const closing = rateOf(
      rateSchema.parse({ key: 'closing', title: '办结率', numerator: [{ states: ['closed', 'verified'] }] }),
      facts,
    );
    const satisfaction = rateOf(
      rateSchema.parse({
        key: 'satisfaction',
        title: '满意率',
        denominator: { satisfaction: ['satisfied', 'basic', 'unsatisfied'] },
        numerator: [{ satisfaction: ['satisfied', 'basic'] }],
      }),
      facts,
    );
    expect([closing.percent, satisfaction.percent]).toEqual([99.25, 97.02]);
    const s = scoreFormula(panjin, { rates: { closing, satisfaction } });
    expect(s.score).toBe(99);
    expect(s.lines[0]!.rate).toEqual({ key: 'closing', numerator: 266, denominator: 268, percent: 99.25 });
  });
});

// 连云港市12345在线平台绩效评估标准(试行) (连12345发〔2021〕1号), as its monthly bulletins apply it. The
// standard's own text was not found; its bulletins print each trailing unit's total and the rates and
// term scores that cost it points, and the parameters below (及时签收率 11 分 at 95%, 按时办结率 21 分
// at 96%, one point per percentage point below; 满意率 25 分 at 98%, half a point per point, not below
// 12.5; 答复不规范 one point each) are the ones those figures fix. They reproduce every figure checked
// but one: 万联能源 2022年2月, 满意率 70.59% printed as 12.8 分 where the rule gives the 12.5 floor.
const lyg2021: Formula = {
  version: '连12345发〔2021〕1号',
  title: '连云港市12345在线平台绩效评估（市各部门及单位，满分100分）',
  rates: [
    { key: 'signing', title: '及时签收率', numerator: [{ flag: 'acceptedInTime' }] },
    {
      key: 'on_time',
      title: '按时办结率',
      denominator: { states: ['closed', 'verified'] },
      numerator: [{ flag: 'onTime' }],
    },
  ],
  terms: [
    {
      key: 'signing',
      title: '及时签收率',
      rule: { kind: 'threshold', rate: 'signing', max: 11, fullAt: 95, perPoint: 1 },
      round: 2,
    },
    {
      key: 'on_time',
      title: '按时办结率',
      rule: { kind: 'threshold', rate: 'on_time', max: 21, fullAt: 96, perPoint: 1 },
      round: 2,
    },
    {
      key: 'satisfaction',
      title: '回访满意率',
      rule: { kind: 'threshold', rate: 'satisfaction', max: 25, fullAt: 98, perPoint: 0.5, floor: 12.5 },
      round: 2,
    },
  ],
  constant: 43,
  deductions: [{ event: 'irregular_reply', title: '答复不规范', points: 1, cap: 10 }],
  decimals: 2,
};

describe('连云港 12345 (连12345发〔2021〕1号): thresholds with a point off per percentage point, totals to two decimals', () => {
  const f = parseFormula(lyg2021);
  it('2021年7月 市碱业公司: 5件应办结工单中1件超时办结 → 按时办结率得分 5 分, total 84', () => {
    const tickets: ItemFact[] = Array.from({ length: 5 }, (_, i) => ({
      unitId: 'jy',
      source: 'hotline',
      state: 'closed',
      flags: { acceptedInTime: true, onTime: i > 0 },
    }));
    const rates = Object.fromEntries(f.rates.map((r) => [r.key, rateOf(r, tickets)]));
    const s = scoreFormula(f, { rates: { ...rates, satisfaction: 100 } });
    expect(s.lines.find((l) => l.key === 'on_time')).toMatchObject({
      rate: { numerator: 4, denominator: 5, percent: 80 },
      rule: '21 − (96 − 80) × 1，不低于 0',
      contribution: 5,
    });
    expect(s.score).toBe(84);
  });
  it('2021年8月 连云港铁塔: 7件工单中1件超时签收, 6件应办结工单中1件超时办结 → 78.04', () => {
    const tickets: ItemFact[] = Array.from({ length: 7 }, (_, i) => ({
      unitId: 'tt',
      source: 'hotline',
      state: i < 6 ? 'closed' : 'in_progress',
      flags: { acceptedInTime: i !== 0, onTime: i < 6 && i !== 1 },
    }));
    const rates = Object.fromEntries(f.rates.map((r) => [r.key, rateOf(r, tickets)]));
    expect([rates.signing!.percent, rates.on_time!.percent]).toEqual([85.71, 83.33]);
    expect(scoreFormula(f, { rates: { ...rates, satisfaction: 100 } }).score).toBe(78.04);
  });
  it('2022年2月 市碱业公司: 按时办结率 66.67% → 0 分, 回访满意率 66.67% → 12.5 分, total 66.5', () => {
    const s = scoreFormula(f, { rates: { signing: 100, on_time: 66.67, satisfaction: 66.67 } });
    expect(s.lines.filter((l) => l.kind === 'term').map((l) => l.contribution)).toEqual([11, 0, 12.5]);
    expect(s.score).toBe(66.5);
  });
  it('2022年2月 市体育局: 及时签收率 80% → 0 分, 满意率 50% → 12.5 分, 答复不规范 → 9 分 of 10, total 75.5', () => {
    const s = scoreFormula(f, {
      rates: { signing: 80, on_time: 100, satisfaction: 50 },
      events: { irregular_reply: 1 },
    });
    expect(s.lines.map((l) => [l.title, l.contribution])).toEqual([
      ['及时签收率', 0],
      ['按时办结率', 21],
      ['回访满意率', 12.5],
      ['基础分', 43],
      ['答复不规范', -1],
      ['得分', 75.5],
    ]);
  });
  it('2022年8月: 满意率 75% → 13.5 分, 71.43% → 12.5 分, 50% → 12.5 分', () => {
    const sat = (p: number) =>
      scoreFormula(f, { rates: { satisfaction: p } }).lines.find((l) => l.key === 'satisfaction');
    expect([75, 71.43, 50].map((p) => sat(p)!.contribution)).toEqual([13.5, 12.5, 12.5]);
  });
});

describe('连云港 12345 (连12345发〔2022〕19号), 2023年1月 bulletin: term scores to two decimals', () => {
  const f = parseFormula({
    ...lyg2021,
    version: '连12345发〔2022〕19号',
    title: '连云港市12345在线平台绩效评估（2022年修订）',
  });
  const term = (k: string, p: number) =>
    scoreFormula(f, { rates: { [k]: p } }).lines.find((l) => l.key === k)!.contribution;
  it('市交通局: 按时办结率 89.82% → 14.82 分; 省派工单满意率 87.5% → 19.75 分', () => {
    expect(term('on_time', 89.82)).toBe(14.82);
    expect(term('satisfaction', 87.5)).toBe(19.75);
  });
  it('新奥燃气: 满意率 83.33% → 17.67 分 (17.665 rounded half up); 农发集团: 50% → 12.5 分', () => {
    expect(term('satisfaction', 83.33)).toBe(17.67);
    expect(term('satisfaction', 50)).toBe(12.5);
  });
});

describe('rates an office configures', () => {
  const facts: ItemFact[] = [
    { unitId: 'a', source: 'hotline', state: 'closed' },
    { unitId: 'a', source: 'hotline', state: 'in_progress', partial: 'basic' },
    { unitId: 'a', source: 'petition', state: 'in_progress', partial: 'phased' },
    { unitId: 'a', source: 'screening', state: 'in_progress' },
    { unitId: 'a', source: 'hotline', state: 'dismissed' },
  ];
  const def = (over: Partial<RateDef>) =>
    rateSchema.parse({ key: 'done', title: '办结率', numerator: [{ states: ['closed'] }], ...over });
  it('which statuses count as done: 基本完成 and 阶段性办结 only where the office says so', () => {
    expect(rateOf(def({}), facts)).toMatchObject({ numerator: 1, denominator: 4, percent: 25 });
    expect(rateOf(def({ numerator: [{ states: ['closed'] }, { partial: ['basic'] }] }), facts).percent).toBe(50);
    expect(rateOf(def({ numerator: [{ states: ['closed'] }, { partial: ['basic', 'phased'] }] }), facts).percent).toBe(
      75,
    );
  });
  it('which sources are in scope; 不属实 never counts; rounding as printed', () => {
    expect(rateOf(def({ sources: ['hotline', 'petition'] }), facts)).toMatchObject({
      numerator: 1,
      denominator: 3,
      percent: 33.33,
    });
    expect(rateOf(def({ sources: ['hotline', 'petition'], percentDecimals: 1 }), facts).percent).toBe(33.3);
  });
  it('nothing to count: full marks, zero or not scored, as the scheme says', () => {
    expect(rateOf(def({ sources: ['audit'] }), facts)).toMatchObject({ percent: 100, note: 'empty_full' });
    expect(rateOf(def({ sources: ['audit'], whenEmpty: 'skip' }), facts).percent).toBeNull();
  });
});

describe('deductions per event and 一票否决 (a township scheme)', () => {
  const township = parseFormula({
    version: '2026.1',
    title: '朝阳镇整改督查考评',
    terms: [
      { key: 'done', title: '按期整改率', rule: { kind: 'weighted', rate: 'done', weight: 0.6 } },
      { key: 'sat', title: '回访满意率', rule: { kind: 'weighted', rate: 'sat', weight: 0.4 } },
    ],
    deductions: [
      { event: 'escalation_l1', title: '催办（一级督办）', points: 0.5 },
      { event: 'escalation_l2', title: '镇督办（二级）', points: 1 },
      { event: 'escalation_l3', title: '挂牌督办（三级）', points: 2 },
      { event: 'paper_signoff', title: '纸面销号预警', points: 2, cap: 6 },
    ],
    deductionCap: 10,
    vetoes: [
      { event: 'fraud', title: '弄虚作假', effect: 'zero' },
      { event: 'mass_incident', title: '发生重大群体性事件', effect: 'last' },
    ],
    decimals: 2,
  });
  it('each 督办 level and each paper sign-off warning costs its points, within the caps, and says so', () => {
    const s = scoreFormula(township, {
      rates: { done: 90, sat: 95 },
      events: { escalation_l1: 2, escalation_l3: 1, paper_signoff: 4 },
    });
    expect(s.lines.filter((l) => l.kind === 'deduction').map((l) => [l.title, l.rule, l.contribution])).toEqual([
      ['催办（一级督办）', '2 次 × 0.5 分', -1],
      ['挂牌督办（三级）', '1 次 × 2 分', -2],
      ['纸面销号预警', '4 次 × 2 分，以 6 分为限', -6],
    ]);
    expect(s.score).toBe(83); // 54 + 38 − 9
    const many = scoreFormula(township, {
      rates: { done: 90, sat: 95 },
      events: { escalation_l3: 5, paper_signoff: 4 },
    });
    expect(many.lines.find((l) => l.kind === 'cap')?.rule).toBe('扣分合计 16，以 10 分为限');
    expect(many.score).toBe(82);
  });
  it('一票否决: zero, or last with the score shown', () => {
    expect(scoreFormula(township, { rates: { done: 100, sat: 100 }, events: { fraud: 1 } })).toMatchObject({
      score: 0,
      vetoed: { title: '弄虚作假', effect: 'zero' },
    });
    const last = scoreFormula(township, { rates: { done: 100, sat: 100 }, events: { mass_incident: 1 } });
    expect(last).toMatchObject({ score: 100, vetoed: { effect: 'last' } });
  });
  it('refuses a scheme that lists a term twice', () => {
    expect(() =>
      parseFormula({
        version: 'x',
        title: 'x',
        terms: [
          { key: 'a', title: 'a', rule: { kind: 'weighted', rate: 'a', weight: 1 } },
          { key: 'a', title: 'b', rule: { kind: 'weighted', rate: 'b', weight: 1 } },
        ],
        decimals: 2,
      }),
    ).toThrow(/unique/);
  });
});

describe('standings: peer groups with their own maxima, 并列, 红榜 / 黑榜', () => {
  // 连云港 2022年2月: counties out of 150, districts out of 100, scores as published.
  const given = parseFormula({
    version: 'published',
    title: '按通报得分',
    terms: [{ key: 'score', title: '考评得分', rule: { kind: 'weighted', rate: 'score', weight: 1 } }],
    decimals: 2,
    maxScore: 150,
  });
  const unit = (name: string, kind: string, score: number, extra = {}) => ({
    unitId: name,
    name,
    kind,
    rates: { score },
    ...extra,
  });
  const counties = [
    unit('灌云县', 'county', 145.76),
    unit('赣榆区', 'county', 145.35),
    unit('东海县', 'county', 144.69),
    unit('灌南县', 'county', 144.42),
  ];
  const districts = [
    unit('徐圩新区', 'district', 100),
    unit('云台山景区', 'district', 97.57),
    unit('连云区', 'district', 94.65),
    unit('海州区', 'district', 94.16),
    unit('市开发区', 'district', 93.75),
  ];
  const groups = [
    { key: 'counties', title: '各县、赣榆区', kinds: ['county'], maxScore: 150 },
    { key: 'districts', title: '各区、功能板块', kinds: ['district'], maxScore: 100 },
  ];
  it('ranks each group out of its own maximum, as the bulletin does', () => {
    const r = rankStandings(given, { groups }, [...districts, ...counties]);
    expect(r.groups.map((g) => g.standings.map((s) => `${s.rank} ${s.name} ${s.score}/${s.maxScore}`))).toEqual([
      ['1 灌云县 145.76/150', '2 赣榆区 145.35/150', '3 东海县 144.69/150', '4 灌南县 144.42/150'],
      [
        '1 徐圩新区 100/100',
        '2 云台山景区 97.57/100',
        '3 连云区 94.65/100',
        '4 海州区 94.16/100',
        '5 市开发区 93.75/100',
      ],
    ]);
  });
  it('equal scores rank 并列 and the next rank is skipped; a tie-break applies only when set', () => {
    const tied = [
      unit('甲村', 'district', 96, { volume: 10 }),
      unit('乙村', 'district', 98, { volume: 3 }),
      unit('丙村', 'district', 96, { volume: 30 }),
      unit('丁村', 'district', 90, { volume: 1 }),
    ];
    const shared = rankStandings(given, { groups }, tied).groups[1]!.standings;
    expect(shared.map((s) => [s.name, s.rank, s.tied])).toEqual([
      ['乙村', 1, false],
      ['丙村', 2, true],
      ['甲村', 2, true],
      ['丁村', 4, false],
    ]);
    const broken = rankStandings(given, { groups, tieBreak: ['volume'] }, tied).groups[1]!.standings;
    expect(broken.map((s) => [s.name, s.rank])).toEqual([
      ['乙村', 1],
      ['丙村', 2],
      ['甲村', 3],
      ['丁村', 4],
    ]);
  });
  it('红榜 top N per group, 黑榜 bottom N per group and overall (by share of the group maximum)', () => {
    const r = rankStandings(given, { groups, praiseTop: 1, nameBottom: 1, overall: true }, [...counties, ...districts]);
    expect(r.groups.map((g) => g.standings.filter((s) => s.praised).map((s) => s.name))).toEqual([
      ['灌云县'],
      ['徐圩新区'],
    ]);
    expect(r.groups.map((g) => g.standings.filter((s) => s.named).map((s) => s.name))).toEqual([
      ['灌南县'],
      ['市开发区'],
    ]);
    // 144.42/150 = 96.28% beats 93.75/100: across groups the district is named.
    expect(r.overall).toEqual({ praised: ['徐圩新区'], named: ['市开发区'] });
  });
  it('a vetoed unit ranks last and is never praised', () => {
    const f = parseFormula({ ...given, vetoes: [{ event: 'veto', title: '一票否决事项', effect: 'last' }] });
    const r = rankStandings(f, { groups, praiseTop: 1 }, [
      { ...districts[0]!, events: { veto: 1 } },
      ...districts.slice(1),
    ]);
    const s = r.groups[1]!.standings;
    expect(s.at(-1)).toMatchObject({ name: '徐圩新区', rank: 5, score: 100, praised: false });
    expect(s[0]).toMatchObject({ name: '云台山景区', rank: 1, praised: true });
  });
});
