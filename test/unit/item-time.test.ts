// Time passing: reminders, missed deadlines, escalation, quality warnings, the recheck window,
// provisional deadlines — through `tick`, as the runtimes send it.
import { describe, expect, it } from 'vitest';
import { endOfDay, withYears } from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { DEFAULT_SETTINGS, type ItemCommand, nextWake } from '../../domain/item/index.ts';
import { A, ctx, given, reportCmd, Story, storyAt, T, U } from './support/fixtures.ts';

const env = (over: Partial<typeof DEFAULT_SETTINGS> = {}, calendar = OFFICIAL_CALENDAR) => ({
  settings: { ...DEFAULT_SETTINGS, ...over },
  calendar,
});

describe('escalation after downtime', () => {
  it('given an accepted item with no measures, when one tick comes three months late, then every step fires once, in order — the reminders whose moment passed are dropped', () => {
    const s = storyAt('assigned');
    s.do({ type: 'accept' }, A.handler, T.accept);
    const late = '2026-06-02T02:00:00.000Z';
    const at = { at: late, actorId: null };
    given(s.events)
      .when({ type: 'tick' }, ctx(late, null))
      .then([
        // No "还有3天" / "还有1天" three months after the deadline: the missed deadline is the truth now.
        { type: 'DeadlineMissed', ...at, data: { deadline: '2026-03-09', dueAt: '2026-03-09T16:00:00.000Z' } },
        { type: 'Escalated', ...at, data: { level: 1, target: 'handler', dueAt: '2026-03-09T16:00:00.000Z' } },
        { type: 'Escalated', ...at, data: { level: 2, target: 'unit_head', dueAt: '2026-03-12T16:00:00.000Z' } },
        { type: 'Escalated', ...at, data: { level: 3, target: 'supervisor', dueAt: '2026-03-16T16:00:00.000Z' } },
        { type: 'Escalated', ...at, data: { level: 4, target: 'flag', dueAt: '2026-03-23T16:00:00.000Z' } },
        {
          type: 'ItemFlagged',
          ...at,
          data: {
            reason: '逾期未整改（整改时限 2026-03-09），按规定挂牌督办',
            message: { code: 'flag.overdue_escalation', params: { since: '2026-03-09' } },
            byEscalation: true,
          },
        },
        {
          type: 'QualityWarningRaised',
          ...at,
          data: {
            code: 'included_not_helped',
            raisedAt: late,
            detail: '2026-03-02 交办后 1 个月内未录入整改措施（纳而不帮）',
            message: { code: 'quality.included_not_helped', params: { assignedOn: '2026-03-02', months: 1 } },
          },
        },
      ]);
    s.do({ type: 'tick' }, null, late);
    expect(s.state).toMatchObject({
      overdue: true,
      overdueSince: '2026-03-09T16:00:00.000Z',
      escalationLevel: 4,
      flagged: true,
      remindersSent: [],
    });
    given(s.events).when({ type: 'tick' }, ctx(late, null)).then([]);
    given(s.events).when({ type: 'tick' }, ctx('2027-06-02T02:00:00.000Z', null)).then([]);
    expect(nextWake(s.state, env())).toBeNull();
  });

  it('ticks at each wake-up give the same events one at a time', () => {
    const s = storyAt('assigned');
    s.do({ type: 'accept' }, A.handler, T.accept);
    const fired: string[] = [];
    for (let wake = nextWake(s.state, env()); wake !== null; wake = nextWake(s.state, env())) {
      const events = s.do({ type: 'tick' }, null, wake);
      expect(events.length).toBeGreaterThan(0);
      fired.push(...events.map((e) => `${e.type}@${wake}`));
    }
    expect(fired).toEqual([
      'ReminderIssued@2026-03-04T01:00:00.000Z',
      'ReminderIssued@2026-03-06T01:00:00.000Z',
      'DeadlineMissed@2026-03-09T16:00:00.000Z',
      'Escalated@2026-03-09T16:00:00.000Z',
      'Escalated@2026-03-12T16:00:00.000Z',
      'Escalated@2026-03-16T16:00:00.000Z',
      'Escalated@2026-03-23T16:00:00.000Z',
      'ItemFlagged@2026-03-23T16:00:00.000Z',
      'QualityWarningRaised@2026-04-02T03:00:00.000Z',
    ]);
  });

  it('an already flagged item is escalated to the flag step without a second ItemFlagged', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'flag', reason: '县挂牌' }, A.supervisor, T.submit);
    const types = s.do({ type: 'tick' }, null, '2026-06-01T00:00:00.000Z').map((e) => e.type);
    expect(types.filter((t) => t === 'ItemFlagged')).toEqual([]);
    expect(types.filter((t) => t === 'Escalated')).toHaveLength(4);
  });

  it('a submitted item waiting for review is not overdue; after a rejection the clock catches up', () => {
    const s = storyAt('submitted');
    // Not overdue while under review; only the reviewers' reminder (review limit, 5 working days) falls due, once.
    const waiting = s.do({ type: 'tick' }, null, '2026-04-30T00:00:00.000Z');
    expect(waiting.map((e) => [e.type, e.type === 'ReminderIssued' ? e.data.kind : null])).toEqual([
      ['ReminderIssued', 'review_waiting'],
    ]);
    expect(nextWake(s.state, env())).toBeNull();
    s.events.pop(); // back to the submission as it stood (the rejection below happens before the reminder)
    s.do({ type: 'reject', reason: '佐证不足' }, A.lead, '2026-03-11T01:00:00.000Z');
    // The reminders that fell due while it was under review are not sent late (the deadline has passed
    // since): the missed deadline and its first escalation are.
    expect(s.do({ type: 'tick' }, null, '2026-03-11T02:00:00.000Z').map((e) => e.type)).toEqual([
      'DeadlineMissed',
      'Escalated',
    ]);
  });

  it('the reminder fires at 09:00 Shanghai, not a millisecond before', () => {
    const s = storyAt('in_progress');
    expect(nextWake(s.state, env())).toBe('2026-03-04T01:00:00.000Z');
    given(s.events).when({ type: 'tick' }, ctx('2026-03-04T00:59:59.999Z', null)).then([]);
    given(s.events).when({ type: 'tick' }, ctx('2026-03-04T01:00:00.000Z', null)).then(['ReminderIssued']);
  });

  it('counts escalation grace in working days across 国庆', () => {
    const s = new Story();
    s.do(reportCmd(), A.supervisor, '2026-09-21T01:00:00.000Z');
    s.do(
      { type: 'assign', responsibleUnit: U.va, measures: 'm', mode: 'immediate', deadline: '2026-09-30' },
      A.lead,
      '2026-09-21T02:00:00.000Z',
    );
    s.do({ type: 'accept' }, A.handler, '2026-09-21T03:00:00.000Z');
    s.do({ type: 'record_progress', note: 'n' }, A.handler, '2026-09-21T04:00:00.000Z');
    const events = [
      ...s.do({ type: 'tick' }, null, '2026-09-24T01:00:00.000Z'),
      ...s.do({ type: 'tick' }, null, '2026-09-29T01:00:00.000Z'),
      ...s.do({ type: 'tick' }, null, '2026-12-01T00:00:00.000Z'),
    ];
    const steps = events.flatMap((e) => (e.type === 'Escalated' ? [`${e.data.level}:${e.data.dueAt}`] : []));
    expect(steps).toEqual([
      '1:2026-09-30T16:00:00.000Z',
      '2:2026-10-10T16:00:00.000Z', // 10-08, 10-09, Sat 10-10 (make-up)
      '3:2026-10-13T16:00:00.000Z',
      '4:2026-10-20T16:00:00.000Z',
    ]);
    const reminders = events.flatMap((e) => (e.type === 'ReminderIssued' ? [e.data.dueAt] : []));
    expect(reminders).toEqual(['2026-09-24T01:00:00.000Z', '2026-09-29T01:00:00.000Z']); // 3 and 1 working days before 09-30
  });
});

