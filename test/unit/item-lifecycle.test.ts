import { describe, expect, it } from 'vitest';
import { endOfDay } from '../../domain/calendar/calendar.ts';
import { evolve, fold, type ItemEvent } from '../../domain/item/index.ts';
import { A, actor, ctx, given, reportCmd, Story, storyAt, T, U } from './support/fixtures.ts';

const by = (id: string | null, at: string) => ({ actorId: id, at });

describe('report and assign', () => {
  it('given nothing, when the office reports a problem, then the item exists', () => {
    const [e] = given([]).when(reportCmd(), ctx(T.report, A.supervisor)).then(['ItemReported']);
    const s = evolve(null, e!);
    expect(s).toMatchObject({
      id: 'item-1',
      status: 'reported',
      version: 1,
      reportedBy: 'sup-1',
      reportedAt: T.report,
      feedbackRequired: false,
    });
  });

  it.each([
    ['an empty title', { title: '  ' }, 'title'],
    ['a title over 200 characters', { title: '问'.repeat(201) }, 'title'],
    ['a description over 5000 characters', { description: 'x'.repeat(5001) }, 'description'],
    ['an unknown source', { source: 'rumour' as never }, 'source'],
  ])('refuses a report with %s', (_name, over, field) => {
    const d = given([]).when(reportCmd(over), ctx(T.report, A.supervisor)).decision;
    expect(d.ok ? null : [d.error.code, d.error.field]).toEqual(['validation', field]);
  });

  it('given a reported item, when the lead assigns it as immediate with no deadline, then it gets 5 working days', () => {
    const s = storyAt('reported');
    const [e] = given(s.events)
      .when({ type: 'assign', responsibleUnit: U.va, measures: '入户整改', mode: 'immediate' }, ctx(T.assign, A.lead))
      .then([
        {
          type: 'ItemAssigned',
          ...by('lead-1', T.assign),
          data: {
            responsibleUnit: U.va,
            measures: '入户整改',
            mode: 'immediate',
            deadline: '2026-03-09',
            deadlineProvisional: false,
            deadlineWorkingDays: { from: '2026-03-02', days: 5 },
            milestones: [],
          },
        },
      ]);
    expect(evolve(s.state, e!)).toMatchObject({
      status: 'assigned',
      deadline: '2026-03-09',
      assignedBy: 'lead-1',
      version: 2,
    });
  });

  it("counts an assignment's working days across the 2026 Spring Festival", () => {
    const s = new Story();
    s.do(reportCmd(), A.supervisor, '2026-02-12T01:00:00.000Z');
    const [e] = s.do(
      { type: 'assign', responsibleUnit: U.va, measures: 'm', mode: 'immediate', days: 5 },
      A.lead,
      '2026-02-12T02:00:00.000Z',
    );
    expect(e?.type === 'ItemAssigned' && e.data.deadline).toBe('2026-02-26');
  });

  it('uses calendar days when the campaign does not count working days', () => {
    const s = new Story({ settings: { workingDays: false } });
    s.do(reportCmd(), A.supervisor, '2026-02-12T01:00:00.000Z');
    const [e] = s.do(
      { type: 'assign', responsibleUnit: U.va, measures: 'm', mode: 'immediate', days: 5 },
      A.lead,
      '2026-02-12T02:00:00.000Z',
    );
    expect(e?.type === 'ItemAssigned' && [e.data.deadline, e.data.deadlineWorkingDays]).toEqual(['2026-02-17', null]);
  });

  const base = { type: 'assign', responsibleUnit: U.va, measures: '入户整改' } as const;
  it.each([
    ['an impossible date 2026-02-30', { ...base, mode: 'immediate', deadline: '2026-02-30' }, 'deadline'],
    ['a deadline in the past', { ...base, mode: 'immediate', deadline: '2026-03-01' }, 'deadline'],
    ['empty measures', { ...base, measures: ' ', mode: 'immediate' }, 'measures'],
    [
      'a phased item without deadline',
      { ...base, mode: 'phased', milestones: [{ id: 'm1', title: 't', dueOn: '2026-03-20' }] },
      'deadline',
    ],
    ['a phased item without milestones', { ...base, mode: 'phased', deadline: '2026-04-30' }, 'milestones'],
    [
      'a milestone after the deadline',
      { ...base, mode: 'phased', deadline: '2026-04-30', milestones: [{ id: 'm1', title: 't', dueOn: '2026-05-01' }] },
      'milestones[0].dueOn',
    ],
    [
      'a milestone in the past',
      { ...base, mode: 'phased', deadline: '2026-04-30', milestones: [{ id: 'm1', title: 't', dueOn: '2026-03-01' }] },
      'milestones[0].dueOn',
    ],
    [
      'duplicate milestone ids',
      {
        ...base,
        mode: 'phased',
        deadline: '2026-04-30',
        milestones: [
          { id: 'm1', title: 't', dueOn: '2026-03-10' },
          { id: 'm1', title: 'u', dueOn: '2026-03-20' },
        ],
      },
      'milestones[1].id',
    ],
    ['zero days', { ...base, mode: 'immediate', days: 0 }, 'days'],
  ])('refuses an assignment with %s', (_name, command, field) => {
    const d = given(storyAt('reported').events).when(command as never, ctx(T.assign, A.lead)).decision;
    expect(d.ok ? null : [d.error.code, d.error.field]).toEqual(['validation', field]);
  });

  it('accepts a deadline of today, Shanghai time (00:30 on 03-02 is still 03-01 in UTC)', () => {
    const d = given(storyAt('reported').events).when(
      { ...base, mode: 'immediate', deadline: '2026-03-02' },
      ctx('2026-03-01T16:30:00.000Z', A.lead),
    ).decision;
    expect(d.ok).toBe(true);
  });
});

