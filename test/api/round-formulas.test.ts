// Issue 16: a round scored with a published formula (评分办法) through the round API — terms over the
// round's indicators, a constant, score-sheet deductions, standings with peer groups, 并列, 红榜 /
// 黑榜 — every score explained line by line; a formula that breaks a rule is refused and writes nothing.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type World } from '../support/app.ts';

let w: World;
const base = () => `/api/v1/campaigns/${w.campaignId}`;

const published = {
  formula: {
    version: '镇考评〔2026〕1号',
    title: '专项整治验收评分办法',
    terms: [
      { key: 'inspection', title: '验收检查', rule: { kind: 'weighted', rate: 'inspection_score', weight: 0.5 } },
      {
        key: 'on_time',
        title: '按时办结',
        rule: { kind: 'threshold', rate: 'on_time_completion', max: 10, fullAt: 90, perPoint: 0.5 },
      },
    ],
    constant: 40,
    deductions: [{ event: 'line_paper', title: '纸面销号', points: 1, cap: 20, asScored: true }],
    vetoes: [{ event: 'sheet_veto', title: '弄虚作假', effect: 'last' }],
    decimals: 2,
  },
  standings: {
    groups: [
      { key: 'villages', title: '行政村', kinds: ['village'] },
      { key: 'departments', title: '责任部门', kinds: ['office'], maxScore: 100 },
    ],
    praiseTop: 1,
    nameBottom: 1,
  },
};

beforeAll(async () => {
  w = await build({ now: '2026-03-02T02:00:00.000Z' });
  const r = await w.call('super', 'PUT', `${base()}/report-config`, {
    cycle: {
      reportingUnitIds: [w.units.village1.id, w.units.village2.id, w.units.labour.id],
      firstMonth: '2026-03',
      dueDay: 'month_end',
    },
  });
  expect(r.status).toBe(200);
});

const rounds = async () => Number((await w.db.execute(sql`select count(*)::int n from acceptance_rounds`)).rows[0]!.n);
const sheet = (roundId: string, unitId: string, lines: Record<string, number>) =>
  w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${unitId}`, { lines });
type Line = {
  name: string;
  rank: number;
  tied: boolean;
  praised: boolean;
  named: boolean;
  score: number;
  lines: { kind: string; rule: string; contribution: number }[];
};

describe('a round scored with a published formula', () => {
  it('refuses a formula that reads no indicator of the round, or counts rates of its own, and writes nothing', async () => {
    const post = (formula: unknown) =>
      w.call('super', 'POST', `${base()}/rounds`, {
        name: '二季度',
        periodStart: '2026-04-01',
        periodEnd: '2026-06-30',
        focusCategoryIds: [w.categoryId],
        formula,
      });
    const speed = structuredClone(published);
    speed.formula.terms[0]!.rule.rate = 'speed';
    const own = {
      ...published,
      formula: { ...published.formula, rates: [{ key: 'x', title: '办结率', numerator: [{ states: ['closed'] }] }] },
    };
    for (const [f, rule] of [
      [speed, /unknown indicator/],
      [own, /indicators/],
      [{ ...published, standings: { groups: [] } }, /.+/],
    ] as const) {
      const r = await post(f);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('invalid_formula');
      expect(r.body.errors.map((e: { message: string }) => e.message).join()).toMatch(rule);
    }
    expect(await rounds()).toBe(0);
  });

  it('ranks equal scores 并列, praises the top and names the bottom, and explains each score line by line', async () => {
    const created = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '二季度',
      periodStart: '2026-04-01',
      periodEnd: '2026-06-30',
      focusCategoryIds: [w.categoryId],
      formula: published,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.scheme).toMatchObject({ version: '镇考评〔2026〕1号', formula: { formula: { constant: 40 } } });
    const id = created.body.id;
    expect((await sheet(id, w.units.village1.id, { ledger: 30, onsite: 50, paper: 2 })).status).toBe(200);
    expect((await sheet(id, w.units.village2.id, { ledger: 35, onsite: 45, paper: 2 })).status).toBe(200);
    expect((await sheet(id, w.units.labour.id, { ledger: 20, onsite: 40 })).status).toBe(200);

    const live = async () => (await w.call('super', 'GET', `/api/v1/rounds/${id}/ranking?live=true`)).body;
    let r = await live();
    const villages = () => r.groups.find((g: { key: string }) => g.key === 'villages').lines as Line[];
    // 0.5 × 80 + 40 − 2 = 78 for both: the same rank, both on the 红榜 (top 1 takes all who share it).
    expect(villages().map((l) => [l.name, l.score, l.rank, l.tied, l.praised, l.named])).toEqual([
      ['南陈村', 78, 1, true, true, false],
      ['朝阳村', 78, 1, true, true, false],
    ]);
    expect(villages()[0]!.lines.map((l) => [l.kind, l.rule, l.contribution])).toEqual([
      ['term', '0.5 × 80', 40],
      ['term', '无数据，不计分', 0],
      ['constant', '40', 40],
      ['deduction', '扣 2 分', -2],
      ['rounding', '78 保留 2 位小数（四舍五入）', 78],
    ]);
    const dept = r.groups.find((g: { key: string }) => g.key === 'departments').lines as Line[];
    expect(dept.map((l) => [l.name, l.score, l.rank])).toEqual([['镇劳保所', 70, 1]]);

    // One point more off for 南陈村: 朝阳村 alone on the 红榜, 南陈村 named.
    expect((await sheet(id, w.units.village2.id, { ledger: 35, onsite: 45, paper: 3 })).status).toBe(200);
    r = await live();
    expect(villages().map((l) => [l.name, l.score, l.rank, l.tied, l.praised, l.named])).toEqual([
      ['朝阳村', 78, 1, false, true, false],
      ['南陈村', 77, 2, false, false, true],
    ]);

    w.clock.set('2026-07-02T02:00:00.000Z');
    const pub = await w.call('super', 'POST', `/api/v1/rounds/${id}/publish`, {});
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    const frozen = (await w.call('super', 'GET', `/api/v1/rounds/${id}/ranking`)).body;
    expect(frozen).toMatchObject({ published: true, schemeVersion: '镇考评〔2026〕1号' });
    expect(frozen.groups).toEqual(r.groups);
    const bulletin = (await w.call('super', 'GET', `/api/v1/rounds/${id}/bulletin`)).body;
    expect(bulletin.praised.map((p: { name: string }) => p.name)).toEqual(['朝阳村', '镇劳保所']);
    expect(bulletin.criticised.map((p: { name: string }) => p.name)).toContain('南陈村');
  });
});
