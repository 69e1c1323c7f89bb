// A ledger row's state brought into the lifecycle (import_state → ItemImported): given a fresh
// report, when the import says 已销号 / 整改中 with a past deadline / 不属实, then the item is there
// with the words as written, and the timers treat an old deadline as history.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ItemCommand } from '../../domain/item/index.ts';
import { nextWake, tickEvents } from '../../domain/item/next-wake.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { A, Story, storyAt, T, U } from './support/fixtures.ts';

const NOW = '2026-03-02T04:00:00.000Z';
type Imp = Extract<ItemCommand, { type: 'import_state' }>;
const imp = (over: Partial<Imp> = {}): Imp => ({
  type: 'import_state',
  status: 'closed',
  responsibleUnit: U.va,
  measures: '维修屋面',
  mode: 'phased',
  deadline: '2022-06-30',
  milestones: [],
  closedOn: '2022-06-20',
  statusText: '已完成并长期坚持',
  deadlineText: '2022年6月底前完成，长期坚持',
  partial: null,
  standing: true,
  signedOff: false,
  origin: '2022台账.xlsx 第5行',
  ...over,
});
const reported = () => {
  const s = new Story();
  s.do({ ...storyAt('reported').events[0]!.data, type: 'report' } as ItemCommand, A.supervisor, T.report);
  return s;
};

describe('import_state', () => {
  it('已完成 arrives closed on its 销号 day, with the words and one ItemImported event', () => {
    const s = reported();
    const ev = s.do(imp(), A.supervisor, NOW);
    expect(ev.map((e) => e.type)).toEqual(['ItemImported']);
    expect(s.state).toMatchObject({
      status: 'closed',
      closedAt: '2022-06-20T04:00:00.000Z',
      responsibleUnit: U.va,
      deadline: '2022-06-30',
      overdue: false,
      imported: { statusText: '已完成并长期坚持', standing: true, signedOff: false, overdueAtImport: false },
    });
  });
  it('an open item past its deadline is overdue since the import, and escalation counts from then', () => {
    const s = reported();
    s.do(
      imp({
        status: 'in_progress',
        closedOn: null,
        statusText: '整改中',
        milestones: [
          { id: 'm1', title: '更换主管道', dueOn: '2022-06-30', done: true },
          { id: 'm2', title: '新建蓄水池', dueOn: '2022-09-30', done: false },
        ],
        deadline: '2022-09-30',
      }),
      A.supervisor,
      NOW,
    );
    const st = s.state;
    expect(st).toMatchObject({ status: 'in_progress', overdue: true, overdueSince: NOW, closedAt: null });
    expect(st.milestones.map((m) => m.completedAt)).toEqual([NOW, null]);
    // Escalation counts from the import: one first step now, not every reminder and step since 2022.
    const env = { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR };
    expect(nextWake(st, env)).toBe('2026-03-02T16:00:00.000Z'); // the end of the import day (Shanghai)
    const fired = tickEvents(st, '2026-03-03T01:00:00.000Z', null, env);
    expect(fired.map((e) => [e.type, (e.data as { level?: number }).level])).toEqual([['Escalated', 1]]);
  });
  it('不属实 arrives dismissed without a unit', () => {
    const s = reported();
    s.do(
      imp({ status: 'dismissed', responsibleUnit: null, deadline: null, closedOn: null, statusText: '不属实' }),
      A.lead,
      NOW,
    );
    expect(s.state).toMatchObject({ status: 'dismissed', dismissedAt: NOW, imported: { statusText: '不属实' } });
  });
  it('is refused after anything else has happened, and twice', () => {
    const assigned = storyAt('assigned');
    expect(assigned.refused(imp(), A.supervisor, NOW).code).toBe('invalid_transition');
    const s = reported();
    s.do(imp(), A.supervisor, NOW);
    expect(s.refused(imp(), A.supervisor, NOW).code).toBe('invalid_transition');
  });
  it('validates what it is given: a unit for a placed state, dates, milestones within the deadline', () => {
    const s = reported();
    expect(s.refused(imp({ status: 'in_progress', responsibleUnit: null }), A.supervisor, NOW)).toMatchObject({
      code: 'validation',
      field: 'responsibleUnit',
    });
    expect(s.refused(imp({ deadline: '2022-02-30' }), A.supervisor, NOW).field).toBe('deadline');
    expect(s.refused(imp({ closedOn: '2027-01-01' }), A.supervisor, NOW).field).toBe('closedOn');
    expect(
      s.refused(imp({ milestones: [{ id: 'm1', title: 'x', dueOn: '2022-12-31', done: false }] }), A.supervisor, NOW)
        .field,
    ).toBe('milestones[0].dueOn');
    expect(s.refused(imp(), A.handler, NOW).code).toBe('forbidden');
  });
});
