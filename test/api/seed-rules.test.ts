// Issue 17 through the API, on a real database. Rule 5 — seed 004 §二:
// “對精準扶貧中的作風問題進行重點掛牌督辦,其中針對建檔立卡戶住房仍為危房的問題線索實施掛牌督辦。”
// Rule 4 — seed 003 §二(一): “监测对象纳入后,一个月内落实……相应的帮扶措施。”
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
let duban: string;
let guapai: string;

beforeAll(async () => {
  w = await build();
  duban = await report(w);
  guapai = await report(w);
  await report(w); // not flagged
  for (const id of [duban, guapai]) await assign(w, id);
});

const stats = async () => (await w.call('super', 'GET', `/api/v1/stats/ledger?campaignId=${w.campaignId}`)).body;
const count = async (q: string) =>
  (await w.call('super', 'GET', `/api/v1/items?count=true&limit=1&campaignId=${w.campaignId}&${q}`)).body.total;

describe('督办 levels through the API (004 §二)', () => {
  it('a supervisor puts one item under 督办 with a deadline and another under 挂牌督办; the item shows both', async () => {
    const a = await w.call('super', 'POST', `/api/v1/items/${duban}/flag`, {
      reason: '住房仍为危房',
      level: 'duban',
      dueOn: '2026-03-20',
    });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.supervision).toMatchObject({ level: 'duban', dueOn: '2026-03-20', overdueAt: null });
    const b = await w.call('super', 'POST', `/api/v1/items/${guapai}/flag`, { reason: '群众反映强烈' });
    expect(b.body.supervision).toMatchObject({ level: 'guapai', dueOn: null });
  });

  it('the ledger filter and the dashboard count items per level, and agree', async () => {
    const s = await stats();
    expect(s.totals).toMatchObject({ flagged: 2, supervision: { duban: 1, guapai: 1, overdue: 0 } });
    expect(await count('supervisionLevel=duban')).toBe(1);
    expect(await count('supervisionLevel=guapai')).toBe(1);
    expect(await count('flagged=true')).toBe(2);
  });

  it('bad input changes nothing: unknown level 400, past 督办 deadline 422, a lead 403', async () => {
    const other = await report(w);
    await assign(w, other);
    const bad = await w.call('super', 'POST', `/api/v1/items/${other}/flag`, { reason: 'r', level: 'county' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.level');
    const past = await w.call('super', 'POST', `/api/v1/items/${other}/flag`, { reason: 'r', dueOn: '2026-03-01' });
    expect(past.status).toBe(422);
    expect(past.body.code).toBe('rule_violated');
    const lead = await w.call('lead', 'POST', `/api/v1/items/${other}/flag`, { reason: 'r', level: 'duban' });
    expect(lead.status).toBe(403);
    expect((await w.call('super', 'GET', `/api/v1/items/${other}`)).body.flagged).toBe(false);
  });

  it('when the 督办 deadline passes, the sweep records it and the dashboard counts it overdue', async () => {
    w.clock.set('2026-03-21T01:00:00.000Z');
    await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
    const item = (await w.call('super', 'GET', `/api/v1/items/${duban}`)).body;
    expect(item.supervision.overdueAt).toBe('2026-03-20T16:00:00.000Z');
    const kinds = item.timeline
      .filter((e: { type: string }) => e.type === 'ReminderIssued')
      .map((e: { data: { kind: string } }) => e.data.kind);
    // One sweep after both were due: the passed 督办 deadline is told, not a stale "还有N天" before it (issue 15 §5).
    expect(kinds).toEqual(['supervision_overdue']);
    expect((await stats()).totals.supervision).toEqual({ duban: 1, guapai: 1, overdue: 1 });
  });
});

describe('纳入监测 through the API (003 §二(一))', () => {
  it('records the day on the item; a future day is refused and nothing is written', async () => {
    const id = await report(w, 'super', { monitoredSince: '2026-01-15' });
    expect((await w.call('super', 'GET', `/api/v1/items/${id}`)).body.monitoredSince).toBe('2026-01-15');
    const before = await count('');
    const r = await w.call('super', 'POST', '/api/v1/items', {
      campaignId: w.campaignId,
      categoryId: w.categoryId,
      source: 'screening',
      title: 't',
      description: 'd',
      monitoredSince: '2099-01-01',
    });
    expect(r.status).toBe(422);
    expect(await count('')).toBe(before);
  });
});
