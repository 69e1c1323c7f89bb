// decide: a command on an item (as it stands) → the events it causes, or a refusal naming the
// rule. Pure: time, the actor, settings and calendar come in the context.
import {
  addDays,
  endOfDay,
  instantMs,
  isValidDate,
  isValidInstant,
  shanghaiDate,
  toInstant,
} from '../calendar/calendar.ts';
import { countDeadline, type CountedDeadline, fixedDeadline } from './deadline.ts';
import { tickEvents } from './next-wake.ts';
import { within } from '../access/scope.ts';
import { actorRule, allowedCommands, stateRule } from './policy.ts';
import { fastInFastOut } from './quality.ts';
import { recheckReason } from './recheck.ts';
import {
  type DecideContext,
  type Decision,
  type DomainErrorCode,
  type ItemCommand,
  type ItemEvent,
  type ItemEventType,
  type ItemState,
  ITEM_SOURCES,
  NOTICE_KINDS,
  type UnitRef,
  EVIDENCE_WARNING_CODES,
} from './types.ts';

type Cmd<T extends ItemCommand['type']> = Extract<ItemCommand, { type: T }>;
type Data<T extends ItemEventType> = Extract<ItemEvent, { type: T }>['data'];

const MAX_TITLE = 200;
const MAX_TEXT = 5000;
const MAX_COMMENT = 2000;

/** Per-call helpers: the normalized `now`, today's date in Shanghai, event and refusal builders. */
function tools(state: ItemState | null, ctx: DecideContext) {
  const now = toInstant(instantMs(ctx.now));
  const actorId = ctx.actor?.userId ?? null;
  const refuse = (code: DomainErrorCode, message: string, field?: string): Decision => ({
    ok: false,
    error: {
      code,
      message,
      allowed: allowedCommands(state, ctx.actor, ctx),
      ...(field !== undefined ? { field } : {}),
    },
  });
  return {
    now,
    today: shanghaiDate(now),
    actorId,
    refuse,
    invalid: (field: string, message: string) => refuse('validation', `${field}: ${message}`, field),
    ev: <T extends ItemEventType>(type: T, data: Data<T>) => ({ type, data, at: now, actorId }) as ItemEvent,
    ok: (...events: ItemEvent[]): Decision => ({ ok: true, events }),
  };
}
type Tools = ReturnType<typeof tools>;

