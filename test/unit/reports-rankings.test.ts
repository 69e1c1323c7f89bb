// Given / when / then for the report lifecycle, the scoring and ranking rules and the 002 rules.
import { describe, expect, it } from 'vitest';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/index.ts';
import { evaluateRules, DEFAULT_ACCOUNTABILITY, type RoundPlacements } from '../../domain/accountability/rules.ts';
import { cyclePeriods, findPeriod, reportCycleSchema } from '../../domain/report/cycle.ts';
import {
  decideReport,
  evolveReport,
  initialReport,
  reportReminders,
  type ReportCommand,
  type ReportContext,
  type ReportState,
  type ReportStats,
} from '../../domain/report/lifecycle.ts';
import { DEFAULT_SCHEME, DEFAULT_SCORE_LINES, schemeSchema, type Scheme } from '../../domain/ranking/scheme.ts';
import { rankUnits, scoreUnit, type RankedUnitInput } from '../../domain/ranking/score.ts';

const U = '00000000-0000-4000-8000-000000000001';
const cycle = reportCycleSchema.parse({
  reportingUnitIds: [U],
  firstMonth: '2026-03',
  dueDay: 'month_end',
  extras: [{ key: 'work-report', title: '工作报告、整改台账', opensOn: '2026-09-01', dueOn: '2026-09-30' }],
});