describe('the full loop', () => {
  it('report → assign → accept → progress → submit → reject → submit → approve → recheck fail → reopen → submit → approve → recheck pass → verified', () => {
    const s = new Story({ settings: { recheckRate: 0 } });
    const types = (es: ItemEvent[]) => es.map((e) => e.type);
    expect(types(s.do(reportCmd({ source: 'petition' }), A.supervisor, '2026-03-02T02:00:00.000Z'))).toEqual([
      'ItemReported',
    ]);
    s.do(
      {
        type: 'assign',
        responsibleUnit: U.va,
        measures: '入户整改',
        mode: 'phased',
        deadline: '2026-04-30',
        milestones: [{ id: 'm1', title: '完成鉴定', dueOn: '2026-03-20' }],
      },
      A.lead,
      '2026-03-02T03:00:00.000Z',
    );
    expect(s.state.status).toBe('assigned');
    s.do({ type: 'accept' }, A.handler, '2026-03-03T01:00:00.000Z');
    expect(s.state.status).toBe('in_progress');
    s.do(
      { type: 'record_progress', note: '已入户', substantive: true, evidence: ['f1'] },
      A.handler,
      '2026-03-04T01:00:00.000Z',
    );
    expect(
      s.refused({ type: 'submit', summary: '完成', evidence: ['f2'] }, A.handler, '2026-03-05T01:00:00.000Z'),
    ).toMatchObject({ code: 'validation', field: 'milestones' });
    s.do({ type: 'complete_milestone', milestoneId: 'm1', note: '鉴定完成' }, A.handler, '2026-03-05T01:00:00.000Z');
    expect(
      s.refused({ type: 'complete_milestone', milestoneId: 'm1' }, A.handler, '2026-03-05T02:00:00.000Z'),
    ).toMatchObject({ code: 'validation', field: 'milestoneId' });
    expect(
      s.refused({ type: 'submit', summary: '完成', evidence: [] }, A.handler, '2026-03-06T01:00:00.000Z'),
    ).toMatchObject({ code: 'validation', field: 'evidence' });
    expect(
      s.refused({ type: 'submit', summary: '', evidence: ['f2'] }, A.handler, '2026-03-06T01:00:00.000Z'),
    ).toMatchObject({ code: 'validation', field: 'summary' });
    s.do({ type: 'submit', summary: '完成', evidence: ['f2'] }, A.handler, '2026-03-06T01:00:00.000Z');
    expect(s.state).toMatchObject({ status: 'submitted', submittedBy: 'hdl-a', evidence: ['f1', 'f2'] });
    expect(s.refused({ type: 'reject', reason: '' }, A.lead, '2026-03-09T01:00:00.000Z')).toMatchObject({
      code: 'validation',
      field: 'reason',
    });
    s.do({ type: 'reject', reason: '照片不清晰' }, A.lead, '2026-03-09T01:00:00.000Z');
    expect(s.state).toMatchObject({ status: 'in_progress', rejectCount: 1 });
    s.do({ type: 'submit', summary: '补充照片', evidence: ['f3'] }, A.handler, '2026-03-10T01:00:00.000Z');
    // The petitioner is not told 已整改销号 at sign-off, only once the item is verified.
    expect(types(s.do({ type: 'approve', note: '同意销号' }, A.lead, '2026-03-11T01:00:00.000Z'))).toEqual([
      'ItemApproved',
      'RecheckScheduled',
    ]);
    expect(s.state).toMatchObject({
      status: 'closed',
      closedBy: 'lead-1',
      recheck: { reason: 'petition', dueBy: endOfDay('2026-04-10') },
    });

    expect(
      types(s.do({ type: 'recheck', passed: false, findings: '墙体仍开裂' }, A.inspector, '2026-03-20T01:00:00.000Z')),
    ).toEqual(['RecheckFailed', 'ItemReopened', 'ReporterFeedbackDue']);
    // 10 working days from 03-20 (Fri): 03-23..27, 03-30..04-03 → 04-03
    expect(s.state).toMatchObject({
      status: 'in_progress',
      reopenCount: 1,
      deadline: '2026-04-03',
      recheck: null,
      closedAt: null,
    });
    s.do({ type: 'submit', summary: '重新加固', evidence: ['f4'] }, A.handler, '2026-03-30T01:00:00.000Z');
    s.do({ type: 'approve' }, A.supervisor, '2026-03-31T01:00:00.000Z');
    expect(
      types(s.do({ type: 'recheck', passed: true, findings: '已到位' }, A.inspector, '2026-04-08T01:00:00.000Z')),
    ).toEqual(['RecheckPassed', 'ItemVerified', 'ReporterFeedbackDue']);
    expect(s.state).toMatchObject({
      status: 'verified',
      verifiedAt: '2026-04-08T01:00:00.000Z',
      rejectCount: 1,
      reopenCount: 1,
      version: s.events.length,
    });
  });
});

