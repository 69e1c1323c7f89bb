// Which events concern people, who (as roles in the org tree, resolved to users at send time) and
// what they are told. Pure: the notifier resolves audiences and delivers; this only decides.
import { shanghaiDate } from '../calendar/calendar.ts';
import { closedWord, render } from '../messages/index.ts';
import type { ItemEvent, ItemEventType, ItemState, NoticeKind } from '../item/types.ts';
import { truncate } from '../text.ts';

/**
 * Who to tell, relative to the item:
 * - responsible_handlers: handlers of the responsible unit (责任单位经办人)
 * - unit_head: the responsible unit's head (负责人)
 * - assigning_unit: leads and supervisors of the unit of whoever assigned the item (交办单位)
 * - reviewers: leads of the category's lead unit (牵头责任部门), else the campaign office's supervisors
 * - supervising_office: supervisors of the campaign office (督查/乡村振兴办)
 * - inspectors: inspectors whose scope covers the responsible unit, not of that unit (验收组)
 * - petitioner: the person who reported a petition/hotline item, by SMS (事事有回音)
 */
export type Audience =
  | 'responsible_handlers'
  | 'unit_head'
  | 'assigning_unit'
  | 'reviewers'
  | 'supervising_office'
  | 'inspectors'
  | 'petitioner';

interface NoticeSpec {
  kind: NoticeKind;
  audiences: Audience[];
  title: string;
  body: string;
}

/** Event types that may produce a notice; the engine writes only these to the outbox. */
export const NOTIFYING_EVENTS: ReadonlySet<ItemEventType> = new Set<ItemEventType>([
  'ItemAssigned',
  'ItemTransferred',
  'ReminderIssued',
  'DeadlineMissed',
  'Escalated',
  'ItemFlagged',
  'ExtensionDecided',
  'ItemRejected',
  'ItemReopened',
  'ReporterFeedbackDue',
  'ObjectionFiled',
]);

const ESCALATION_AUDIENCE: Record<'handler' | 'unit_head' | 'supervisor' | 'flag', Audience[]> = {
  handler: ['responsible_handlers', 'assigning_unit'],
  unit_head: ['unit_head', 'responsible_handlers', 'assigning_unit'],
  supervisor: ['supervising_office', 'unit_head', 'assigning_unit'],
  flag: ['supervising_office', 'unit_head', 'responsible_handlers', 'assigning_unit'],
};
const ESCALATION_LABEL = {
  handler: '催办',
  unit_head: '督办（单位负责人）',
  supervisor: '督办（督查考评办）',
  flag: '挂牌督办',
} as const;

/** The notice an event causes, given the item state right after it; null when nobody needs telling. */
export function noticeFor(event: ItemEvent, state: ItemState): NoticeSpec | null {
  const t = `「${state.title}」`;
  const deadline = state.deadline ? `整改时限 ${state.deadline}` : '';
  switch (event.type) {
    case 'ItemAssigned':
      return {
        kind: 'assigned',
        audiences: ['responsible_handlers'],
        title: `【交办】${t}`,
        body: `${t}已交办贵单位，请及时签收并落实整改措施：${event.data.measures}。${deadline}。`,
      };
    case 'ItemTransferred':
      return {
        kind: 'transferred',
        audiences: ['responsible_handlers'],
        title: `【转办】${t}`,
        body: `${t}已转办贵单位（原因：${event.data.reason}），请及时签收。${deadline}。`,
      };
    case 'ReminderIssued':
      if (event.data.kind === 'deadline_approaching') {
        const d = event.data.daysBefore ?? 0;
        return {
          kind: 'deadline_approaching',
          audiences: ['responsible_handlers'],
          title: `【催办】${t}距整改时限还有${d}天`,
          body: `${t}将于 ${state.deadline} 到期，请抓紧整改并及时申请销号。`,
        };
      }
      if (event.data.kind === 'supervision_approaching' || event.data.kind === 'supervision_overdue') {
        const level = state.supervision?.level === 'duban' ? '督办' : '挂牌督办';
        const due = state.supervision?.dueOn ?? '';
        return {
          kind: 'supervision_due',
          audiences: ['responsible_handlers', 'unit_head', 'assigning_unit'],
          title:
            event.data.kind === 'supervision_overdue'
              ? `【${level}逾期】${t}已超过督办时限`
              : `【${level}】${t}距督办时限还有${event.data.daysBefore ?? 0}天`,
          body:
            event.data.kind === 'supervision_overdue'
              ? `${t}督办时限 ${due} 已过，尚未办结，请立即整改并报告。`
              : `${t}督办时限为 ${due}，请按期办结并报告督办单位。`,
        };
      }
      if (event.data.kind === 'review_waiting') {
        return {
          kind: 'review_waiting',
          audiences: ['reviewers'],
          title: `【待审核】${t}销号申请等待审核`,
          body: `${t}于 ${state.submittedAt ? shanghaiDate(state.submittedAt) : ''} 申请销号，已超过审核时限，请尽快审核。`,
        };
      }
      return {
        kind: 'recheck_due',
        audiences: ['inspectors', 'supervising_office'],
        title: `【复核】${t}待复核`,
        body: `${t}已销号，请于 ${state.recheck ? shanghaiDate(state.recheck.dueBy) : '时限内'} 前完成复核。`,
      };
    case 'DeadlineMissed':
      return {
        kind: 'deadline_missed',
        audiences: ['responsible_handlers', 'assigning_unit'],
        title: `【逾期】${t}已超过整改时限`,
        body: `${t}整改时限 ${event.data.deadline} 已过，尚未申请销号，请立即整改。`,
      };
    case 'Escalated': {
      const target = event.data.target;
      return {
        kind: 'escalated',
        audiences: ESCALATION_AUDIENCE[target],
        title: `【${ESCALATION_LABEL[target]}】${t}逾期未整改（第${event.data.level}级）`,
        body: `${t}整改时限 ${state.deadline} 已过，按规定升级${ESCALATION_LABEL[target]}，请责任单位立即整改，交办单位跟踪督促。`,
      };
    }
    case 'ItemFlagged': {
      // A flag by escalation is told by its Escalated event.
      if (event.data.byEscalation) return null;
      const level = event.data.level === 'duban' ? '督办' : '挂牌督办';
      return {
        kind: 'flagged',
        audiences: ['unit_head', 'responsible_handlers', 'assigning_unit'],
        title: `【${level}】${t}`,
        body: `${t}已${level}：${event.data.reason}。${event.data.dueOn ? `督办时限 ${event.data.dueOn}。` : ''}`,
      };
    }
    case 'ExtensionDecided':
      return {
        kind: 'extension_decided',
        audiences: ['responsible_handlers'],
        title: event.data.approved ? `【延期已批准】${t}` : `【延期未批准】${t}`,
        body: event.data.approved
          ? `${t}延期申请已批准，新的整改时限为 ${event.data.newDeadline}。`
          : `${t}延期申请未获批准，请按原时限 ${state.deadline} 完成整改。${event.data.note ?? ''}`,
      };
    case 'ItemRejected':
      return {
        kind: 'rejected',
        audiences: ['responsible_handlers'],
        title: `【退回】${t}销号申请被退回`,
        body: `${t}销号申请被退回：${event.data.reason}。请继续整改后重新申请。`,
      };
    case 'ItemReopened':
      return {
        kind: 'reopened',
        audiences: ['responsible_handlers', 'unit_head', 'assigning_unit'],
        title: `【反弹】${t}复核未通过`,
        body: `${t}复核未通过，已重新整改，整改时限 ${event.data.deadline}。`,
      };
    case 'ObjectionFiled': {
      // The sign-off waits for the answer (公示 holds it): those who may answer are told at once.
      const text = truncate(event.data.text, 80);
      return {
        kind: 'objection_filed',
        audiences: ['reviewers', 'supervising_office'],
        title: `【公示异议】${t}`,
        body: `${t}销号公示期间收到群众异议：“${text}”。异议答复前销号不生效，请核实后在系统中答复。`,
      };
    }
    case 'ReporterFeedbackDue':
      return {
        kind: 'reporter_feedback',
        audiences: ['petitioner'],
        title: '【回音】问题办理结果',
        body: event.data.text,
      };
    default:
      return null;
  }
}

