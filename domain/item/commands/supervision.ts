// Supervision (督办) flags, comments, and a reviewer dismissing an evidence warning.
import type { Decision, ItemState } from '../types.ts';
import { badSupervision } from '../supervision.ts';
import { badText, type Cmd, MAX_COMMENT, MAX_TEXT, type Tools } from './tools.ts';

export function flag(_s: ItemState, c: Cmd<'flag'> | Cmd<'unflag'>, t: Tools): Decision {
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', why);
  if (c.type === 'unflag') return t.ok(t.ev('ItemUnflagged', { reason: c.reason }));
  const bad = badSupervision(c, t.today);
  if (bad) return t.invalid(...bad);
  const level = c.level ?? 'guapai';
  return t.ok(t.ev('ItemFlagged', { reason: c.reason, byEscalation: false, level, dueOn: c.dueOn ?? null }));
}

export function comment(_s: ItemState, c: Cmd<'comment'>, t: Tools): Decision {
  const why = badText(c.text, MAX_COMMENT);
  if (why) return t.invalid('text', why);
  return t.ok(t.ev('CommentAdded', { text: c.text }));
}

export function dismissEvidenceWarning(s: ItemState, c: Cmd<'dismiss_evidence_warning'>, t: Tools): Decision {
  const w = (s.evidenceWarnings ?? []).find((x) => x.id === c.warningId);
  if (!w) return t.invalid('warningId', `no evidence warning ${String(c.warningId)} on this item`);
  if (w.dismissed) return t.invalid('warningId', `the warning was already dismissed at ${w.dismissed.at}`);
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', `a reason is required to dismiss a warning: ${why}`);
  return t.ok(t.ev('EvidenceWarningDismissed', { warningId: w.id, reason: c.reason }));
}