describe('separation of duties', () => {
  it('a reviewer cannot approve or reject what they submitted', () => {
    const both = actor('multi', U.va, ['handler', 'lead']);
    const s = storyAt('in_progress');
    s.do({ type: 'submit', summary: '完成', evidence: ['f'] }, both, T.submit);
    expect(s.refused({ type: 'approve' }, both, T.approve).code).toBe('separation_of_duties');
    expect(s.refused({ type: 'reject', reason: 'x' }, both, T.approve).code).toBe('separation_of_duties');
    expect(s.decide({ type: 'approve' }, A.lead, T.approve).ok).toBe(true);
  });

  it('an inspector cannot recheck an item of their own unit (or of a unit below theirs)', () => {
    const s = storyAt('closed');
    for (const who of [actor('i-va', U.va, ['inspector']), actor('i-town', U.town, ['inspector'])]) {
      const e = s.refused({ type: 'recheck', passed: true, findings: 'ok' }, who, T.recheck);
      expect(e.code).toBe('separation_of_duties');
      expect(e.allowed).not.toContain('recheck');
    }
    expect(
      s.decide({ type: 'recheck', passed: true, findings: 'ok' }, actor('i-vb', U.vb, ['inspector']), T.recheck).ok,
    ).toBe(true);
  });
});