describe('quality warnings', () => {
  const approveAt = (at: string, substantive: boolean) => {
    const s = storyAt('assigned');
    s.do({ type: 'accept' }, A.handler, T.accept);
    s.do({ type: 'record_progress', note: '电话联系', substantive }, A.handler, T.progress);
    s.do({ type: 'submit', summary: '已完成', evidence: ['f'] }, A.handler, T.submit);
    return s.do({ type: 'approve' }, A.lead, at).filter((e) => e.type === 'QualityWarningRaised');
  };

  it('快进快出: closed in the month it was reported, without substantive measures', () => {
    expect(approveAt('2026-03-10T01:00:00.000Z', false)).toMatchObject([{ data: { code: 'fast_in_fast_out' } }]);
  });
  it('快进快出: also in the next month (Shanghai time: 04-30 23:00 is still April)', () => {
    expect(approveAt('2026-04-30T15:00:00.000Z', false)).toHaveLength(1);
  });
  it('not 快进快出 two months later, nor with substantive progress', () => {
    expect(approveAt('2026-04-30T16:00:00.000Z', false)).toHaveLength(0); // 05-01 in Shanghai
    expect(approveAt('2026-03-10T01:00:00.000Z', true)).toHaveLength(0);
  });

  it('纳而不帮 is raised one month after assignment only if no measures were recorded, and only once', () => {
    const idle = storyAt('assigned');
    const w = nextWake(idle.state, env({ remindBeforeDays: [], escalationSteps: [] }));
    expect(w).toBe('2026-03-09T16:00:00.000Z'); // the deadline comes first
    const s = storyAt('assigned', { settings: { noMeasuresWarningMonths: 1 } });
    s.do({ type: 'tick' }, null, '2026-04-02T02:59:59.999Z');
    expect(s.state.qualityWarnings).toEqual([]);
    expect(s.do({ type: 'tick' }, null, '2026-04-02T03:00:00.000Z').map((e) => e.type)).toEqual([
      'QualityWarningRaised',
    ]);
    expect(s.do({ type: 'tick' }, null, '2026-08-02T03:00:00.000Z')).toEqual([]);

    const busy = storyAt('in_progress'); // progress recorded on 03-04
    const events = busy.do({ type: 'tick' }, null, '2026-08-02T03:00:00.000Z');
    expect(events.some((e) => e.type === 'QualityWarningRaised')).toBe(false);
  });
});