const CLOSED = new Set(['closed', 'verified', 'dismissed']);

/**
 * Whether a notice is still worth sending at `now` (a message held for quiet hours or a rate limit is
 * decided when it goes out): null if its cause still holds, else the reason it no longer does (worded
 * by the message catalogue: it is shown to the administrator beside the cancelled delivery).
 * `then` is the item right after the cause event, `current` the item now. Notices of facts (an
 * extension decided, a rejection, a reopening, the petitioner's answer) always hold.
 */
export function causeGone(event: ItemEvent, then: ItemState, current: ItemState): string | null {
  const closed = CLOSED.has(current.status)
    ? render({ code: 'cause_gone.closed', params: { status: closedWord(current.status) } })
    : null;
  const deadlineMoved =
    current.deadline !== then.deadline
      ? render({
          code: 'cause_gone.deadline_moved',
          params: { from: then.deadline ?? '—', to: current.deadline ?? '—' },
        })
      : null;
  const moved =
    (current.responsibleUnit?.id ?? null) !== (then.responsibleUnit?.id ?? null)
      ? render({ code: 'cause_gone.moved' })
      : null;
  const submitted = render({ code: 'cause_gone.submitted' });
  switch (event.type) {
    case 'ItemAssigned':
    case 'ItemTransferred':
    case 'ItemFlagged':
      return closed ?? moved;
    case 'ObjectionFiled': {
      // Still open only while the 公示 that received it holds it unanswered (an upheld one ends the 公示).
      const o = current.publicNotice?.objections.find((x) => x.id === event.data.objectionId);
      return closed ?? (o && o.resolution === null ? null : render({ code: 'cause_gone.objection_answered' }));
    }
    case 'DeadlineMissed':
    case 'Escalated':
      return closed ?? (current.status === 'submitted' ? submitted : null) ?? deadlineMoved ?? moved;
    case 'ReminderIssued':
      if (event.data.kind === 'deadline_approaching') {
        return (
          closed ??
          (current.status === 'submitted' ? submitted : null) ??
          deadlineMoved ??
          moved ??
          // Held (quiet hours, downtime) past the deadline: "还有N天" is no longer true; the overdue notice tells.
          (current.overdue ? render({ code: 'cause_gone.deadline_passed' }) : null)
        );
      }
      if (event.data.kind === 'supervision_approaching' || event.data.kind === 'supervision_overdue') {
        return (
          closed ??
          (!current.flagged || current.supervision?.dueOn !== then.supervision?.dueOn
            ? 'the 督办 was lifted or its deadline changed'
            : null) ??
          moved
        );
      }
      if (event.data.kind === 'review_waiting') {
        return current.status !== 'submitted' || current.submittedAt !== then.submittedAt
          ? render({ code: 'cause_gone.reviewed' })
          : null;
      }
      return current.recheck === null || current.recheck.dueBy !== then.recheck?.dueBy
        ? current.status === 'dismissed'
          ? closed
          : render({ code: 'cause_gone.recheck_done' })
        : null;
    default:
      return null;
  }
}
