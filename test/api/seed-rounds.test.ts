// Issue 17 through the API, on a real database.
// Rule 1 — seed 002 §六(三): “对问题整改不到位或连续2次或累计3次的后进乡镇(街道),责成县市对乡镇(街道)党政主要负责人进行约谈”
// Rule 2 — seed 003 §三(四): “一季度末,重点对“应纳未纳”“就业帮扶不到位”“金融帮扶不到位”“重点人群未参保”专项整治工作开展情况进行验收、排名;
//   ……四季度,对各责任部门、各行政村(社区)“十个专项整治”回头看工作开展情况进行验收、排名。”
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, evidenceFile, report, type World } from '../support/app.ts';

let w: World;
const base = () => `/api/v1/campaigns/${w.campaignId}`;
const scheme = {
  version: 't1',
  indicators: [{ key: 'on_time_completion', weight: 100 }],
  minVolume: 0,
  peerGroups: [{ key: 'villages', title: '行政村', kinds: ['village'] }],
};

beforeAll(async () => {
  w = await build({ now: '2026-03-02T02:00:00.000Z' });
  const r = await w.call('super', 'PUT', `${base()}/report-config`, {
    cycle: { reportingUnitIds: [w.units.village1.id, w.units.village2.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(r.status).toBe(200);
});

describe('003 §三(四): a round proposes the quarter focus and warns when it differs', () => {
  it('proposes the Q1 focus from the category names when the campaign set no quarters', async () => {
    const r = await w.call('super', 'GET', `${base()}/rounds/focus-proposal?periodEnd=2026-03-31`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ quarter: 1, categoryIds: [w.categoryId], lookBack: false, basis: 'seed_003' });
    expect((await w.call('super', 'GET', `${base()}/rounds/focus-proposal?periodEnd=2026-13-01`)).status).toBe(400);
  });

  it('Q2: 重点人群未参保 is not a Q2 focus, so a round on it is created with a warning naming it', async () => {
    const r = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '二季度',
      periodStart: '2026-04-01',
      periodEnd: '2026-06-30',
      focusCategoryIds: [w.categoryId],
      scheme,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.focusProposal).toMatchObject({ quarter: 2, categoryIds: [] });
    expect(r.body.focusWarnings).toMatchObject([
      { code: 'focus_extra', categoryIds: [w.categoryId], message: expect.stringContaining('重点人群未参保') },
    ]);
  });

  it('Q4 is 回头看 over every category: a Q4 round without look-back is warned; the list shows the warning', async () => {
    const r = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '四季度',
      periodStart: '2026-10-01',
      periodEnd: '2026-12-31',
      focusCategoryIds: [w.categoryId],
      scheme,
    });
    expect(r.body.focusProposal).toMatchObject({ quarter: 4, lookBack: true, categoryIds: [w.categoryId] });
    expect(r.body.focusWarnings.map((x: { code: string }) => x.code)).toEqual(['look_back_expected']);
    const list = (await w.call('viewer', 'GET', `${base()}/rounds`)).body.rounds;
    expect(list.find((x: { id: string }) => x.id === r.body.id).focusWarnings).toHaveLength(1);
  });
});

describe('002 §六(三): 整改不到位 → 约谈, over recheck results, at publication', () => {
  it('a failed recheck in Q1 makes the village’s 约谈 record when the Q1 round is published', async () => {
    const id = await report(w);
    await assign(w, id);
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', id, '凭证.pdf')],
    });
    expect((await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {})).status).toBe(200);
    w.clock.set('2026-03-20T02:00:00.000Z');
    const rc = await w.call('insp', 'POST', `/api/v1/items/${id}/recheck`, { passed: false, findings: '仍未参保' });
    expect(rc.status, JSON.stringify(rc.body)).toBe(200);

    const round = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '一季度',
      periodStart: '2026-03-01',
      periodEnd: '2026-03-31',
      focusCategoryIds: [w.categoryId],
      scheme,
    });
    expect(round.status).toBe(201);
    expect(round.body.focusWarnings).toEqual([]);
    w.clock.set('2026-04-02T02:00:00.000Z');
    const pub = await w.call('super', 'POST', `/api/v1/rounds/${round.body.id}/publish`, {});
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    const records = (await w.call('super', 'GET', `${base()}/accountability`)).body.records;
    const mine = records.filter((r: { ruleId: string }) => r.ruleId === 'rectification_failed');
    expect(mine).toMatchObject([
      { unitId: w.units.village1.id, action: 'interview', title: '问题整改不到位(复核未通过):1件' },
    ]);
  });
});