describe('report cycle (003: from March, by month end; work report by 30 September)', () => {
  it('lists monthly periods from the first month, due at the end of the last day in Shanghai, plus the one-off report', () => {
    const ps = cyclePeriods(cycle, '2026-12', OFFICIAL_CALENDAR);
    expect(ps.filter((p) => !p.period.startsWith('x-')).map((p) => p.period)).toEqual([
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    expect(ps.find((p) => p.period === '2026-03')).toMatchObject({
      dueOn: '2026-03-31',
      dueAt: '2026-03-31T16:00:00.000Z',
      from: '2026-02-28T16:00:00.000Z',
    });
    expect(ps.find((p) => p.period === 'x-work-report')).toMatchObject({
      dueOn: '2026-09-30',
      title: '工作报告、整改台账',
    });
    expect(findPeriod(cycle, '2026-02', OFFICIAL_CALENDAR)).toBeNull();
  });
  it('moves a month-end that is not a working day back to the last working day when the cycle counts working days', () => {
    const wd = reportCycleSchema.parse({ ...cycle, workingDays: true });
    // 2026-05-31 is a Sunday: due Friday 29 May.
    expect(findPeriod(wd, '2026-05', OFFICIAL_CALENDAR)).toMatchObject({ dueOn: '2026-05-29', dueProvisional: false });
  });
});

describe('report lifecycle', () => {
  const period = findPeriod(cycle, '2026-03', OFFICIAL_CALENDAR)!;
  const narrative = { progress: '完成排查', problems: '无', nextSteps: '继续整改' };
  const counts = { newItems: 0, closed: 0, rectified: 0, inProgress: 0, overdue: 0, reopened: 0 };
  const stats = (newItems = 0): ReportStats => ({
    ...counts,
    newItems,
    asOf: '2026-03-31T15:59:59Z',
    from: period.from,
    to: period.to,
    byCategory: {},
    bySource: {},
  });
  const run = (s: ReportState, c: ReportCommand, now: string, as: ReportContext['as'] = 'unit') => {
    // The office's reviewer is another person than the unit's submitter (separation of duties).
    const d = decideReport(s, c, { now, actorId: as === 'office' ? 'office-1' : 'u1', period, as });
    return d.ok ? { state: d.events.reduce(evolveReport, s), events: d.events } : { error: d.error };
  };
  it('given a draft, when submitted before the due instant, then it is on time with its stats frozen', () => {
    const draft = run(initialReport(), { type: 'save_draft', narrative }, '2026-03-20T02:00:00Z').state!;
    const out = run(draft, { type: 'submit', stats: stats(3) }, '2026-03-31T15:59:59Z');
    expect(out.state).toMatchObject({ status: 'submitted', late: false, stats: { newItems: 3 }, version: 2 });
  });
  it('given nothing written, when submitted after the due instant, then it is late; returned and resubmitted it stays judged on the first submission', () => {
    const late = run(initialReport(), { type: 'submit', narrative, stats: stats() }, '2026-04-02T01:00:00Z').state!;
    expect(late).toMatchObject({ status: 'submitted', late: true });
    const ret = run(late, { type: 'return', reason: '数据不全' }, '2026-04-03T01:00:00Z', 'office').state!;
    expect(ret).toMatchObject({ status: 'returned', returnCount: 1 });
    const again = run(ret, { type: 'submit', stats: stats() }, '2026-04-04T01:00:00Z').state!;
    expect(again).toMatchObject({ status: 'submitted', late: true, firstSubmittedAt: '2026-04-02T01:00:00Z' });
    expect(run(again, { type: 'accept' }, '2026-04-05T01:00:00Z', 'office').state).toMatchObject({
      status: 'accepted',
    });
  });
  it('refuses a period not yet open, an accepted report, the wrong party and a submission without narrative', () => {
    expect(run(initialReport(), { type: 'save_draft', narrative }, '2026-02-27T01:00:00Z').error).toMatchObject({
      code: 'period_not_open',
    });
    const accepted: ReportState = { ...initialReport(), status: 'accepted' };
    expect(run(accepted, { type: 'save_draft', narrative }, '2026-03-05T01:00:00Z').error).toMatchObject({
      code: 'report_already_accepted',
    });
    expect(run(initialReport(), { type: 'accept' }, '2026-03-05T01:00:00Z', 'office').error).toMatchObject({
      code: 'invalid_transition',
    });
    expect(
      run(initialReport(), { type: 'save_draft', narrative }, '2026-03-05T01:00:00Z', 'office').error,
    ).toMatchObject({ code: 'forbidden' });
    expect(run(initialReport(), { type: 'submit', stats: stats() }, '2026-03-05T01:00:00Z').error).toMatchObject({
      code: 'validation',
    });
  });
  it('reminds before the due day and once late, with stable keys', () => {
    const units = [
      { unitId: 'a', state: initialReport() },
      { unitId: 'b', state: { ...initialReport(), status: 'submitted' as const, late: false } },
    ];
    expect(reportReminders(period, units, '2026-03-29T01:00:00Z', 3)).toEqual([
      { key: 'report-2026-03-a-before', unitId: 'a', period: '2026-03', kind: 'before_due', dueAt: period.dueAt },
    ]);
    expect(reportReminders(period, units, '2026-03-20T01:00:00Z', 3)).toEqual([]);
    expect(reportReminders(period, units, '2026-04-01T01:00:00Z', 3).map((r) => r.kind)).toEqual(['late']);
  });
});

describe('scoring scheme validation', () => {
  const issues = (s: unknown) => {
    const r = schemeSchema.safeParse(s);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };
  it('names the rule a bad scheme breaks', () => {
    expect(issues({ ...DEFAULT_SCHEME, indicators: [{ key: 'speed', weight: 1 }] })[0]).toMatch(/unknown indicator/);
    expect(issues({ ...DEFAULT_SCHEME, indicators: [{ key: 'return_rate', weight: -1 }] })[0]).toMatch(/negative/);
    expect(issues({ ...DEFAULT_SCHEME, indicators: [{ key: 'return_rate', weight: Infinity }] }).join()).toMatch(
      /finite|Infinity|number/,
    );
    expect(issues({ ...DEFAULT_SCHEME, peerGroups: [] })[0]).toMatch(/peer group/);
    expect(issues({ ...DEFAULT_SCHEME, indicators: [{ key: 'return_rate', weight: 0 }] })[0]).toMatch(/zero/);
    expect(issues(DEFAULT_SCHEME)).toEqual([]);
  });
});

describe('scores and ranking', () => {
  const scheme: Scheme = {
    ...DEFAULT_SCHEME,
    minVolume: 3,
    indicators: [
      { key: 'on_time_completion', weight: 60 },
      { key: 'return_rate', weight: 20 },
      { key: 'inspection_score', weight: 20 },
    ],
  };
  const unit = (
    id: string,
    name: string,
    onTime: [number, number],
    ret: [number, number],
    points: number,
    extra: Partial<RankedUnitInput> = {},
  ): RankedUnitInput => ({
    unitId: id,
    name,
    kind: 'village',
    facts: {
      on_time_completion: { numerator: onTime[0], denominator: onTime[1] },
      return_rate: { numerator: ret[0], denominator: ret[1] },
    },
    sheet: { lines: { ledger: points / 2, onsite: points / 2 }, veto: false, vetoReason: null },
    ...extra,
  });
  it('explains every contribution: numerator, denominator, weight, and points that add up to the score', () => {
    const s = scoreUnit(unit('a', '甲村', [8, 10], [1, 10], 80), scheme, DEFAULT_SCORE_LINES);
    const byKey = Object.fromEntries(s.explanation.map((e) => [e.indicator, e]));
    expect(byKey.on_time_completion).toMatchObject({
      numerator: 8,
      denominator: 10,
      rate: 0.8,
      weight: 60,
      effectiveWeight: 60,
      contribution: 48,
    });
    expect(byKey.return_rate).toMatchObject({ numerator: 1, denominator: 10, value: 0.9, contribution: 18 });
    expect(byKey.inspection_score).toMatchObject({ numerator: 80, denominator: 100, contribution: 16 });
    expect(s.score).toBe(82);
  });
  it('says the default scheme as a formula: weight ÷ total × share, missing terms reweighed, each line with its rule', () => {
    const s = scoreUnit(unit('a', '甲村', [1, 2], [1, 10], 50), scheme, DEFAULT_SCORE_LINES);
    // on_time is below the minimum volume: return_rate and inspection share its weight (20 + 20 → ×2.5).
    expect(s.lines!.map((l) => [l.kind, l.rule, l.contribution])).toEqual([
      ['term', '无数据，不计分', 0],
      ['term', '0.2 × 90 × 2.5（缺项折算）', 45],
      ['term', '0.2 × 50 × 2.5（缺项折算）', 25],
      ['rounding', '70 保留 4 位小数（四舍五入）', 70],
    ]);
    expect(s.score).toBe(70);
  });
  it('does not score an indicator below the minimum volume and gives its weight to the others', () => {
    const s = scoreUnit(unit('a', '甲村', [1, 2], [0, 0], 50), scheme, DEFAULT_SCORE_LINES);
    const byKey = Object.fromEntries(s.explanation.map((e) => [e.indicator, e]));
    expect(byKey.on_time_completion!.note).toBe('below_min_volume');
    expect(byKey.return_rate!.note).toBe('no_data');
    expect(byKey.inspection_score).toMatchObject({ effectiveWeight: 100, contribution: 50 });
    expect(s.score).toBe(50);
  });
  it('ranks within peer groups, puts a veto last whatever its score, subtracts deductions and breaks ties as documented', () => {
    const units = [
      unit('a', '甲村', [9, 10], [0, 10], 90),
      unit('b', '乙村', [10, 10], [0, 10], 100, {
        sheet: { lines: { ledger: 50, onsite: 50 }, veto: true, vetoReason: '弄虚作假' },
      }),
      unit('c', '丙村', [5, 10], [5, 10], 40),
      unit('d', '丁村', [5, 10], [5, 10], 40),
      { ...unit('e', '劳保所', [5, 10], [0, 10], 60), kind: 'office' },
      unit('f', '戊村', [9, 10], [0, 10], 90, {
        sheet: { lines: { ledger: 45, onsite: 45, paper: 5 }, veto: false, vetoReason: null },
      }),
    ];
    const { groups } = rankUnits(units, scheme, DEFAULT_SCORE_LINES);
    const villages = groups.find((g) => g.key === 'villages')!;
    expect(villages.lines.map((l) => l.name)).toEqual(['甲村', '戊村', '丁村', '丙村', '乙村']); // 丁 < 丙 by code point
    expect(villages.lines.at(-1)).toMatchObject({ veto: true, rank: 5, groupSize: 5 });
    // 丁村 and 丙村 are equal on every rule of the scheme: 并列 third (the name only orders the table).
    expect(villages.lines.slice(2, 4).map((l) => [l.rank, l.tied])).toEqual([
      [3, true],
      [3, true],
    ]);
    expect(villages.lines[1]!.deductions).toBe(5);
    expect(groups.find((g) => g.key === 'departments')!.lines).toMatchObject([
      { name: '劳保所', rank: 1, groupSize: 1 },
    ]);
  });
});

describe('accountability rules (002 §六(三))', () => {
  const round = (id: string, last: string, lagging: string[] = []): RoundPlacements => {
    const others = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].filter((u) => u !== last && !lagging.includes(u));
    const order = [...others, ...lagging, last];
    return { roundId: id, placements: order.map((unitId, i) => ({ unitId, rank: i + 1, groupSize: order.length })) };
  };
  it('given last place twice in a row, then 约谈 fires at the second round', () => {
    expect(
      evaluateRules([round('q1', 'a'), round('q2', 'a')], DEFAULT_ACCOUNTABILITY).filter(
        (t) => t.ruleId === 'last_twice_in_row',
      ),
    ).toEqual([
      { unitId: 'a', ruleId: 'last_twice_in_row', action: 'interview', firedAtRoundId: 'q2', roundIds: ['q1', 'q2'] },
    ]);
  });
  it('given last place three times but never twice in a row, then only the three-in-total last-place rule interviews, at the third', () => {
    const t = evaluateRules(
      [round('q1', 'a'), round('q2', 'b'), round('q3', 'a'), round('q4', 'c'), round('q5', 'a')],
      DEFAULT_ACCOUNTABILITY,
    );
    // (the same unit is also 后进 three times, which interviews too: test/unit/seed-accountability.test.ts)
    expect(t.filter((x) => x.action === 'interview' && x.ruleId.startsWith('last_'))).toEqual([
      {
        unitId: 'a',
        ruleId: 'last_three_total',
        action: 'interview',
        firedAtRoundId: 'q5',
        roundIds: ['q1', 'q3', 'q5'],
      },
    ]);
  });
  it('given lagging (bottom 20%) twice in total, then 通报批评 fires', () => {
    const t = evaluateRules([round('q1', 'a', ['b']), round('q2', 'c', ['b'])], DEFAULT_ACCOUNTABILITY);
    expect(t.filter((x) => x.ruleId === 'lagging_twice_total').map((x) => x.unitId)).toEqual(['b']);
  });
});

describe('rolling statistics up the org tree', () => {
  it('gives every unit the same figures whether rows are matched per unit or by walking row ancestors', async () => {
    const { statsFor, statsForMany } = await import('../../db/queries/ledger-stats.ts');
    const paths = ['/c/', '/c/t1/', '/c/t1/v1/', '/c/t1/v2/', '/c/t2/', '/c/t2/v3/', '/c/d1/'];
    const rnd = (() => {
      let x = 7;
      return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    })();
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const rows = Array.from({ length: 300 }, () => ({
      respPath: rnd() < 0.2 ? null : pick(paths.slice(2)),
      leadPath: rnd() < 0.5 ? '/c/d1/' : null,
      reportingPath: pick(paths),
      categoryId: pick(['a', 'b', null]),
      source: pick(['petition', 'screening']),
      newItems: Math.floor(rnd() * 3),
      closed: Math.floor(rnd() * 3),
      rectified: Math.floor(rnd() * 3),
      inProgress: Math.floor(rnd() * 3),
      overdue: Math.floor(rnd() * 2),
      lateSubmitted: Math.floor(rnd() * 2),
      reopened: Math.floor(rnd() * 2),
    }));
    const codes = new Map([
      ['a', 'c01'],
      ['b', 'c02'],
    ]);
    const win = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', asOf: '2026-04-01T00:00:00Z' };
    const many = statsForMany(rows, paths, codes, win);
    for (const p of paths) expect(many.get(p)).toEqual(statsFor(rows, p, codes, win));
    expect(many.get('/c/')!.newItems).toBe(rows.reduce((a, r) => a + r.newItems, 0));
  });
});
