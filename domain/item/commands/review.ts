// The reviewers' side: approve or reject a sign-off, recheck (复核) and look-back (回头看), dismiss (不属实).
import { endOfDay, instantMs, isValidDate, isValidInstant, toInstant } from '../../calendar/calendar.ts';
import { countDeadline, type CountedDeadline, fixedDeadline } from '../deadline.ts';
import { evolve } from '../evolve.ts';
import {
  chainFor,
  closingEvents,
  currentStep,
  hasChain,
  noticeDays,
  noticePeriod,
  openObjections,
} from '../sign-off.ts';
import type { DecideContext, Decision, ItemState } from '../types.ts';
import { badDeadline, badText, type Cmd, feedback, MAX_OBJECTION, MAX_TEXT, type Tools } from './tools.ts';

/**
 * A reviewer decides the current step of the sign-off (销号). Without a chain and without 公示 this is
 * the single review it always was; otherwise the step is recorded, and the last one closes the item or
 * starts the 公示.
 */
export function approve(s: ItemState, c: Cmd<'approve'>, ctx: DecideContext, t: Tools): Decision {
  const note = c.note ?? null;
  const chain = chainFor(s, ctx.settings);
  const step = currentStep(s, ctx.settings);
  if (step === null) return t.refuse('invalid_transition', 'no step of the sign-off is waiting for a decision');
  const last = step.id === chain.at(-1)?.id;
  const days = noticeDays(ctx.settings);
  const events = hasChain(ctx.settings)
    ? [t.ev('SignOffStepApproved', { stepId: step.id, step: step.name, note })]
    : [];
  if (!last) return t.ok(...events);
  if (days === 0)
    return t.ok(...events, ...closingEvents(s, note, t.now, t.today, t.actorId, ctx.settings, ctx.calendar));
  const shown = c.publicEvidence ?? [];
  if (!Array.isArray(shown) || shown.some((e) => !s.evidence.includes(e)))
    return t.invalid('publicEvidence', 'only evidence already on the item can be shown on the public page');
  // Without a chain the 公示 still needs to know who decided: the review is the chain's one step.
  if (!hasChain(ctx.settings)) events.push(t.ev('SignOffStepApproved', { stepId: step.id, step: step.name, note }));
  const p = noticePeriod(t.today, days, ctx.calendar);
  return t.ok(...events, t.ev('PublicNoticeStarted', { ...p, evidence: [...new Set(shown)] }));
}

/** 异议: anyone may object while the 公示 runs; the objection holds the sign-off until a reviewer answers it. */
export function fileObjection(s: ItemState, c: Cmd<'file_objection'>, t: Tools): Decision {
  if (typeof c.objectionId !== 'string' || c.objectionId === '') return t.invalid('objectionId', 'must be given');
  if (s.publicNotice?.objections.some((o) => o.id === c.objectionId))
    return t.invalid('objectionId', 'this objection is already on the item');
  const why = badText(c.text, MAX_OBJECTION);
  if (why) return t.invalid('text', why);
  return t.ok(t.ev('ObjectionFiled', { objectionId: c.objectionId, text: c.text }));
}

/** Upheld: the sign-off goes back to the unit (退回). Not upheld: it goes on, and closes if the 公示 is over. */
export function resolveObjection(s: ItemState, c: Cmd<'resolve_objection'>, ctx: DecideContext, t: Tools): Decision {
  const o = s.publicNotice?.objections.find((x) => x.id === c.objectionId);
  if (!o) return t.invalid('objectionId', 'no such objection on this item');
  if (o.resolution !== null) return t.invalid('objectionId', 'this objection was already answered');
  if (typeof c.upheld !== 'boolean') return t.invalid('upheld', 'must be true or false');
  const why = badText(c.note, MAX_TEXT);
  if (why) return t.invalid('note', why);
  const resolved = t.ev('ObjectionResolved', { objectionId: o.id, upheld: c.upheld, note: c.note });
  if (c.upheld) return t.ok(resolved, t.ev('ItemRejected', { reason: `公示异议成立：${c.note}` }));
  const after = evolve(s, resolved);
  if (after.publicNotice?.endedAt && openObjections(after) === 0)
    return t.ok(resolved, ...closingEvents(after, null, t.now, t.today, t.actorId, ctx.settings, ctx.calendar));
  return t.ok(resolved);
}

export function reject(_s: ItemState, c: Cmd<'reject'>, t: Tools): Decision {
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', why);
  return t.ok(t.ev('ItemRejected', { reason: c.reason }));
}

export function recheck(s: ItemState, c: Cmd<'recheck'>, ctx: DecideContext, t: Tools): Decision {
  if (typeof c.passed !== 'boolean') return t.invalid('passed', 'must be true or false');
  const findings = badText(c.findings, MAX_TEXT);
  if (findings) return t.invalid('findings', findings);
  const evidence = c.evidence ?? [];
  if (c.passed) {
    return t.ok(
      t.ev('RecheckPassed', { findings: c.findings, evidence }),
      t.ev('ItemVerified', { by: 'recheck' }),
      ...feedback(s, t, 'verified'),
    );
  }
  let d: CountedDeadline;
  if (c.deadline !== undefined) {
    const bad = badDeadline(c.deadline, t.today);
    if (bad) return t.invalid('deadline', bad);
    d = fixedDeadline(c.deadline);
  } else {
    d = countDeadline(t.today, ctx.settings.reopenDays, ctx.settings, ctx.calendar);
  }
  return t.ok(
    t.ev('RecheckFailed', { findings: c.findings, evidence }),
    t.ev('ItemReopened', { ...d, reopenCount: s.reopenCount + 1 }),
    ...feedback(s, t, 'reopened', { deadline: d.deadline }),
  );
}

/** A look-back (回头看), by a supervisor or the runtime. */
export function scheduleRecheck(_s: ItemState, c: Cmd<'schedule_recheck'>, t: Tools): Decision {
  if (c.reason !== 'look_back' && c.reason !== 'verification')
    return t.invalid('reason', 'only look_back (回头看) or verification (核查抽样) can be scheduled');
  const dueBy = isValidDate(c.dueBy)
    ? endOfDay(c.dueBy)
    : isValidInstant(c.dueBy)
      ? toInstant(instantMs(c.dueBy))
      : null;
  if (dueBy === null) return t.invalid('dueBy', `${String(c.dueBy)} is neither a date nor an instant`);
  if (dueBy <= t.now) return t.invalid('dueBy', 'must be in the future');
  return t.ok(t.ev('RecheckScheduled', { reason: c.reason, dueBy }));
}

export function dismiss(s: ItemState, c: Cmd<'dismiss'>, t: Tools): Decision {
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', why);
  const events = [t.ev('ItemDismissed', { reason: c.reason })];
  if (s.feedbackRequired) {
    events.push(
      t.ev('ReporterFeedbackDue', {
        outcome: 'dismissed',
        text: `经核实，您反映的问题「${s.title}」已核销：${c.reason}`,
      }),
    );
  }
  return t.ok(...events);
}
