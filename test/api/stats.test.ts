// The dashboard aggregates (GET /stats/ledger): every figure equals what the ledger list returns for
// the same filter, in the caller's scope; closed is not counted as rectified until verified.
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { assign, build, report, type World, evidenceFile } from '../support/app.ts';

let w: World;
let ids: Record<string, string> = {};

beforeAll(async () => {
  w = await build();
  const post = async (user: string, id: string, path: string, body: unknown) => {
    const r = await w.call(user, 'POST', `/api/v1/items/${id}/${path}`, body);
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(r.body)}`);
  };
  ids = {
    reported: await report(w),
    village1Late: await report(w),
    village2Late: await report(w),
    closed: await report(w),
    verified: await report(w, 'super', { source: 'petition' }),
    dismissed: await report(w),
    otherCategory: await report(w, 'super', { categoryId: null }),
  };
  for (const k of ['village1Late', 'closed', 'verified']) await assign(w, ids[k]!, { deadline: '2026-03-04' });
  await assign(w, ids.village2Late!, { deadline: '2026-03-04', responsibleUnitId: w.units.village2.id });
  for (const k of ['closed', 'verified']) {
    await post('h1', ids[k]!, 'accept', {});
    await post('h1', ids[k]!, 'submit', {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', ids[k]!, '凭证.pdf')],
    });
    await post('lead', ids[k]!, 'approve', {});
  }
  await post('xfj', ids.verified!, 'recheck', { passed: true, findings: '复核属实' });
  await post('super', ids.dismissed!, 'dismiss', { reason: '经核实不属实' });
  w.clock.set('2026-03-06T02:00:00.000Z');
  await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
});

const stats = async (user: string, query = '') => {
  const r = await w.call(user, 'GET', `/api/v1/stats/ledger${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const ledgerCount = async (user: string, query: string) =>
  (await w.call(user, 'GET', `/api/v1/items?count=true&limit=1&${query}`)).body.total as number;

describe('GET /stats/ledger', () => {
  it('counts totals by status and keeps closed apart from rectified', async () => {
    const s = await stats('super', `?campaignId=${w.campaignId}`);
    expect(s.totals).toMatchObject({ total: 7, overdue: 2, flagged: 0 });
    expect(s.totals.byStatus).toEqual({ reported: 2, assigned: 2, closed: 1, verified: 1, dismissed: 1 });
    // 6 items count (one dismissed): closure (closed + verified) 2/6, rectification (verified only) 1/6.
    expect(s.totals.closureRate).toBeCloseTo(2 / 6);
    expect(s.totals.rectificationRate).toBeCloseTo(1 / 6);
  });

  it('breaks down by responsible unit and category, and each figure matches the ledger filter it links to', async () => {
    const s = await stats('super');
    const v1 = s.byUnit.find((u: { unitId: string }) => u.unitId === w.units.village1.id);
    expect(v1).toMatchObject({ unitName: '朝阳村', total: 3, overdue: 1, closed: 1, verified: 1 });
    expect(v1.overdue).toBe(await ledgerCount('super', `unitId=${w.units.village1.id}&overdue=true`));
    expect(s.byUnit[0].overdue).toBeGreaterThanOrEqual(s.byUnit.at(-1).overdue); // most overdue first
    const unassigned = s.byUnit.find((u: { unitId: string | null }) => u.unitId === null);
    expect(unassigned).toMatchObject({ total: 3, dismissed: 1 });
    const cat = s.byCategory.find((c: { categoryId: string }) => c.categoryId === w.categoryId);
    expect(cat).toMatchObject({ categoryName: '重点人群未参保', total: 6, overdue: 2 });
    expect(cat.total).toBe(await ledgerCount('super', `categoryId=${w.categoryId}`));
    expect(s.byCategory.find((c: { categoryId: string | null }) => c.categoryId === null)).toMatchObject({ total: 1 });
    expect(s.byMonth).toEqual([{ month: '2026-03', reported: 7, closed: 2 }]);
  });

  it('counts only what the caller may see', async () => {
    const s = await stats('h2');
    expect(s.totals).toMatchObject({ total: 1, overdue: 1 });
    expect(s.byUnit).toEqual([expect.objectContaining({ unitId: w.units.village2.id, total: 1 })]);
    expect(s.totals.total).toBe(await ledgerCount('h2', ''));
  });

  it('answers null rates when nothing counts, and filters by category', async () => {
    const other = await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/categories`, {
      code: 'c99',
      name: '空专项',
      leadUnitId: w.units.labour.id,
    });
    expect(other.status).toBe(201);
    const s = await stats('super', `?categoryId=${other.body.id}`);
    expect(s.totals).toMatchObject({ total: 0, closureRate: null, rectificationRate: null });
    expect(s.byUnit).toEqual([]);
  });

  it('refuses bad filters with problem+json and needs a token', async () => {
    const r = await w.call('super', 'GET', '/api/v1/stats/ledger?campaignId=not-a-uuid');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'validation_failed' });
    expect((await w.call('super', 'GET', '/api/v1/stats/ledger?status=closed')).status).toBe(400);
    expect((await w.call(null, 'GET', '/api/v1/stats/ledger')).status).toBe(401);
  });

  // Last: it moves an item on. One definition of overdue (domain/item/deadline.ts isOverdue): the
  // dashboard, the ledger filter and the workbench count only items still with the unit.
  it('an item handed in after its deadline keeps its late mark but leaves the overdue count', async () => {
    const before = await stats('super');
    const config = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
      cycle: { reportingUnitIds: [w.units.village1.id], firstMonth: '2026-03', dueDay: 'month_end' },
    });
    expect(config.status, JSON.stringify(config.body)).toBe(200);
    const monthStats = async () =>
      (
        await w.call(
          'super',
          'GET',
          `/api/v1/campaigns/${w.campaignId}/reports/2026-03/units/${w.units.village1.id}/stats?asOf=${w.clock.now().toISOString()}`,
        )
      ).body;
    const monthBefore = await monthStats();
    expect(monthBefore).toMatchObject({ overdue: 1, lateSubmitted: 0 });
    for (const [path, body] of [
      ['accept', {}],
      [
        'submit',
        { summary: '已整改（逾期提交）', evidence: [await evidenceFile(w, 'h1', ids.village1Late!, '凭证.pdf')] },
      ],
    ] as const) {
      const r = await w.call('h1', 'POST', `/api/v1/items/${ids.village1Late}/${path}`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const item = (await w.call('super', 'GET', `/api/v1/items/${ids.village1Late}`)).body;
    expect(item).toMatchObject({ status: 'submitted', overdue: true }); // shown as 逾期提交
    const after = await stats('super');
    expect(after.totals.overdue).toBe(before.totals.overdue - 1);
    expect(after.totals.overdue).toBe(await ledgerCount('super', 'overdue=true'));
    expect(await ledgerCount('super', 'overdue=true&status=assigned,in_progress')).toBe(after.totals.overdue);
    expect(await ledgerCount('super', 'overdue=false')).toBe(after.totals.total - after.totals.overdue);
    // The 月报's statistics use the same definition: handed in late is 逾期提交, not overdue now.
    const monthAfter = await monthStats();
    expect(monthAfter).toMatchObject({ overdue: 0, lateSubmitted: 1, inProgress: monthBefore.inProgress });
    expect(monthAfter.byCategory.c04).toMatchObject({ overdue: 0, lateSubmitted: 1 });
  });
});
