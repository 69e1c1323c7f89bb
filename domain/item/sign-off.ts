// 销号 by level (000 §七: 县乡村三级 … 销号管理): the chain of reviews a sign-off passes, and the public
// notice period (公示, 000 §八: 一律公告公示,接受群众和社会监督) before it takes effect.
//
// Documented choices:
// - No chain in the settings = one review by a lead or supervisor in the item's scope (as before), and
//   that review is ItemApproved alone. A configured chain records every step as SignOffStepApproved,
//   each by its own person; the last step closes the item (ItemApproved), or starts the 公示 when the
//   campaign asks for one.
// - A step with `onlyFor: 'serious'` applies to petition/hotline items and items ever put under 督办.
// - During the 公示 an open objection (异议) holds the sign-off: the period still ends on its day (an
//   event either way), and the item closes only when no objection is open. An upheld objection sends
//   the item back to the unit as a return (退回).
import { mayDecide } from '../access/duties.ts';
import { inItemScope, within } from '../access/scope.ts';
import { addDays, endOfDay } from '../calendar/calendar.ts';
import type { CalendarData } from '../calendar/calendar.ts';
import { fastInFastOut } from './quality.ts';
import { recheckReason } from './recheck.ts';
import type { Actor, CampaignSettings, ItemEvent, ItemState, SignOffStep } from './types.ts';

/** Today's single review, when the campaign sets no chain. */
const DEFAULT_STEP: SignOffStep = { id: 'review', name: '审核销号', roles: ['lead', 'supervisor'] };

const isSerious = (s: ItemState) => s.source === 'petition' || s.source === 'hotline' || !!s.everFlagged || s.flagged;

/** The steps this item's sign-off passes (the chain filtered by what the item is). */
export function chainFor(s: ItemState, settings: CampaignSettings): SignOffStep[] {
  const chain = settings.signOffChain?.length ? settings.signOffChain : [DEFAULT_STEP];
  return chain.filter((step) => step.onlyFor !== 'serious' || isSerious(s));
}

export const hasChain = (settings: CampaignSettings) => (settings.signOffChain?.length ?? 0) > 0;

/** The step waiting for a decision, or null when the chain is done (公示 running) or nothing is submitted. */
export function currentStep(s: ItemState, settings: CampaignSettings): SignOffStep | null {
  if (s.status !== 'submitted' || s.publicNotice) return null;
  return chainFor(s, settings)[s.signOff?.approvals.length ?? 0] ?? null;
}

/** Working days of 公示 before a sign-off takes effect; 0 when none (or the public side is off). */
export function noticeDays(settings: CampaignSettings): number {
  const p = settings.publicSide;
  return p?.enabled && p.noticeWorkingDays > 0 ? p.noticeWorkingDays : 0;
}

/** Whether approving now (the chain's last step waiting) starts the 公示: then the reviewer chooses its photos. */
export function approvalStartsNotice(s: ItemState, settings: CampaignSettings): boolean {
  const step = currentStep(s, settings);
  return step !== null && step.id === chainFor(s, settings).at(-1)?.id && noticeDays(settings) > 0;
}

export interface StepRefusal {
  code: 'forbidden' | 'separation_of_duties';
  message: string;
}

/**
 * May this actor decide (approve or return) the current step? Role and level first, then separation of
 * duties: nobody signs off their own submission, and no one decides two steps of the same sign-off.
 * (The duty half is one call so that a shared duty policy can take it over.)
 */
export function stepRefusal(s: ItemState, actor: Actor, step: SignOffStep): StepRefusal | null {
  if (!step.roles.some((r) => actor.roles.includes(r)))
    return { code: 'forbidden', message: `the step ${step.name} is for ${step.roles.join(' or ')}` };
  const inLevel = step.unit ? within(actor.unitPath, step.unit.path) : inItemScope(s, actor);
  if (!inLevel)
    return {
      code: 'forbidden',
      message: step.unit
        ? `the step ${step.name} is decided by unit ${step.unit.path}`
        : `the item is outside the scope of unit ${actor.unitPath}`,
    };
  return signOffDuty(s, actor, step);
}

/** Separation of duties for one step of a sign-off. */
export function signOffDuty(s: ItemState, actor: Actor, _step: SignOffStep): StepRefusal | null {
  // The one duty policy (domain/access/duties.ts): not one's own submission, not a step one decided before.
  const r = mayDecide(
    actor,
    { requestedBy: s.submittedBy, decidedBy: (s.signOff?.approvals ?? []).map((a) => a.by) },
    'sign_off',
  );
  return r === null ? null : { code: r.code, message: r.message };
}

/** The 公示 period that starts today: it ends at the end of the Nth working day after today. */
export function noticePeriod(today: string, days: number, calendar: CalendarData) {
  const r = addDays(today, days, 'working', calendar);
  return { endsOn: r.date, endsAt: endOfDay(r.date), provisional: r.provisional };
}

export const openObjections = (s: ItemState) =>
  (s.publicNotice?.objections ?? []).filter((o) => o.resolution === null).length;

/** The sign-off taking effect: closed, with the quality warning, the recheck and the reporter's 回音 it brings. */
export function closingEvents(
  s: ItemState,
  note: string | null,
  now: string,
  today: string,
  actorId: string | null,
  settings: CampaignSettings,
  calendar: CalendarData,
): ItemEvent[] {
  const ev = (e: Omit<ItemEvent, 'at' | 'actorId'>) => ({ ...e, at: now, actorId }) as ItemEvent;
  const events = [ev({ type: 'ItemApproved', data: { note } })];
  const warning = fastInFastOut(s, now);
  if (warning) events.push(ev({ type: 'QualityWarningRaised', data: warning }));
  const reason = recheckReason(s, settings);
  if (reason !== null) {
    const last = addDays(today, settings.recheckWindowDays, 'calendar', calendar).date;
    events.push(ev({ type: 'RecheckScheduled', data: { reason, dueBy: endOfDay(last) } }));
  }
  // The petitioner hears 已整改销号 only once the item is verified, not at sign-off (issue 15 §2).
  return events;
}
