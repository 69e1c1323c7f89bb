// Rule 7 of issue 17 — seed 000 §七:
// “按“一单四制”要求,高质量处置答复群众信访诉求,全面建立县乡村三级涉贫信访台账,严格实行台账管理、销号管理、跟踪督办和复核制度,
//  特别是涉及到乡村的涉贫信访问题,由县牵头组织复核”
// A campaign sets the chain a sign-off (销号) passes by level — village applies → township lead office
// reviews → county office confirms, the county step only for serious or petition items — each step its
// own decision by its own person.
//
// 公示 — seed 000 §八: “扎实推进“互联网+监督”,……乡村两级扶贫项目安排和资金使用情况一律公告公示,接受群众和社会监督”
// Before a sign-off takes effect the campaign may require a public notice of N working days; an objection
// (异议) holds the sign-off until a reviewer answers it; the period's end is an event either way.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, nextWake, type SignOffStep, tickEvents } from '../../domain/item/index.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { causeGone, noticeFor } from '../../domain/notice/derive.ts';
import { A, actor, reportCmd, Story, storyAt, T, U } from './support/fixtures.ts';

const countyOffice = { id: 'cty-office', path: '/c/cty-office/' };
const countySup = actor('sup-county', countyOffice, ['supervisor']);
const CHAIN: SignOffStep[] = [
  { id: 'township', name: '镇牵头部门审核', roles: ['lead', 'supervisor'] },
  { id: 'county', name: '县级复核确认', roles: ['supervisor'], unit: countyOffice, onlyFor: 'serious' },
];

/** An item of `source` brought to submitted under `settings`. */
function submitted(settings: object, source = 'screening') {
  const s = new Story({ settings: { recheckRate: 1, ...settings } });
  s.do(reportCmd({ source: source as never }), A.supervisor, T.report);
  s.do(
    { type: 'assign', responsibleUnit: U.va, measures: '入户鉴定，落实危房改造', mode: 'immediate' },
    A.lead,
    T.assign,
  );
  s.do({ type: 'accept' }, A.handler, T.accept);
  s.do({ type: 'record_progress', note: '已改造', substantive: true }, A.handler, T.progress);
  s.do({ type: 'submit', summary: '已完成加固改造', evidence: ['file-photo', 'file-2'] }, A.handler, T.submit);
  return s;
}

