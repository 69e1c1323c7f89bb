// decide: a command on an item (as it stands) → the events it causes, or a refusal naming the
// rule. Pure: time, the actor, settings and calendar come in the context. The state and role rules
// are policy.ts's; each command's own checks and events are in commands/.
import { accept, assign, transfer } from './commands/assignment.ts';
import { importState } from './commands/import.ts';
import { report } from './commands/report.ts';
import {
  approve,
  dismiss,
  fileObjection,
  recheck,
  reject,
  resolveObjection,
  scheduleRecheck,
} from './commands/review.ts';
import { raiseEvidenceWarnings, recordDocument, recordNotice, tick } from './commands/runtime.ts';
import { comment, dismissEvidenceWarning, flag } from './commands/supervision.ts';
import { tools } from './commands/tools.ts';
import { completeMilestone, decideExtension, recordProgress, requestExtension, submit } from './commands/work.ts';
import { actorRule, stateRule } from './policy.ts';
import type { DecideContext, Decision, ItemCommand, ItemState } from './types.ts';

export function decide(state: ItemState | null, command: ItemCommand, ctx: DecideContext): Decision {
  const t = tools(state, ctx);
  const stateWhy = stateRule(state, command.type);
  if (stateWhy !== null) return t.refuse('invalid_transition', stateWhy);
  const actorWhy = actorRule(state, ctx.actor, command.type, ctx.settings);
  if (actorWhy !== null) return t.refuse(actorWhy.code, actorWhy.message);

  if (command.type === 'report') return report(command, ctx, t);
  if (state === null) return t.refuse('invalid_transition', 'there is no item yet'); // stateRule already said so
  const s = state;

  switch (command.type) {
    case 'assign':
      return assign(s, command, ctx, t);
    case 'accept':
      return accept(s, command, t);
    case 'transfer':
      return transfer(s, command, t);
    case 'record_progress':
      return recordProgress(s, command, t);
    case 'complete_milestone':
      return completeMilestone(s, command, t);
    case 'request_extension':
      return requestExtension(s, command, t);
    case 'decide_extension':
      return decideExtension(s, command, t);
    case 'submit':
      return submit(s, command, t);
    case 'approve':
      return approve(s, command, ctx, t);
    case 'reject':
      return reject(s, command, t);
    case 'recheck':
      return recheck(s, command, ctx, t);
    case 'schedule_recheck':
      return scheduleRecheck(s, command, t);
    case 'dismiss':
      return dismiss(s, command, t);
    case 'flag':
    case 'unflag':
      return flag(s, command, t);
    case 'comment':
      return comment(s, command, t);
    case 'dismiss_evidence_warning':
      return dismissEvidenceWarning(s, command, t);
    case 'tick':
      return tick(s, command, ctx, t);
    case 'record_notice':
      return recordNotice(s, command, t);
    case 'record_document':
      return recordDocument(s, command, t);
    case 'raise_evidence_warnings':
      return raiseEvidenceWarnings(s, command, t);
    case 'import_state':
      return importState(s, command, t);
    case 'file_objection':
      return fileObjection(s, command, t);
    case 'resolve_objection':
      return resolveObjection(s, command, ctx, t);
    default: {
      const _exhaustive: never = command;
      return t.refuse('invalid_transition', `unknown command ${(_exhaustive as ItemCommand).type}`);
    }
  }
}
