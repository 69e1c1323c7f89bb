// Issue 15 §5: after downtime, a reminder whose moment has passed ("还有3天" weeks after the deadline) is
// not sent late as if still true — the current truth (the missed deadline) goes out instead. And every
// instant counted through a year without official calendar data carries the provisional mark deadlines carry.
import { describe, expect, it } from 'vitest';
import type { CalendarData } from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { causeGone } from '../../domain/notice/derive.ts';
import { pendingTimers } from '../../domain/item/next-wake.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/settings.ts';
import type { ItemEvent } from '../../domain/item/types.ts';
import { A, reportCmd, Story, storyAt, U } from './support/fixtures.ts';

const kinds = (es: ItemEvent[]) =>
  es.map((e) => (e.type === 'ReminderIssued' ? `${e.type}:${e.data.kind}:${e.data.daysBefore}` : e.type));

describe('reminders after downtime (the clock jumps)', () => {
  it('the sweep comes back three weeks after the deadline: no "还有3天", the overdue notice instead', () => {
    const s = storyAt('in_progress'); // deadline 2026-03-09; reminders due 03-04 and 03-06 09:00
    const events = s.do({ type: 'tick' }, null, '2026-03-30T02:00:00.000Z');
    expect(kinds(events).filter((k) => k.startsWith('ReminderIssued'))).toEqual([]);
    expect(kinds(events)[0]).toBe('DeadlineMissed');
    // Nothing is owed later either: the dropped reminders never come back.
    expect(s.do({ type: 'tick' }, null, '2026-03-31T02:00:00.000Z').map((e) => e.type)).not.toContain('ReminderIssued');
  });

  it('back in the last day before the deadline: only "还有1天", never the stale "还有3天" after it', () => {
    const s = storyAt('in_progress');
    expect(kinds(s.do({ type: 'tick' }, null, '2026-03-06T02:00:00.000Z'))).toEqual([
      'ReminderIssued:deadline_approaching:1',
    ]);
    expect(s.do({ type: 'tick' }, null, '2026-03-07T02:00:00.000Z')).toEqual([]);
  });

  it('on time, both reminders go out as before', () => {
    const s = storyAt('in_progress');
    expect(kinds(s.do({ type: 'tick' }, null, '2026-03-04T01:00:00.000Z'))).toEqual([
      'ReminderIssued:deadline_approaching:3',
    ]);
    expect(kinds(s.do({ type: 'tick' }, null, '2026-03-06T01:00:00.000Z'))).toEqual([
      'ReminderIssued:deadline_approaching:1',
    ]);
  });

  it('a reminder written before the downtime but delivered after the deadline is cancelled as untrue', () => {
    const s = storyAt('in_progress');
    const [reminder] = s.do({ type: 'tick' }, null, '2026-03-04T01:00:00.000Z');
    const then = s.state;
    s.do({ type: 'tick' }, null, '2026-03-10T02:00:00.000Z'); // DeadlineMissed meanwhile
    expect(causeGone(reminder!, then, s.state)).toBe('整改时限已过，改发逾期通知');
  });
});

describe('the provisional mark on every computed instant', () => {
  // 2026 is loaded; 2027 is not (the State Council's notice for it is not out).
  const cal: CalendarData = OFFICIAL_CALENDAR;

  it('reminders, the deadline and escalation steps counted through 2027 carry it; 2026 ones do not', () => {
    const s = new Story({ settings: { recheckRate: 0 }, calendar: cal });
    s.do(reportCmd(), A.supervisor, '2026-12-21T02:00:00.000Z');
    s.do(
      { type: 'assign', responsibleUnit: U.va, measures: '入户整改', mode: 'immediate', deadline: '2027-01-08' },
      A.lead,
      '2026-12-21T03:00:00.000Z',
    );
    const env = { settings: DEFAULT_SETTINGS, calendar: cal };
    const timers = pendingTimers(s.state, env);
    expect(timers.map((t) => [t.kind, t.provisional ?? false])).toEqual([
      ['reminder', true],
      ['reminder', true],
      ['deadline_missed', true],
      ['included_not_helped', false],
    ]);
    s.do({ type: 'accept' }, A.handler, '2026-12-22T01:00:00.000Z');
    const fired = s.do({ type: 'tick' }, null, '2027-01-11T00:00:00.000Z');
    const missed = fired.find((e) => e.type === 'DeadlineMissed');
    expect(missed?.data).toMatchObject({ provisional: true });
    const escalated = fired.filter((e) => e.type === 'Escalated');
    expect(escalated.length).toBeGreaterThan(0);
    for (const e of escalated) expect(e.data).toMatchObject({ provisional: true });
  });

  it('a deadline in a loaded year carries no mark', () => {
    const s = storyAt('in_progress');
    const fired = s.do({ type: 'tick' }, null, '2026-03-04T01:00:00.000Z');
    expect(fired[0]?.data).not.toHaveProperty('provisional');
    expect(pendingTimers(s.state, { settings: DEFAULT_SETTINGS, calendar: cal }).some((t) => t.provisional)).toBe(
      false,
    );
  });
});