describe('000 §七 销号 by level', () => {
  it('without a chain the one review closes the item exactly as before', () => {
    const s = storyAt('submitted');
    expect(s.do({ type: 'approve' }, A.lead, T.approve).map((e) => e.type)).toEqual([
      'ItemApproved',
      'RecheckScheduled',
    ]);
    expect(s.state).not.toHaveProperty('signOff');
  });

  it('an ordinary item passes the township step only; the step is its own event, then the item closes', () => {
    const s = submitted({ signOffChain: CHAIN });
    const events = s.do({ type: 'approve', note: '佐证齐全' }, A.lead, T.approve);
    expect(events.map((e) => e.type)).toEqual(['SignOffStepApproved', 'ItemApproved', 'RecheckScheduled']);
    expect(events[0]).toMatchObject({ actorId: 'lead-1', data: { stepId: 'township', step: '镇牵头部门审核' } });
    expect(s.state).toMatchObject({ status: 'closed', closedBy: 'lead-1' });
  });

  it('a petition item waits for the county office after the township; each step by its own level and person', () => {
    const s = submitted({ signOffChain: CHAIN }, 'petition');
    expect(s.do({ type: 'approve' }, A.lead, T.approve).map((e) => e.type)).toEqual(['SignOffStepApproved']);
    expect(s.state).toMatchObject({
      status: 'submitted',
      signOff: { approvals: [{ stepId: 'township', by: 'lead-1' }] },
    });
    // the township office is not the county level; the lead has not the step's role
    expect(s.refused({ type: 'approve' }, A.supervisor, T.approve)).toMatchObject({ code: 'forbidden' });
    expect(s.refused({ type: 'approve' }, A.lead, T.approve).code).toBe('forbidden');
    const events = s.do({ type: 'approve', note: '县级确认' }, countySup, T.approve);
    expect(events.map((e) => e.type)).toContain('ItemApproved');
    expect(events[0]).toMatchObject({ type: 'SignOffStepApproved', actorId: 'sup-county', data: { stepId: 'county' } });
    expect(s.state).toMatchObject({ status: 'closed', closedBy: 'sup-county' });
  });

  it('separation of duties: no one decides two steps of one sign-off, nor their own submission', () => {
    // a county supervisor who is also a lead reaches both steps by scope; they may take one of them
    const both = actor('both', U.county, ['lead', 'supervisor']);
    const s = submitted({ signOffChain: [CHAIN[0]!, { ...CHAIN[1]!, unit: U.county }] }, 'petition');
    s.do({ type: 'approve' }, both, T.approve);
    expect(s.refused({ type: 'approve' }, both, T.approve)).toMatchObject({ code: 'separation_of_duties' });
    expect(s.refused({ type: 'reject', reason: '不同意' }, both, T.approve).code).toBe('separation_of_duties');
  });

  it('a return at any step sends the item back and the next submission starts the chain over', () => {
    const s = submitted({ signOffChain: CHAIN }, 'petition');
    s.do({ type: 'approve' }, A.lead, T.approve);
    s.do({ type: 'reject', reason: '信访人仍不满意' }, countySup, T.approve);
    expect(s.state.status).toBe('in_progress');
    expect(s.state).not.toHaveProperty('signOff');
    s.do({ type: 'submit', summary: '再次入户', evidence: ['file-3'] }, A.handler, T.approve);
    expect(s.refused({ type: 'approve' }, countySup, T.approve).code).toBe('forbidden'); // township first
  });
});

