// Engine conformance scenarios, written once as data and run against every ItemEngine runtime.
//
// Time is relative: `day` counts calendar days from the scenario's base date (D0) and `time` is the
// Shanghai clock time; dates inside commands and expectations are written 'D+n'. A runtime whose
// clock cannot be set (Temporal's time-skipping server starts at the real now) runs the same
// scenario from a later base date. Scenarios count calendar days (workingDays: false) and avoid
// month boundaries (substantive progress, so no 快进快出), so their outcome does not depend on the base.
//
// Each step first lets time pass to its instant — the runtime fires whatever timers are due (the
// local sweep, or Temporal's durable timers) — then issues its command, if any, and checks:
// `refused` (the problem code, for a refusal) or the item's ledger row and the events added since
// the previous step, tagged `Type` or `Type:detail` (Escalated:<level>, ReminderIssued:<days|kind>).

import type { CampaignSettings, DomainErrorCode, ItemStatus } from '../../domain/item/types.ts';

/** `xfj`: the county's 信访局 inspector, who rechecks petition items (000 §七). */
export type ActorName = 'super' | 'lead' | 'h1' | 'h2' | 'insp' | 'viewer' | 'xfj';
/** Units by name: resolved to { id, path } of the test organisation. */
export type UnitName = '@office' | '@labour' | '@village1' | '@village2';

export interface Expectation {
  refused?: DomainErrorCode | 'version_conflict';
  status?: ItemStatus;
  version?: number;
  overdue?: boolean;
  escalationLevel?: number;
  flagged?: boolean;
  /** 'D+n' */
  deadline?: string;
  reopenCount?: number;
  /** Events added since the previous step, in order (tags as above). */
  events?: string[];
}

export interface Step {
  day: number;
  /** HH:MM in Shanghai; default 10:00. */
  time?: string;
  /** Who sends the command (default super); 'runtime': no user, as the notifier or the register. */
  as?: ActorName | 'runtime';
  /** An ItemCommand with 'D+n' dates, '@unit' names and '@item'/'@campaign' ids left to resolve. */
  command?: Record<string, unknown> & { type: string };
  ifMatch?: number;
  expect: Expectation;
}

export interface Scenario {
  name: string;
  settings: Partial<CampaignSettings>;
  steps: Step[];
}

export const calendarDays: Partial<CampaignSettings> = {
  workingDays: false,
  recheckRate: 0,
  recheckWindowDays: 30,
  remindBeforeDays: [3, 1],
  reopenDays: 10,
  noMeasuresWarningMonths: 12,
  escalationSteps: [
    { level: 1, afterDays: 0, target: 'handler' },
    { level: 2, afterDays: 3, target: 'unit_head' },
    { level: 3, afterDays: 5, target: 'supervisor' },
    { level: 4, afterDays: 10, target: 'flag' },
  ],
};

export const report = (source = 'screening') => ({
  type: 'report',
  itemId: '@item',
  campaignId: '@campaign',
  categoryId: null,
  source,
  title: '脱贫人口未参加城乡居民医保',
  description: '朝阳村王某户脱贫人口未参保',
  person: null,
  location: '朝阳村',
  reportingUnit: '@office',
  ownerUnit: '@office',
  leadUnit: '@labour',
});
export const assign = (deadline: string) => ({
  type: 'assign',
  responsibleUnit: '@village1',
  measures: '动员参保，落实分类资助',
  mode: 'immediate',
  deadline,
});

