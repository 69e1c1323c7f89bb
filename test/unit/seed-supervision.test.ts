// Rule 5 of issue 17 — seed 004 §二:
// “持續深化開展“三治理一掛牌”專項行動,對精準扶貧中的作風問題進行重點掛牌督辦,其中針對建檔立卡戶住房仍為危房的問題線索實施掛牌督辦。”
// A supervising office puts an item under 督办 or 挂牌督办 with a level, a reason and a 督办 deadline, and
// lifts it; the 督办 deadline gets the same reminders as the item's deadline, and one notice when it passes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, nextWake } from '../../domain/item/index.ts';
import { noticeFor } from '../../domain/notice/derive.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { A, storyAt } from './support/fixtures.ts';

const env = { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR };
const at = '2026-03-04T03:00:00.000Z';

describe('004 §二 督办 levels', () => {
  it('puts an item under 督办 with a level, reason and deadline; lifted and set again as 挂牌督办; lifted', () => {
    const s = storyAt('in_progress');
    const [e] = s.do({ type: 'flag', reason: '住房仍为危房', level: 'duban', dueOn: '2026-03-31' }, A.supervisor, at);
    expect(e).toMatchObject({
      type: 'ItemFlagged',
      data: { reason: '住房仍为危房', byEscalation: false, level: 'duban', dueOn: '2026-03-31' },
    });
    expect(s.state).toMatchObject({
      flagged: true,
      supervision: { level: 'duban', dueOn: '2026-03-31', since: at, remindersSent: [], overdueAt: null },
    });
    expect(s.refused({ type: 'flag', reason: 'again', level: 'guapai' }, A.supervisor, at).code).toBe(
      'invalid_transition',
    );
    s.do({ type: 'unflag', reason: '升级为挂牌督办' }, A.supervisor, at);
    s.do({ type: 'flag', reason: '逾期未改,升级挂牌', level: 'guapai', dueOn: '2026-04-15' }, A.supervisor, at);
    expect(s.state.supervision).toMatchObject({ level: 'guapai', dueOn: '2026-04-15' });
    s.do({ type: 'unflag', reason: '已整改到位' }, A.supervisor, at);
    expect(s.state).toMatchObject({ flagged: false, supervision: null, everFlagged: true });
  });

  it('a flag without a level is 挂牌督办 (as before), and an escalation flag too', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'flag', reason: 'r' }, A.supervisor, at);
    expect(s.state.supervision).toMatchObject({ level: 'guapai', dueOn: null });
  });

  it('refuses an unknown level, a bad or past 督办 deadline, naming the field; only a supervisor may', () => {
    const s = storyAt('in_progress');
    expect(s.refused({ type: 'flag', reason: 'r', level: 'x' as never }, A.supervisor, at)).toMatchObject({
      code: 'validation',
      field: 'level',
    });
    expect(s.refused({ type: 'flag', reason: 'r', dueOn: '2026-02-30' }, A.supervisor, at)).toMatchObject({
      field: 'dueOn',
    });
    expect(s.refused({ type: 'flag', reason: 'r', dueOn: '2026-03-01' }, A.supervisor, at)).toMatchObject({
      field: 'dueOn',
    });
    expect(s.refused({ type: 'flag', reason: 'r', level: 'duban' }, A.lead, at).code).toBe('forbidden');
  });

  it('the 督办 deadline gets the same reminders (3 and 1 working days before, 09:00) and one when it passes', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'flag', reason: 'r', level: 'duban', dueOn: '2026-03-20' }, A.supervisor, at);
    // item deadline 03-09 comes first; tick past it, then the 督办 reminders remain
    s.do({ type: 'tick' }, null, '2026-03-12T00:00:00.000Z');
    const kinds = () =>
      s.events.filter((e) => e.type === 'ReminderIssued').map((e) => (e.type === 'ReminderIssued' ? e.data : null));
    expect(nextWake(s.state, env)! <= '2026-03-17T01:00:00.000Z').toBe(true);
    s.do({ type: 'tick' }, null, '2026-03-17T01:00:00.000Z'); // 3 working days before 03-20, 09:00 Shanghai
    expect(kinds().filter((k) => k?.kind === 'supervision_approaching')).toEqual([
      { kind: 'supervision_approaching', daysBefore: 3, dueAt: '2026-03-17T01:00:00.000Z' },
    ]);
    s.do({ type: 'tick' }, null, '2026-03-19T01:00:00.000Z'); // 1 working day before
    s.do({ type: 'tick' }, null, '2026-03-21T00:00:00.000Z');
    expect(kinds().filter((k) => k?.kind.startsWith('supervision'))).toEqual([
      { kind: 'supervision_approaching', daysBefore: 3, dueAt: '2026-03-17T01:00:00.000Z' },
      { kind: 'supervision_approaching', daysBefore: 1, dueAt: '2026-03-19T01:00:00.000Z' },
      { kind: 'supervision_overdue', daysBefore: null, dueAt: '2026-03-20T16:00:00.000Z' },
    ]);
    expect(s.state.supervision?.overdueAt).toBe('2026-03-20T16:00:00.000Z');
    // told once each; lifting stops it
    expect(s.do({ type: 'tick' }, null, '2026-06-01T00:00:00.000Z').some((e) => e.type === 'ReminderIssued')).toBe(
      false,
    );
    const last = s.events.filter((e) => e.type === 'ReminderIssued').at(-1)!;
    expect(noticeFor(last, s.state)).toMatchObject({
      kind: 'supervision_due',
      title: expect.stringContaining('督办逾期'),
    });
  });

  it('no 督办 reminders once the item is signed off, or after the 督办 is lifted', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'flag', reason: 'r', level: 'duban', dueOn: '2026-03-20' }, A.supervisor, at);
    s.do({ type: 'unflag', reason: 'done' }, A.supervisor, at);
    const events = s.do({ type: 'tick' }, null, '2026-04-01T00:00:00.000Z');
    expect(events.filter((e) => e.type === 'ReminderIssued' && e.data.kind.startsWith('supervision'))).toEqual([]);
  });
});