describe('000 §八 公示 before the sign-off takes effect', () => {
  const PUBLIC = { publicSide: { enabled: true, noticeWorkingDays: 5 } };
  const env = {
    settings: { ...DEFAULT_SETTINGS, recheckRate: 1, ...PUBLIC },
    calendar: OFFICIAL_CALENDAR,
  };

  it('the last step starts a notice of N working days with the photos the office chose; the item waits', () => {
    const s = submitted(PUBLIC);
    const bad = s.refused({ type: 'approve', publicEvidence: ['not-on-item'] }, A.lead, T.approve);
    expect(bad).toMatchObject({ code: 'validation', field: 'publicEvidence' });
    const events = s.do({ type: 'approve', publicEvidence: ['file-photo'] }, A.lead, T.approve);
    expect(events.map((e) => e.type)).toEqual(['SignOffStepApproved', 'PublicNoticeStarted']);
    // Fri 2026-03-06 + 5 working days = Fri 03-13
    expect(events[1]!.data).toEqual({
      endsOn: '2026-03-13',
      endsAt: '2026-03-13T16:00:00.000Z',
      provisional: false,
      evidence: ['file-photo'],
    });
    expect(s.state.status).toBe('submitted');
    expect(s.refused({ type: 'approve' }, A.supervisor, T.approve).code).toBe('invalid_transition');
    expect(nextWake(s.state, env)).toBe('2026-03-13T16:00:00.000Z');
  });

  it("the notice's end without objections is an event and the sign-off takes effect (the reviewer's)", () => {
    const s = submitted(PUBLIC);
    s.do({ type: 'approve' }, A.lead, T.approve);
    expect(tickEvents(s.state, '2026-03-13T15:59:59.000Z', null, env)).toEqual([]);
    const events = tickEvents(s.state, '2026-03-13T16:00:00.000Z', null, env);
    expect(events.map((e) => e.type)).toEqual(['PublicNoticeEnded', 'ItemApproved', 'RecheckScheduled']);
    expect(events[0]!.data).toEqual({ objections: 0, open: 0 });
    s.events.push(...events);
    expect(s.state).toMatchObject({ status: 'closed', closedBy: 'lead-1' });
  });

  it('an objection holds the sign-off past the end; answered as not upheld, the item closes', () => {
    const s = submitted(PUBLIC);
    s.do({ type: 'approve' }, A.lead, T.approve);
    expect(s.refused({ type: 'file_objection', objectionId: 'o1', text: '' }, null, T.recheck)).toMatchObject({
      code: 'validation',
      field: 'text',
    });
    expect(
      s.refused({ type: 'file_objection', objectionId: 'o1', text: '异'.repeat(1001) }, null, T.approve).field,
    ).toBe('text');
    expect(s.refused({ type: 'file_objection', objectionId: 'o1', text: '漏雨' }, A.handler, T.approve).code).toBe(
      'forbidden',
    );
    s.do({ type: 'file_objection', objectionId: 'o1', text: '房屋仍漏雨' }, null, '2026-03-09T02:00:00.000Z');
    const ended = tickEvents(s.state, '2026-03-14T00:00:00.000Z', null, env);
    expect(ended.map((e) => e.type)).toEqual(['PublicNoticeEnded']);
    expect(ended[0]!.data).toEqual({ objections: 1, open: 1 });
    s.events.push(...ended);
    expect(s.state.status).toBe('submitted');
    expect(nextWake(s.state, env)).toBeNull();
    // after the end no new objection; the submitter cannot answer one
    expect(s.refused({ type: 'file_objection', objectionId: 'o2', text: '再提' }, null, T.recheck).code).toBe(
      'invalid_transition',
    );
    expect(
      s.refused({ type: 'resolve_objection', objectionId: 'o1', upheld: false, note: 'x' }, A.handler, T.recheck).code,
    ).toBe('forbidden');
    const done = s.do(
      { type: 'resolve_objection', objectionId: 'o1', upheld: false, note: '经入户核实已修缮' },
      A.lead,
      '2026-03-16T02:00:00.000Z',
    );
    expect(done.map((e) => e.type)).toEqual(['ObjectionResolved', 'ItemApproved', 'RecheckScheduled']);
    expect(s.state.status).toBe('closed');
  });

  it('an objection is told at once to those who may answer it, and the notice lapses once it is answered', () => {
    const s = submitted(PUBLIC);
    s.do({ type: 'approve' }, A.lead, T.approve);
    const [filed] = s.do(
      { type: 'file_objection', objectionId: 'o1', text: '房屋仍漏雨' },
      null,
      '2026-03-09T02:00:00.000Z',
    );
    const then = s.state;
    const notice = noticeFor(filed!, then);
    expect(notice).toMatchObject({ kind: 'objection_filed', audiences: ['reviewers', 'supervising_office'] });
    expect(notice!.title).toContain('公示异议');
    expect(notice!.body).toContain('房屋仍漏雨');
    // held (quiet hours) while nobody answered: still worth sending; answered meanwhile: not
    expect(causeGone(filed!, then, s.state)).toBeNull();
    s.do({ type: 'resolve_objection', objectionId: 'o1', upheld: true, note: '属实' }, A.lead, T.recheck);
    expect(causeGone(filed!, then, s.state)).toBe('该异议已答复');
  });

  it('an upheld objection returns the sign-off to the unit', () => {
    const s = submitted(PUBLIC);
    s.do({ type: 'approve' }, A.lead, T.approve);
    s.do({ type: 'file_objection', objectionId: 'o1', text: '房屋仍漏雨' }, null, '2026-03-09T02:00:00.000Z');
    const r = s.do({ type: 'resolve_objection', objectionId: 'o1', upheld: true, note: '属实' }, A.lead, T.recheck);
    expect(r.map((e) => e.type)).toEqual(['ObjectionResolved', 'ItemRejected']);
    expect(s.state.status).toBe('in_progress');
    expect(s.state).not.toHaveProperty('publicNotice');
  });

  it('a public side switched off means no 公示, whatever the days say', () => {
    const s = submitted({ publicSide: { enabled: false, noticeWorkingDays: 7 } });
    expect(s.do({ type: 'approve' }, A.lead, T.approve).map((e) => e.type)).toContain('ItemApproved');
  });
});