describe('recheck window', () => {
  it('an unselected closed item counts as verified when the window has elapsed', () => {
    const s = storyAt('closed', { settings: { recheckRate: 0 } });
    expect(s.state.recheck).toBeNull();
    const due = endOfDay('2026-04-05'); // closed 03-06 + 30 days
    expect(nextWake(s.state, env({ recheckRate: 0 }))).toBe(due);
    s.do({ type: 'tick' }, null, '2026-05-01T00:00:00.000Z');
    expect(s.state).toMatchObject({ status: 'verified', verifiedAt: '2026-05-01T00:00:00.000Z' });
    expect(s.events.at(-1)).toMatchObject({ type: 'ItemVerified', data: { by: 'window_elapsed' } });
  });

  it('a selected item whose recheck is overdue gets one recheck_due reminder', () => {
    const s = storyAt('closed');
    expect(s.state.recheck).toEqual({ reason: 'sampled', dueBy: endOfDay('2026-04-05') });
    expect(s.do({ type: 'tick' }, null, '2026-05-01T00:00:00.000Z')).toMatchObject([
      { type: 'ReminderIssued', data: { kind: 'recheck_due', daysBefore: null, dueAt: endOfDay('2026-04-05') } },
    ]);
    expect(s.do({ type: 'tick' }, null, '2026-07-01T00:00:00.000Z')).toEqual([]);
    expect(s.state.status).toBe('closed');
  });
});