describe('extensions, transfers, flags, dismissal, comments', () => {
  it('an approved extension moves the deadline and starts the deadline clock over', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'tick' }, null, '2026-03-20T00:00:00.000Z'); // overdue; steps 1–3 are due (level 4 on 03-23)
    expect(s.state).toMatchObject({ overdue: true, escalationLevel: 3 });
    expect(
      s.refused(
        { type: 'request_extension', newDeadline: '2026-03-09', reason: 'r' },
        A.handler,
        '2026-03-20T01:00:00.000Z',
      ),
    ).toMatchObject({ code: 'validation', field: 'newDeadline' });
    s.do(
      { type: 'request_extension', newDeadline: '2026-04-30', reason: '材料未到' },
      A.handler,
      '2026-03-20T01:00:00.000Z',
    );
    expect(
      s.refused(
        { type: 'request_extension', newDeadline: '2026-05-30', reason: 'again' },
        A.handler,
        '2026-03-20T02:00:00.000Z',
      ).code,
    ).toBe('invalid_transition');
    s.do({ type: 'decide_extension', approve: true }, A.lead, '2026-03-21T01:00:00.000Z');
    expect(s.state).toMatchObject({
      deadline: '2026-04-30',
      overdue: false,
      escalationLevel: 0,
      remindersSent: [],
      extensionsGranted: 1,
      extensionRequest: null,
    });
  });

  it('a refused extension keeps the deadline', () => {
    const s = storyAt('in_progress');
    s.do({ type: 'request_extension', newDeadline: '2026-04-30', reason: 'r' }, A.handler, '2026-03-05T01:00:00.000Z');
    given(s.events)
      .when(
        { type: 'decide_extension', approve: false, note: '理由不足' },
        ctx('2026-03-05T02:00:00.000Z', A.supervisor),
      )
      .then([
        {
          type: 'ExtensionDecided',
          ...by('sup-1', '2026-03-05T02:00:00.000Z'),
          data: { approved: false, newDeadline: null, note: '理由不足' },
        },
      ]);
  });

  it('a transfer sends the item back to assigned; the new unit accepts it, the old one no longer can act', () => {
    const s = storyAt('in_progress');
    expect(s.refused({ type: 'transfer', responsibleUnit: U.va, reason: 'x' }, A.lead, T.submit).field).toBe(
      'responsibleUnit',
    );
    s.do({ type: 'transfer', responsibleUnit: U.vb, reason: '属地调整' }, A.lead, T.submit);
    expect(s.state).toMatchObject({ status: 'assigned', responsibleUnit: U.vb, acceptedAt: null });
    expect(s.refused({ type: 'accept' }, A.handler, T.approve).code).toBe('forbidden');
    s.do({ type: 'accept' }, A.handlerB, T.approve);
    expect(s.state.status).toBe('in_progress');
  });

  it('flag and unflag toggle once each', () => {
    const s = storyAt('assigned');
    s.do({ type: 'flag', reason: '挂牌督办' }, A.supervisor, T.accept);
    expect(s.refused({ type: 'flag', reason: 'again' }, A.supervisor, T.accept).code).toBe('invalid_transition');
    s.do({ type: 'unflag', reason: '已解除' }, A.supervisor, T.accept);
    expect(s.refused({ type: 'unflag', reason: 'again' }, A.supervisor, T.accept).code).toBe('invalid_transition');
    expect(s.state).toMatchObject({ flagged: false, everFlagged: true });
  });

  it('an item that was ever flagged is always rechecked', () => {
    const s = storyAt('in_progress', { settings: { recheckRate: 0 } });
    s.do({ type: 'flag', reason: '挂牌' }, A.supervisor, T.progress);
    s.do({ type: 'unflag', reason: '解除' }, A.supervisor, T.progress);
    s.do({ type: 'submit', summary: 's', evidence: ['e'] }, A.handler, T.submit);
    s.do({ type: 'approve' }, A.lead, T.approve);
    expect(s.state.recheck?.reason).toBe('flagged');
  });

  it('dismissing a hotline item sends the outcome back to the reporter', () => {
    const s = new Story();
    s.do(reportCmd({ source: 'hotline' }), A.supervisor, T.report);
    expect(s.refused({ type: 'dismiss', reason: '' }, A.supervisor, T.dismiss).field).toBe('reason');
    const events = s.do({ type: 'dismiss', reason: '经核实不属实' }, A.supervisor, T.dismiss);
    expect(events.map((e) => e.type)).toEqual(['ItemDismissed', 'ReporterFeedbackDue']);
    expect(events[1]).toMatchObject({ data: { outcome: 'dismissed' } });
  });

  it('comments are checked for length and allowed in every state, even after dismissal', () => {
    const s = storyAt('dismissed');
    expect(s.refused({ type: 'comment', text: 'x'.repeat(2001) }, A.supervisor, T.approve).field).toBe('text');
    expect(s.do({ type: 'comment', text: '存档' }, A.supervisor, T.approve).map((e) => e.type)).toEqual([
      'CommentAdded',
    ]);
    expect(s.refused({ type: 'comment', text: '存档' }, A.viewer, T.approve).code).toBe('forbidden'); // viewers only read
  });

  it('a look-back (回头看) puts a verified item back to closed, pending recheck', () => {
    const s = storyAt('verified');
    expect(
      s.refused(
        { type: 'schedule_recheck', reason: 'look_back', dueBy: '2026-03-01' },
        A.supervisor,
        '2026-10-01T01:00:00.000Z',
      ).field,
    ).toBe('dueBy');
    s.do({ type: 'schedule_recheck', reason: 'look_back', dueBy: '2026-12-31' }, null, '2026-10-01T01:00:00.000Z');
    expect(s.state).toMatchObject({
      status: 'closed',
      verifiedAt: null,
      recheck: { reason: 'look_back', dueBy: '2026-12-31T16:00:00.000Z' },
    });
    s.do({ type: 'recheck', passed: true, findings: '回头看：未反弹' }, A.inspector, '2026-11-01T01:00:00.000Z');
    expect(s.state.status).toBe('verified');
  });

  it('a tick on nothing is refused; a tick with nothing due is an empty success', () => {
    expect(given([]).when({ type: 'tick' }, ctx(T.report, null)).decision.ok).toBe(false);
    given(storyAt('reported').events).when({ type: 'tick' }, ctx(T.assign, null)).then([]);
  });

  it('replaying the trail gives the same state; every event counts one version', () => {
    const s = storyAt('verified');
    expect(fold(s.events)).toEqual(s.state);
    expect(s.state.version).toBe(s.events.length);
    expect(JSON.parse(JSON.stringify(s.state))).toEqual(s.state);
  });
});