export const SCENARIOS: Scenario[] = [
  {
    name: 'refusals, problem codes and If-Match, all at one instant',
    settings: calendarDays,
    steps: [
      { day: 0, as: 'super', command: report(), expect: { status: 'reported', version: 1, events: ['ItemReported'] } },
      { day: 0, as: 'super', command: report(), expect: { refused: 'invalid_transition' } },
      { day: 0, as: 'h1', command: { type: 'accept' }, expect: { refused: 'invalid_transition' } },
      {
        day: 0,
        as: 'lead',
        command: {
          type: 'assign',
          responsibleUnit: '@village1',
          measures: '分阶段推进',
          mode: 'phased',
          deadline: 'D+30',
        },
        expect: { refused: 'validation' },
      },
      { day: 0, as: 'lead', command: assign('D-1'), expect: { refused: 'validation' } },
      { day: 0, as: 'h1', command: assign('D+10'), expect: { refused: 'forbidden' } },
      {
        day: 0,
        as: 'lead',
        command: assign('D+10'),
        expect: { status: 'assigned', version: 2, deadline: 'D+10', events: ['ItemAssigned'] },
      },
      { day: 0, as: 'h2', command: { type: 'accept' }, expect: { refused: 'forbidden' } },
      { day: 0, as: 'h1', command: { type: 'accept' }, ifMatch: 1, expect: { refused: 'version_conflict' } },
      {
        day: 0,
        as: 'h1',
        command: { type: 'accept' },
        ifMatch: 2,
        expect: { status: 'in_progress', version: 3, events: ['ItemAccepted'] },
      },
      {
        day: 0,
        as: 'h1',
        command: { type: 'submit', summary: '已参保', evidence: [] },
        expect: { refused: 'validation' },
      },
      { day: 0, as: 'viewer', command: { type: 'comment', text: '请加快' }, expect: { refused: 'forbidden' } },
      { day: 0, as: 'h1', command: { type: 'approve' }, expect: { refused: 'invalid_transition' } },
      {
        day: 0,
        as: 'super',
        command: { type: 'comment', text: '请加快进度' },
        expect: { status: 'in_progress', version: 4, events: ['CommentAdded'] },
      },
    ],
  },
  {
    // The village cadre opened the item at version 3; the notifier then recorded the notice of its assignment.
    name: 'an If-Match survives the record of a notice, not a change',
    settings: calendarDays,
    steps: [
      { day: 0, as: 'super', command: report(), expect: { version: 1 } },
      { day: 0, as: 'lead', command: assign('D+10'), expect: { version: 2 } },
      { day: 0, as: 'h1', command: { type: 'accept' }, ifMatch: 2, expect: { version: 3 } },
      {
        day: 0,
        as: 'runtime',
        command: {
          type: 'record_notice',
          notices: [{ causeSeq: 2, kind: 'assigned', recipients: [], channels: ['inbox'] }],
        },
        expect: { version: 4, events: ['NoticeSent'] },
      },
      {
        day: 0,
        as: 'h1',
        command: { type: 'record_progress', note: '已入户动员', substantive: true },
        ifMatch: 3,
        expect: { version: 5, events: ['ProgressRecorded'] },
      },
      // Seen before the progress report (a change): stale. Never reached: stale.
      {
        day: 0,
        as: 'h1',
        command: { type: 'comment', text: '补充' },
        ifMatch: 4,
        expect: { refused: 'version_conflict' },
      },
      {
        day: 0,
        as: 'h1',
        command: { type: 'comment', text: '补充' },
        ifMatch: 6,
        expect: { refused: 'version_conflict' },
      },
    ],
  },
  {
    name: 'sign-off with a rejection, then the recheck window elapses a month later',
    settings: calendarDays,
    steps: [
      { day: 0, as: 'super', command: report(), expect: { status: 'reported' } },
      { day: 0, time: '11:00', as: 'lead', command: assign('D+10'), expect: { status: 'assigned', deadline: 'D+10' } },
      { day: 1, as: 'h1', command: { type: 'accept' }, expect: { status: 'in_progress', events: ['ItemAccepted'] } },
      {
        day: 2,
        as: 'h1',
        command: { type: 'record_progress', note: '已入户动员', substantive: true },
        expect: { events: ['ProgressRecorded'] },
      },
      {
        day: 3,
        as: 'h1',
        command: { type: 'submit', summary: '已参保', evidence: ['缴费凭证.jpg'] },
        expect: { status: 'submitted' },
      },
      { day: 3, time: '15:00', as: 'h1', command: { type: 'approve' }, expect: { refused: 'forbidden' } },
      {
        day: 3,
        time: '16:00',
        as: 'lead',
        command: { type: 'reject', reason: '佐证不全' },
        expect: { status: 'in_progress', events: ['ItemRejected'] },
      },
      {
        day: 4,
        as: 'h1',
        command: { type: 'submit', summary: '已参保并补充凭证', evidence: ['缴费凭证2.jpg'] },
        expect: { status: 'submitted' },
      },
      // Submitted items wait for review; the deadline passing meanwhile is not "overdue".
      // Eight days in review: past the campaign's review limit (5 days), so the review reminder falls due first.
      {
        day: 12,
        as: 'lead',
        command: { type: 'approve' },
        expect: { status: 'closed', overdue: false, events: ['ReminderIssued:review_waiting', 'ItemApproved'] },
      },
      { day: 42, expect: { status: 'closed', events: [] } },
      { day: 43, expect: { status: 'verified', events: ['ItemVerified'] } },
      { day: 120, expect: { status: 'verified', events: [] } },
    ],
  },
  {
    name: 'overdue escalates step by step over months, an extension starts the clock again',
    settings: calendarDays,
    steps: [
      { day: 0, as: 'super', command: report(), expect: { status: 'reported' } },
      { day: 0, time: '11:00', as: 'lead', command: assign('D+10'), expect: { deadline: 'D+10' } },
      { day: 1, as: 'h1', command: { type: 'accept' }, expect: { status: 'in_progress' } },
      { day: 7, time: '12:00', expect: { events: ['ReminderIssued:3'], overdue: false } },
      { day: 9, time: '12:00', expect: { events: ['ReminderIssued:1'] } },
      { day: 10, time: '23:00', expect: { events: [], overdue: false } },
      {
        day: 11,
        time: '12:00',
        expect: { events: ['DeadlineMissed', 'Escalated:1'], overdue: true, escalationLevel: 1 },
      },
      { day: 14, time: '12:00', expect: { events: ['Escalated:2'], escalationLevel: 2 } },
      { day: 20, time: '12:00', expect: { events: ['Escalated:3'], escalationLevel: 3, flagged: false } },
      { day: 100, expect: { events: ['Escalated:4', 'ItemFlagged'], escalationLevel: 4, flagged: true } },
      {
        day: 100,
        time: '11:00',
        as: 'h1',
        command: { type: 'request_extension', newDeadline: 'D+130', reason: '农户外出务工，需待返乡' },
        expect: { events: ['ExtensionRequested'] },
      },
      {
        day: 101,
        as: 'lead',
        command: { type: 'decide_extension', approve: true },
        expect: { events: ['ExtensionDecided'], deadline: 'D+130', overdue: false, escalationLevel: 0, flagged: true },
      },
      {
        day: 131,
        time: '12:00',
        expect: {
          events: ['ReminderIssued:3', 'ReminderIssued:1', 'DeadlineMissed', 'Escalated:1'],
          overdue: true,
          escalationLevel: 1,
        },
      },
    ],
  },
  {
    name: 'petition: recheck is mandatory, a failed recheck reopens (反弹) with a new deadline',
    settings: calendarDays,
    steps: [
      { day: 0, as: 'super', command: report('petition'), expect: { status: 'reported' } },
      { day: 0, time: '11:00', as: 'lead', command: assign('D+10'), expect: { status: 'assigned' } },
      { day: 1, as: 'h1', command: { type: 'accept' }, expect: { status: 'in_progress' } },
      {
        day: 2,
        as: 'h1',
        command: { type: 'record_progress', note: '已办理参保', substantive: true },
        expect: { events: ['ProgressRecorded'] },
      },
      {
        day: 3,
        as: 'h1',
        command: { type: 'submit', summary: '已参保', evidence: ['缴费凭证.jpg'] },
        expect: { status: 'submitted' },
      },
      {
        day: 3,
        time: '15:00',
        as: 'lead',
        command: { type: 'approve' },
        // 事事有回音: the petitioner hears 已整改销号 once verified, not at sign-off.
        expect: { status: 'closed', events: ['ItemApproved', 'RecheckScheduled'] },
      },
      { day: 40, expect: { status: 'closed', events: ['ReminderIssued:recheck_due'] } },
      {
        day: 40,
        time: '11:00',
        as: 'h1',
        command: { type: 'recheck', passed: false, findings: '回访发现未缴费' },
        expect: { refused: 'forbidden' },
      },
      {
        day: 40,
        time: '12:00',
        as: 'insp',
        command: { type: 'recheck', passed: false, findings: '回访发现未缴费' },
        expect: { refused: 'separation_of_duties' }, // the township's inspection office: not for a petition item
      },
      {
        day: 40,
        time: '12:30',
        as: 'xfj',
        command: { type: 'recheck', passed: false, findings: '回访发现未缴费' },
        expect: {
          status: 'in_progress',
          reopenCount: 1,
          deadline: 'D+50',
          events: ['RecheckFailed', 'ItemReopened', 'ReporterFeedbackDue'],
        },
      },
      {
        day: 51,
        time: '12:00',
        expect: { events: ['ReminderIssued:3', 'ReminderIssued:1', 'DeadlineMissed', 'Escalated:1'], overdue: true },
      },
      {
        day: 52,
        as: 'h1',
        command: { type: 'submit', summary: '已补缴', evidence: ['补缴凭证.jpg'] },
        expect: { status: 'submitted' },
      },
      {
        day: 53,
        as: 'lead',
        command: { type: 'approve' },
        // 事事有回音: the petitioner hears 已整改销号 once verified, not at sign-off.
        expect: { status: 'closed', events: ['ItemApproved', 'RecheckScheduled'] },
      },
      {
        day: 54,
        as: 'xfj',
        command: { type: 'recheck', passed: true, findings: '复核属实' },
        expect: { status: 'verified', events: ['RecheckPassed', 'ItemVerified', 'ReporterFeedbackDue'] },
      },
      { day: 200, expect: { status: 'verified', events: [] } },
    ],
  },
];

/** A scenario that only needs its steps at one instant runs on a server whose clock cannot be moved. */
export const needsTimeSkipping = (s: Scenario) =>
  s.steps.some((step) => step.day !== 0 || (step.time ?? '10:00') !== '10:00');