/** Why a free-text field is unacceptable, or null. */
function badText(value: unknown, max: number, required = true): string | null {
  if (typeof value !== 'string') return 'must be text';
  if (required && value.trim() === '') return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters`;
  return null;
}

const badUnit = (u: UnitRef | null | undefined) =>
  !u || typeof u.id !== 'string' || u.id === '' || typeof u.path !== 'string' || !u.path.startsWith('/');

/** A date the user gives as a deadline: a real date, not before today. */
function badDeadline(date: unknown, today: string): string | null {
  if (!isValidDate(date)) return `${String(date)} is not a valid date (YYYY-MM-DD)`;
  return date < today ? `${date} is before today (${today})` : null;
}

export function decide(state: ItemState | null, command: ItemCommand, ctx: DecideContext): Decision {
  const t = tools(state, ctx);
  const stateWhy = stateRule(state, command.type);
  if (stateWhy !== null) return t.refuse('invalid_transition', stateWhy);
  const actorWhy = actorRule(state, ctx.actor, command.type);
  if (actorWhy !== null) return t.refuse(actorWhy.code, actorWhy.message);

  if (command.type === 'report') return report(command, ctx, t);
  if (state === null) return t.refuse('invalid_transition', 'there is no item yet'); // stateRule already said so
  const s = state;

  switch (command.type) {
    case 'assign':
      return assign(s, command, ctx, t);
    case 'accept':
      return t.ok(t.ev('ItemAccepted', {}));
    case 'record_progress': {
      const why = badText(command.note, MAX_COMMENT);
      if (why) return t.invalid('note', why);
      return t.ok(
        t.ev('ProgressRecorded', {
          note: command.note,
          substantive: command.substantive === true,
          evidence: command.evidence ?? [],
        }),
      );
    }
    case 'complete_milestone': {
      const m = s.milestones.find((x) => x.id === command.milestoneId);
      if (!m) return t.invalid('milestoneId', `no milestone ${command.milestoneId} on this item`);
      if (m.completedAt !== null)
        return t.invalid('milestoneId', `milestone ${m.id} was already completed at ${m.completedAt}`);
      return t.ok(
        t.ev('MilestoneCompleted', { milestoneId: m.id, note: command.note ?? null, evidence: command.evidence ?? [] }),
      );
    }
    case 'request_extension': {
      const bad = badDeadline(command.newDeadline, t.today);
      if (bad) return t.invalid('newDeadline', bad);
      if (s.deadline !== null && command.newDeadline <= s.deadline) {
        return t.invalid('newDeadline', `must be after the current deadline ${s.deadline}`);
      }
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', why);
      return t.ok(t.ev('ExtensionRequested', { newDeadline: command.newDeadline, reason: command.reason }));
    }
    case 'decide_extension': {
      const approved = command.approve === true;
      return t.ok(
        t.ev('ExtensionDecided', {
          approved,
          newDeadline: approved ? s.extensionRequest!.newDeadline : null,
          note: command.note ?? null,
        }),
      );
    }
    case 'transfer': {
      if (badUnit(command.responsibleUnit)) return t.invalid('responsibleUnit', 'a unit with id and path is required');
      if (command.responsibleUnit.id === s.responsibleUnit?.id)
        return t.invalid('responsibleUnit', 'the item is already with this unit');
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', why);
      return t.ok(
        t.ev('ItemTransferred', { from: s.responsibleUnit, to: command.responsibleUnit, reason: command.reason }),
      );
    }
    case 'submit':
      return submit(s, command, t);
    case 'approve':
      return approve(s, command, ctx, t);
    case 'reject': {
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', why);
      return t.ok(t.ev('ItemRejected', { reason: command.reason }));
    }
    case 'recheck':
      return recheck(s, command, ctx, t);
    case 'schedule_recheck': {
      if (command.reason !== 'look_back') return t.invalid('reason', 'only look_back (回头看) can be scheduled');
      const dueBy = isValidDate(command.dueBy)
        ? endOfDay(command.dueBy)
        : isValidInstant(command.dueBy)
          ? toInstant(instantMs(command.dueBy))
          : null;
      if (dueBy === null) return t.invalid('dueBy', `${String(command.dueBy)} is neither a date nor an instant`);
      if (dueBy <= t.now) return t.invalid('dueBy', 'must be in the future');
      return t.ok(t.ev('RecheckScheduled', { reason: 'look_back', dueBy }));
    }
    case 'dismiss': {
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', why);
      const events = [t.ev('ItemDismissed', { reason: command.reason })];
      if (s.feedbackRequired) {
        events.push(
          t.ev('ReporterFeedbackDue', {
            outcome: 'dismissed',
            text: `经核实，您反映的问题「${s.title}」已核销：${command.reason}`,
          }),
        );
      }
      return t.ok(...events);
    }
    case 'flag':
    case 'unflag': {
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', why);
      return command.type === 'flag'
        ? t.ok(t.ev('ItemFlagged', { reason: command.reason, byEscalation: false }))
        : t.ok(t.ev('ItemUnflagged', { reason: command.reason }));
    }
    case 'comment': {
      const why = badText(command.text, MAX_COMMENT);
      if (why) return t.invalid('text', why);
      return t.ok(t.ev('CommentAdded', { text: command.text }));
    }
    case 'record_notice': {
      // Once per cause: a retried or duplicated notifier job records nothing the second time.
      if (!Array.isArray(command.notices) || command.notices.length === 0)
        return t.invalid('notices', 'at least one notice to record');
      const seen = new Set(s.noticesRecorded ?? []);
      const events: ItemEvent[] = [];
      for (const [i, n] of command.notices.entries()) {
        if (!Number.isInteger(n.causeSeq) || n.causeSeq < 1 || n.causeSeq > s.version) {
          return t.invalid(`notices[${i}].causeSeq`, `must name an event of this item (1..${s.version})`);
        }
        if (!NOTICE_KINDS.includes(n.kind))
          return t.invalid(`notices[${i}].kind`, `must be one of ${NOTICE_KINDS.join(', ')}`);
        if (!Array.isArray(n.recipients) || !Array.isArray(n.channels))
          return t.invalid(`notices[${i}].recipients`, 'recipients and channels are lists');
        if (seen.has(n.causeSeq)) continue;
        seen.add(n.causeSeq);
        events.push(
          t.ev('NoticeSent', {
            causeSeq: n.causeSeq,
            kind: n.kind,
            recipients: n.recipients.map((r) => ({ userId: r.userId, name: r.name })),
            channels: [...n.channels],
          }),
        );
      }
      return t.ok(...events);
    }
    case 'raise_evidence_warnings': {
      const known = new Set((s.evidenceWarnings ?? []).map((w) => w.id));
      const fresh = (Array.isArray(command.warnings) ? command.warnings : []).filter((w) => !known.has(w.id));
      for (const [i, w] of fresh.entries()) {
        if (typeof w.id !== 'string' || w.id === '' || !EVIDENCE_WARNING_CODES.includes(w.code)) {
          return t.invalid(`warnings[${i}]`, 'needs an id and a known code');
        }
      }
      return t.ok(
        ...fresh.map((w) =>
          t.ev('EvidenceWarningRaised', {
            id: w.id,
            code: w.code,
            detail: w.detail,
            attachmentIds: w.attachmentIds,
            related: w.related,
          }),
        ),
      );
    }
    case 'dismiss_evidence_warning': {
      const w = (s.evidenceWarnings ?? []).find((x) => x.id === command.warningId);
      if (!w) return t.invalid('warningId', `no evidence warning ${String(command.warningId)} on this item`);
      if (w.dismissed) return t.invalid('warningId', `the warning was already dismissed at ${w.dismissed.at}`);
      const why = badText(command.reason, MAX_TEXT);
      if (why) return t.invalid('reason', `a reason is required to dismiss a warning: ${why}`);
      return t.ok(t.ev('EvidenceWarningDismissed', { warningId: w.id, reason: command.reason }));
    }
    case 'tick':
      // Never refused: nothing due is an empty list, not an error.
      return t.ok(...tickEvents(s, t.now, t.actorId, { settings: ctx.settings, calendar: ctx.calendar }));
    default: {
      const _exhaustive: never = command;
      return t.refuse('invalid_transition', `unknown command ${(_exhaustive as ItemCommand).type}`);
    }
  }
}

function report(c: Cmd<'report'>, ctx: DecideContext, t: Tools): Decision {
  if (!within(c.reportingUnit?.path, ctx.actor!.unitPath)) {
    return t.refuse('forbidden', `a user of ${ctx.actor!.unitPath} can only report for a unit in that subtree`);
  }
  if (typeof c.itemId !== 'string' || c.itemId === '') return t.invalid('itemId', 'required');
  if (typeof c.campaignId !== 'string' || c.campaignId === '') return t.invalid('campaignId', 'required');
  if (!ITEM_SOURCES.includes(c.source)) return t.invalid('source', `must be one of ${ITEM_SOURCES.join(', ')}`);
  const title = badText(c.title, MAX_TITLE);
  if (title) return t.invalid('title', title);
  const description = badText(c.description, MAX_TEXT, false);
  if (description) return t.invalid('description', description);
  if (badUnit(c.ownerUnit)) return t.invalid('ownerUnit', 'a unit with id and path is required');
  if (c.leadUnit !== null && badUnit(c.leadUnit)) return t.invalid('leadUnit', 'a unit with id and path, or null');
  return t.ok(
    t.ev('ItemReported', {
      itemId: c.itemId,
      campaignId: c.campaignId,
      categoryId: c.categoryId ?? null,
      source: c.source,
      title: c.title.trim(),
      description: c.description,
      person: c.person ?? null,
      location: c.location ?? null,
      reportingUnit: c.reportingUnit,
      ownerUnit: c.ownerUnit,
      leadUnit: c.leadUnit,
    }),
  );
}

function assign(_s: ItemState, c: Cmd<'assign'>, ctx: DecideContext, t: Tools): Decision {
  if (badUnit(c.responsibleUnit)) return t.invalid('responsibleUnit', 'a unit with id and path is required');
  const measures = badText(c.measures, MAX_TEXT);
  if (measures) return t.invalid('measures', `整改措施 ${measures}`);
  if (c.mode !== 'immediate' && c.mode !== 'phased')
    return t.invalid('mode', 'must be immediate (立行立改) or phased (限期整改)');

  let d: CountedDeadline;
  if (c.deadline !== undefined) {
    const bad = badDeadline(c.deadline, t.today);
    if (bad) return t.invalid('deadline', bad);
    d = fixedDeadline(c.deadline);
  } else if (c.days !== undefined) {
    if (!Number.isInteger(c.days) || c.days < 1 || c.days > 3660)
      return t.invalid('days', 'must be a whole number of days, at least 1');
    d = countDeadline(t.today, c.days, ctx.settings, ctx.calendar);
  } else if (c.mode === 'immediate') {
    d = countDeadline(t.today, ctx.settings.immediateDays, ctx.settings, ctx.calendar);
  } else {
    return t.invalid('deadline', 'a phased item (限期整改) needs a deadline: a date or a number of days');
  }

  const milestones = c.milestones ?? [];
  if (c.mode === 'phased' && milestones.length === 0) {
    return t.invalid('milestones', 'a phased item (限期整改) needs at least one milestone (时间节点)');
  }
  const ids = new Set<string>();
  for (const [i, m] of milestones.entries()) {
    const f = `milestones[${i}]`;
    if (typeof m.id !== 'string' || m.id === '' || ids.has(m.id))
      return t.invalid(`${f}.id`, 'must be present and unique');
    ids.add(m.id);
    const title = badText(m.title, MAX_TITLE);
    if (title) return t.invalid(`${f}.title`, title);
    const bad = badDeadline(m.dueOn, t.today);
    if (bad) return t.invalid(`${f}.dueOn`, bad);
    if (m.dueOn > d.deadline) return t.invalid(`${f}.dueOn`, `${m.dueOn} is after the deadline ${d.deadline}`);
  }
  return t.ok(
    t.ev('ItemAssigned', {
      responsibleUnit: c.responsibleUnit,
      measures: c.measures,
      mode: c.mode,
      ...d,
      milestones: milestones.map((m) => ({ id: m.id, title: m.title, dueOn: m.dueOn })),
    }),
  );
}

function submit(s: ItemState, c: Cmd<'submit'>, t: Tools): Decision {
  const summary = badText(c.summary, MAX_TEXT);
  if (summary) return t.invalid('summary', `a summary of what was done is required to sign off (销号): ${summary}`);
  if (
    !Array.isArray(c.evidence) ||
    c.evidence.length === 0 ||
    c.evidence.some((e) => typeof e !== 'string' || e === '')
  ) {
    return t.invalid('evidence', 'sign-off needs at least one piece of evidence (佐证材料)');
  }
  const open = s.milestones.filter((m) => m.completedAt === null);
  if (open.length > 0) {
    return t.invalid(
      'milestones',
      `every milestone must be completed first; open: ${open.map((m) => m.id).join(', ')}`,
    );
  }
  return t.ok(t.ev('ItemSubmitted', { summary: c.summary, evidence: c.evidence }));
}

function approve(s: ItemState, c: Cmd<'approve'>, ctx: DecideContext, t: Tools): Decision {
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

function recheck(s: ItemState, c: Cmd<'recheck'>, ctx: DecideContext, t: Tools): Decision {
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
