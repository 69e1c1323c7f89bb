// Separation of duties as one policy (issue 15 §2, issue 17 rule 8): nobody decides on their own request
// — an extension, a sign-off, a 月报 — the recheck is not the approver's, and a petition item (信访) is
// rechecked by the county level or an office the campaign names. Seed 000 §七:
//   “特别是涉及到乡村的涉贫信访问题，由县牵头组织复核，确保事事有回音、件件有结果，并及时将处理结果反馈给信访人”
import { describe, expect, it } from 'vitest';
import { mayDecide } from '../../domain/access/duties.ts';
import type { ReportPeriod } from '../../domain/report/cycle.ts';
import { decideReport, evolveReport, initialReport, type ReportState } from '../../domain/report/lifecycle.ts';
import { A, actor, reportCmd, Story, storyAt, T, U } from './support/fixtures.ts';

const SEED_000_7 =
  '特别是涉及到乡村的涉贫信访问题，由县牵头组织复核，确保事事有回音、件件有结果，并及时将处理结果反馈给信访人';

describe('mayDecide: the one rule', () => {
  it('refuses a decision on one’s own request, by one’s own unit (a report), or by an earlier decider', () => {
    const me = { userId: 'u1', unitPath: '/c/t/office/' };
    expect(mayDecide(me, { requestedBy: 'u1' }, 'extension')).toMatchObject({
      code: 'separation_of_duties',
      reason: 'duty.own_request',
      message: '不能审批本人提出的延期申请',
    });
    expect(mayDecide(me, { requestedBy: 'u2', requestingUnitPath: '/c/t/office/' }, 'report')?.reason).toBe(
      'duty.own_unit_report',
    );
    expect(mayDecide(me, { requestedBy: 'u2', decidedBy: ['u1'] }, 'recheck')?.reason).toBe('duty.decided_before');
    expect(mayDecide(me, { requestedBy: 'u2', decidedBy: ['u3'] }, 'sign_off')).toBeNull();
  });

  it(`a petition recheck: the county level or a named office, never a township user — 000 §七 “${SEED_000_7}”`, () => {
    const township = { userId: 'i1', unitPath: '/c/t/insp/', level: 'township' };
    const county = { userId: 'i2', unitPath: '/c/xf/', level: 'county' };
    const named = { userId: 'i3', unitPath: '/c/t/xinfang/', level: 'township' };
    const request = { requestedBy: 'h1', decidedBy: ['lead-1'], petition: true };
    expect(mayDecide(township, request, 'recheck')).toMatchObject({
      reason: 'duty.petition_recheck_county',
      message: '信访件的复核由县级或活动指定的单位组织，乡镇人员不能复核',
    });
    expect(mayDecide(county, request, 'recheck')).toBeNull();
    const settings = { petitionRecheckUnits: [{ id: 'xinfang', path: '/c/t/xinfang/' }] };
    expect(mayDecide(named, request, 'recheck', settings)).toBeNull();
    expect(mayDecide(township, request, 'recheck', settings)?.reason).toBe('duty.petition_recheck_county');
    // Not a petition: the township's own inspection team may recheck.
    expect(mayDecide(township, { ...request, petition: false }, 'recheck')).toBeNull();
  });
});

describe('on an item', () => {
  it('a user holding two roles cannot grant the extension they asked for', () => {
    const both = actor('lh-1', U.va, ['lead', 'handler']);
    const s = storyAt('in_progress');
    s.do({ type: 'request_extension', newDeadline: '2026-03-31', reason: '等待材料' }, both, T.submit);
    const e = s.refused({ type: 'decide_extension', approve: true }, both, T.approve);
    expect(e).toMatchObject({ code: 'separation_of_duties', message: '不能审批本人提出的延期申请' });
    expect(e.allowed).not.toContain('decide_extension');
    expect(s.decide({ type: 'decide_extension', approve: true }, A.lead, T.approve).ok).toBe(true);
  });

  it('the approver of a sign-off cannot recheck it', () => {
    const sup = actor('lead-2', U.labor, ['lead', 'inspector']);
    const s = storyAt('submitted');
    s.do({ type: 'approve' }, sup, T.approve);
    const e = s.refused({ type: 'recheck', passed: true, findings: '到位' }, sup, T.recheck);
    expect(e).toMatchObject({ code: 'separation_of_duties', message: '已审批过该事项的人员不能办理其复核' });
    expect(s.decide({ type: 'recheck', passed: true, findings: '到位' }, A.inspector, T.recheck).ok).toBe(true);
  });

  it(`a petition item registered, assigned and approved in the township is not rechecked there — 000 §七 “${SEED_000_7}”`, () => {
    const townInspector = { ...actor('insp-t', U.labor, ['inspector']), level: 'township' };
    const s = petitionStory();
    s.do({ type: 'approve' }, A.lead, T.approve);
    expect(s.refused({ type: 'recheck', passed: true, findings: '到位' }, townInspector, T.recheck)).toMatchObject({
      code: 'separation_of_duties',
    });
    // The county (A.inspector sits in a county-level team) may; so may an office the campaign names.
    expect(s.decide({ type: 'recheck', passed: true, findings: '到位' }, A.inspector, T.recheck).ok).toBe(true);
    const named = new Story({ settings: { recheckRate: 1, petitionRecheckUnits: [U.labor] } });
    named.events = [...s.events];
    expect(named.decide({ type: 'recheck', passed: true, findings: '到位' }, townInspector, T.recheck).ok).toBe(true);
  });
});

