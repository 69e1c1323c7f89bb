// The responsible unit's work: progress, milestones, an extension asked and decided, and sign-off (销号申请).
import type { Decision, ItemState } from '../types.ts';
import { badDeadline, badText, type Cmd, MAX_COMMENT, MAX_TEXT, type Tools } from './tools.ts';

export function recordProgress(_s: ItemState, c: Cmd<'record_progress'>, t: Tools): Decision {
  const why = badText(c.note, MAX_COMMENT);
  if (why) return t.invalid('note', why);
  return t.ok(
    t.ev('ProgressRecorded', { note: c.note, substantive: c.substantive === true, evidence: c.evidence ?? [] }),
  );
}

export function completeMilestone(s: ItemState, c: Cmd<'complete_milestone'>, t: Tools): Decision {
  const m = s.milestones.find((x) => x.id === c.milestoneId);
  if (!m) return t.invalid('milestoneId', `no milestone ${c.milestoneId} on this item`);
  if (m.completedAt !== null)
    return t.invalid('milestoneId', `milestone ${m.id} was already completed at ${m.completedAt}`);
  return t.ok(t.ev('MilestoneCompleted', { milestoneId: m.id, note: c.note ?? null, evidence: c.evidence ?? [] }));
}

export function requestExtension(s: ItemState, c: Cmd<'request_extension'>, t: Tools): Decision {
  const bad = badDeadline(c.newDeadline, t.today);
  if (bad) return t.invalid('newDeadline', bad);
  if (s.deadline !== null && c.newDeadline <= s.deadline) {
    return t.invalid('newDeadline', `must be after the current deadline ${s.deadline}`);
  }
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', why);
  return t.ok(t.ev('ExtensionRequested', { newDeadline: c.newDeadline, reason: c.reason }));
}

export function decideExtension(s: ItemState, c: Cmd<'decide_extension'>, t: Tools): Decision {
  const approved = c.approve === true;
  return t.ok(
    t.ev('ExtensionDecided', {
      approved,
      newDeadline: approved ? s.extensionRequest!.newDeadline : null,
      note: c.note ?? null,
    }),
  );
}

export function submit(s: ItemState, c: Cmd<'submit'>, t: Tools): Decision {
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