describe('provisional deadlines', () => {
  const cal2027 = withYears(OFFICIAL_CALENDAR, [
    {
      year: 2027,
      source: 'test data for 2027 (not the real notice)',
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03'],
      workdays: [],
    },
  ]);

  it('counts through 2027 as Mon–Fri but marks the deadline provisional, then recomputes it once 2027 is loaded', () => {
    const s = new Story();
    s.do(reportCmd(), A.supervisor, '2026-12-24T01:00:00.000Z');
    s.do(
      {
        type: 'assign',
        responsibleUnit: U.va,
        measures: 'm',
        mode: 'phased',
        days: 10,
        milestones: [{ id: 'm1', title: 't', dueOn: '2026-12-31' }],
      },
      A.lead,
      '2026-12-24T02:00:00.000Z',
    );
    expect(s.state).toMatchObject({
      deadline: '2027-01-07',
      deadlineProvisional: true,
      deadlineWorkingDays: { from: '2026-12-24', days: 10 },
    });

    // Without 2027 nothing is recomputed: the next wake-up is the first reminder.
    expect(nextWake(s.state, env())).toBe('2027-01-04T01:00:00.000Z');
    given(s.events).when({ type: 'tick' }, ctx('2026-12-28T01:00:00.000Z', null)).then([]);

    // An admin loads 2027: the recompute is due at once and comes before anything else.
    expect(nextWake(s.state, env({}, cal2027))).toBe('2026-12-23T16:00:00.000Z');
    s.over = { calendar: cal2027 };
    expect(s.do({ type: 'tick' }, null, '2026-12-28T01:00:00.000Z')).toMatchObject([
      { type: 'DeadlineRecomputed', data: { deadline: '2027-01-08', deadlineProvisional: false } },
    ]);
    expect(s.state).toMatchObject({ deadline: '2027-01-08', deadlineProvisional: false });
    expect(nextWake(s.state, env({}, cal2027))).toBe('2027-01-05T01:00:00.000Z');
  });

  it('a failed recheck reopens with a working-day deadline that can be recomputed too', () => {
    const s = storyAt('closed');
    s.do({ type: 'recheck', passed: false, findings: '反弹' }, A.inspector, '2026-12-24T01:00:00.000Z');
    expect(s.state).toMatchObject({
      deadline: '2027-01-07',
      deadlineProvisional: true,
      deadlineWorkingDays: { from: '2026-12-24', days: 10 },
    });
    s.over = { calendar: cal2027 };
    s.do({ type: 'tick' }, null, '2026-12-25T01:00:00.000Z');
    expect(s.state).toMatchObject({ deadline: '2027-01-08', deadlineProvisional: false });
  });

  it('a recheck failure with an explicit deadline is never provisional', () => {
    const s = storyAt('closed');
    s.do(
      { type: 'recheck', passed: false, findings: '反弹', deadline: '2027-02-01' },
      A.inspector,
      '2026-12-24T01:00:00.000Z',
    );
    expect(s.state).toMatchObject({
      deadline: '2027-02-01',
      deadlineProvisional: false,
      deadlineWorkingDays: null,
      reopenCount: 1,
    });
  });
});

describe('notices in the trail (催办记录)', () => {
  it('records the notices of one event once, however often the notifier retries', () => {
    const s = storyAt('in_progress');
    const cmd: ItemCommand = {
      type: 'record_notice',
      notices: [
        { causeSeq: 2, kind: 'assigned', recipients: [{ userId: 'u1', name: '张三' }], channels: ['inbox', 'email'] },
      ],
    };
    expect(s.do(cmd, null, '2026-03-05T01:00:00.000Z').map((e) => e.type)).toEqual(['NoticeSent']);
    expect(s.do(cmd, null, '2026-03-05T01:00:01.000Z')).toEqual([]);
    expect(s.state.noticesRecorded).toEqual([2]);
    // Several causes at once: only the new ones are recorded, in the order given.
    const both: ItemCommand = {
      type: 'record_notice',
      notices: [
        { causeSeq: 2, kind: 'assigned', recipients: [], channels: ['inbox'] },
        { causeSeq: 3, kind: 'assigned', recipients: [], channels: ['inbox'] },
      ],
    };
    expect(s.do(both, null, '2026-03-05T01:00:02.000Z').map((e) => e.type === 'NoticeSent' && e.data.causeSeq)).toEqual(
      [3],
    );
  });

  it('refuses a cause that is not an event of the item', () => {
    const s = storyAt('in_progress');
    expect(
      s.refused(
        { type: 'record_notice', notices: [{ causeSeq: 99, kind: 'assigned', recipients: [], channels: [] }] },
        null,
        '2026-03-05T01:00:00.000Z',
      ),
    ).toMatchObject({ code: 'validation', field: 'notices[0].causeSeq' });
    expect(s.refused({ type: 'record_notice', notices: [] }, null, '2026-03-05T01:00:00.000Z')).toMatchObject({
      code: 'validation',
      field: 'notices',
    });
  });

  it('reminds the reviewers once when a submission waits longer than the review limit', () => {
    const s = storyAt('submitted');
    const wake = nextWake(s.state, env())!;
    expect(s.do({ type: 'tick' }, null, new Date(Date.parse(wake) - 1).toISOString())).toEqual([]);
    expect(s.do({ type: 'tick' }, null, wake).map((e) => e.type === 'ReminderIssued' && e.data.kind)).toEqual([
      'review_waiting',
    ]);
    expect(nextWake(s.state, env())).toBeNull();
  });
});
