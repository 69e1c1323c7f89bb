// The reviewers' side: approve or reject a sign-off, recheck (复核) and look-back (回头看), dismiss (不属实).
import { addDays, endOfDay, instantMs, isValidDate, isValidInstant, toInstant } from '../../calendar/calendar.ts';
import { countDeadline, type CountedDeadline, fixedDeadline } from '../deadline.ts';
import { fastInFastOut } from '../quality.ts';
import { recheckReason } from '../recheck.ts';
import type { DecideContext, Decision, ItemState } from '../types.ts';
import { badDeadline, badText, type Cmd, MAX_TEXT, type Tools } from './tools.ts';

export function approve(s: ItemState, c: Cmd<'approve'>, ctx: DecideContext, t: Tools): Decision {
  const events = [t.ev('ItemApproved', { note: c.note ?? null })];
  const warning = fastInFastOut(s, t.now);
  if (warning) events.push(t.ev('QualityWarningRaised', warning));
  const reason = recheckReason(s, ctx.settings);
  if (reason !== null) {
    const last = addDays(t.today, ctx.settings.recheckWindowDays, 'calendar', ctx.calendar).date;
    events.push(t.ev('RecheckScheduled', { reason, dueBy: endOfDay(last) }));
  }
  if (s.feedbackRequired) {
    events.push(t.ev('ReporterFeedbackDue', { outcome: 'closed', text: `您反映的问题「${s.title}」已整改销号。` }));
  }
  return t.ok(...events);
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
    return t.ok(t.ev('RecheckPassed', { findings: c.findings, evidence }), t.ev('ItemVerified', { by: 'recheck' }));
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