describe('事事有回音: the petitioner is told at assignment, once verified, and on reopen', () => {
  const feedback = (es: { type: string; data: unknown }[]) =>
    es.filter((e) => e.type === 'ReporterFeedbackDue').map((e) => e.data as { outcome: string; text: string });

  it(`assignment, no word at sign-off, 已整改销号 at verification, again on reopen — 000 §七 “${SEED_000_7}”`, () => {
    const s = new Story({ settings: { recheckRate: 0 } });
    s.do(reportCmd({ source: 'petition' }), A.supervisor, T.report);
    const assigned = s.do(
      { type: 'assign', responsibleUnit: U.va, measures: '入户整改', mode: 'immediate', deadline: '2026-03-13' },
      A.lead,
      T.assign,
    );
    expect(feedback(assigned)).toEqual([
      expect.objectContaining({ outcome: 'assigned', text: expect.stringContaining('整改时限 2026-03-13') }),
    ]);
    s.do({ type: 'accept' }, A.handler, T.accept);
    s.do({ type: 'submit', summary: '已整改', evidence: ['f'] }, A.handler, T.submit);
    expect(feedback(s.do({ type: 'approve' }, A.lead, T.approve))).toEqual([]);
    const reopened = s.do({ type: 'recheck', passed: false, findings: '仍漏雨' }, A.inspector, T.recheck);
    expect(feedback(reopened)).toEqual([
      expect.objectContaining({ outcome: 'reopened', text: expect.stringContaining('重新交办整改') }),
    ]);
    s.do({ type: 'submit', summary: '已修缮', evidence: ['g'] }, A.handler, '2026-03-24T02:00:00.000Z');
    expect(feedback(s.do({ type: 'approve' }, A.lead, '2026-03-25T02:00:00.000Z'))).toEqual([]);
    const verified = s.do({ type: 'recheck', passed: true, findings: '到位' }, A.inspector, '2026-03-30T02:00:00.000Z');
    expect(feedback(verified)).toEqual([
      { outcome: 'verified', text: `您反映的问题「${s.state.title}」已整改销号。`, message: expect.anything() },
    ]);
  });

  it('a non-petition item tells nobody outside', () => {
    const s = storyAt('verified');
    expect(feedback(s.events)).toEqual([]);
  });
});

describe('月报: the office does not accept what it submitted', () => {
  const period: ReportPeriod = {
    period: '2026-03',
    title: '2026年3月',
    from: '2026-03-01',
    to: '2026-03-31',
    opensAt: '2026-03-01T00:00:00.000Z',
    dueOn: '2026-03-31',
    dueAt: '2026-03-31T15:59:59.999Z',
    dueProvisional: false,
  } as ReportPeriod;
  const narrative = { progress: '进展', problems: '问题', nextSteps: '计划' };
  const submitted = (): ReportState => {
    const d = decideReport(
      initialReport(),
      { type: 'submit', narrative, stats: {} as never },
      { now: '2026-03-30T01:00:00.000Z', actorId: 'office-user', period, as: 'unit' },
    );
    if (!d.ok) throw new Error(d.error.message);
    return d.events.reduce(evolveReport, initialReport());
  };
  const office = (actorId: string, actorUnitPath: string) => ({
    now: '2026-04-01T01:00:00.000Z',
    actorId,
    period,
    as: 'office' as const,
    actorUnitPath,
    unitPath: '/c/t/office/',
  });

  it('refuses the submitter, and anyone of the reporting office, and lets the level above accept', () => {
    const s = submitted();
    expect(decideReport(s, { type: 'accept' }, office('office-user', '/c/t/office/'))).toMatchObject({
      ok: false,
      error: { code: 'separation_of_duties', message: '不能审批本人提出的月报' },
    });
    expect(decideReport(s, { type: 'return', reason: 'x' }, office('colleague', '/c/t/office/'))).toMatchObject({
      ok: false,
      error: { code: 'separation_of_duties', message: '不能审核本单位报送的月报，应由上级或其他单位审核' },
    });
    expect(decideReport(s, { type: 'accept' }, office('county-sup', '/c/office/')).ok).toBe(true);
  });
});

function petitionStory(): Story {
  const s = new Story({ settings: { recheckRate: 0 } });
  s.do(reportCmd({ source: 'petition' }), A.supervisor, T.report);
  s.do({ type: 'assign', responsibleUnit: U.va, measures: '入户整改', mode: 'immediate' }, A.lead, T.assign);
  s.do({ type: 'accept' }, A.handler, T.accept);
  s.do({ type: 'submit', summary: '已整改', evidence: ['f'] }, A.handler, T.submit);
  return s;
}
