// Who may issue which command, in which state. decide() refuses with these rules, and the API
// shows only the actions allowedCommands() returns, so the two can never disagree.
//
// Order of checks (documented choice): state first — a command that is never valid in the
// item's state is `invalid_transition` whoever sends it — then role and unit (`forbidden`), then
// separation of duties, then the command's fields (`validation`).

import { mayDecide } from '../access/duties.ts';
import { inItemScope, within } from '../access/scope.ts';
import { DEFAULT_SETTINGS } from './settings.ts';
import { currentStep, openObjections, stepRefusal } from './sign-off.ts';
import type { Actor, CampaignSettings, DecideContext, ItemCommandType, ItemState, ItemStatus, Role } from './types.ts';

export const ITEM_COMMAND_TYPES = [
  'report',
  'assign',
  'accept',
  'record_progress',
  'complete_milestone',
  'request_extension',
  'decide_extension',
  'transfer',
  'submit',
  'approve',
  'reject',
  'recheck',
  'dismiss',
  'flag',
  'unflag',
  'comment',
  'tick',
  'schedule_recheck',
  'record_notice',
  'record_document',
  'raise_evidence_warnings',
  'dismiss_evidence_warning',
  'import_state',
  'file_objection',
  'resolve_objection',
] as const satisfies readonly ItemCommandType[];
// Compile-time check that the list names every command type.
type MissingCommand = Exclude<ItemCommandType, (typeof ITEM_COMMAND_TYPES)[number]>;
const _allCommandsListed: [MissingCommand] extends [never] ? true : never = true;
void _allCommandsListed;

const ACTIVE: ItemStatus[] = ['assigned', 'in_progress'];
const TERMINAL: ItemStatus[] = ['verified', 'dismissed'];

/** Why `type` can never be issued in this state, or null when the state allows it. */
export function stateRule(state: ItemState | null, type: ItemCommandType): string | null {
  if (state === null) return type === 'report' ? null : `there is no item yet: only report can create one`;
  const st = state.status;
  const only = (...ok: ItemStatus[]) =>
    ok.includes(st) ? null : `${type} needs the item to be ${ok.join(' or ')}, but it is ${st}`;
  switch (type) {
    case 'report':
      return `the item already exists (${st})`;
    case 'assign':
      return only('reported');
    case 'import_state':
      // A ledger import gives the state once, right after the report; never later over real history.
      return state.version === 1 && st === 'reported' && !state.imported
        ? null
        : 'an imported state is recorded only right after the item is reported by the import';
    case 'accept':
      return only('assigned');
    case 'record_progress':
    case 'complete_milestone':
    case 'submit':
      return only('in_progress');
    case 'request_extension':
      return (
        only('in_progress') ??
        (state.extensionRequest ? 'an extension request is already pending; it must be decided first' : null)
      );
    case 'decide_extension':
      return state.extensionRequest ? null : 'there is no pending extension request';
    case 'transfer':
      return only(...ACTIVE);
    case 'approve':
      return (
        only('submitted') ??
        (state.publicNotice
          ? `the sign-off is in its public notice (公示) until ${state.publicNotice.endsOn}; it takes effect then`
          : null)
      );
    case 'reject':
      return only('submitted');
    case 'file_objection':
      return (
        only('submitted') ??
        (state.publicNotice && state.publicNotice.endedAt === null ? null : 'the item is not in a public notice (公示)')
      );
    case 'resolve_objection':
      return only('submitted') ?? (openObjections(state) > 0 ? null : 'there is no open objection (异议)');
    case 'recheck':
      return only('closed');
    case 'schedule_recheck':
      return only('closed', 'verified');
    case 'dismiss':
      return only('reported', 'assigned', 'in_progress');
    case 'flag':
      if (TERMINAL.includes(st)) return `a ${st} item cannot be flagged`;
      // To change the 督办 level or deadline, lift it and put the item under 督办 again (both in the trail).
      return state.flagged ? 'the item is already flagged for supervision' : null;
    case 'unflag':
      if (TERMINAL.includes(st)) return `a ${st} item cannot be unflagged`;
      return state.flagged ? null : 'the item is not flagged';
    case 'comment':
    case 'tick':
    case 'record_notice':
    case 'record_document':
      return null;
    case 'raise_evidence_warnings':
      return null;
    case 'dismiss_evidence_warning':
      return (state.evidenceWarnings ?? []).some((w) => w.dismissed === null)
        ? null
        : 'there is no open evidence warning';
    default: {
      const _exhaustive: never = type;
      return `unknown command ${String(_exhaustive)}`;
    }
  }
}

export interface ActorRefusal {
  code: 'forbidden' | 'separation_of_duties';
  message: string;
}

const has = (actor: Actor, ...roles: Role[]) => roles.some((r) => actor.roles.includes(r));
const duty = (r: ReturnType<typeof mayDecide>): ActorRefusal | null =>
  r === null ? null : { code: r.code, message: r.message };
/** 信访 items: the county organises their recheck (000 §七). 12345 hotline items are not 信访. */
export const isPetition = (s: Pick<ItemState, 'source'>) => s.source === 'petition';

/**
 * Why this actor may not issue `type` on this item, or null. Assumes stateRule passed.
 * Scope: supervisors and leads act on items whose units lie in their subtree; handlers only on
 * items their unit (or a unit below it) is responsible for; inspectors (often a third party outside
 * the tree) recheck anything except their own unit's work. `report` checks the reporting unit in decide.
 */
export function actorRule(
  state: ItemState | null,
  actor: Actor | null,
  type: ItemCommandType,
  settings: CampaignSettings = DEFAULT_SETTINGS,
): ActorRefusal | null {
  if (type === 'tick') return null;
  if (actor === null) {
    return type === 'schedule_recheck' ||
      type === 'record_notice' ||
      type === 'record_document' ||
      type === 'raise_evidence_warnings' ||
      type === 'file_objection'
      ? null
      : {
          code: 'forbidden',
          message: `${type} needs a user; the runtime may only tick, schedule a recheck, record a notice or a document, or raise evidence warnings`,
        };
  }
  if (type === 'record_notice')
    return { code: 'forbidden', message: 'notices are recorded by the notifier, not by users' };
  // The register issues the document and its number; a user cannot write a document into the trail.
  if (type === 'record_document')
    return { code: 'forbidden', message: 'documents are recorded by the register when they are issued, not by users' };
  const roleIs = (...roles: Role[]): ActorRefusal | null =>
    has(actor, ...roles) ? null : { code: 'forbidden', message: `${type} needs the role ${roles.join(' or ')}` };
  if (state === null) return roleIs('supervisor', 'lead', 'handler', 'inspector');
  const scoped = (...roles: Role[]): ActorRefusal | null =>
    roleIs(...roles) ??
    (inItemScope(state, actor)
      ? null
      : { code: 'forbidden', message: `the item is outside the scope of unit ${actor.unitPath}` });
  const responsible = (): ActorRefusal | null =>
    roleIs('handler') ??
    (state.responsibleUnit && within(state.responsibleUnit.path, actor.unitPath)
      ? null
      : {
          code: 'forbidden',
          message: `${type} is for the responsible unit (${state.responsibleUnit?.path ?? 'none'})`,
        });

  switch (type) {
    case 'raise_evidence_warnings':
      return { code: 'forbidden', message: 'evidence warnings are raised by the guard, not by users' };
    case 'dismiss_evidence_warning':
      // The reviewers of a sign-off; not the person whose submission is under review.
      return scoped('supervisor', 'lead') ?? duty(mayDecide(actor, { requestedBy: state.submittedBy }, 'sign_off'));
    case 'report':
      return roleIs('supervisor', 'lead', 'handler', 'inspector');
    case 'assign':
    case 'import_state':
    case 'transfer':
      return scoped('supervisor', 'lead');
    case 'decide_extension':
      // Someone holding both roles may not grant the extension they asked for.
      return (
        scoped('supervisor', 'lead') ??
        duty(mayDecide(actor, { requestedBy: state.extensionRequest?.requestedBy ?? null }, 'extension'))
      );
    case 'approve':
    case 'reject': {
      // The step waiting names who decides it (销号 by level); in the 公示 a return is the reviewers' as before.
      const step = currentStep(state, settings);
      if (step) return stepRefusal(state, actor, step);
      return scoped('supervisor', 'lead') ?? duty(mayDecide(actor, { requestedBy: state.submittedBy }, 'sign_off'));
    }
    case 'resolve_objection':
      return (
        scoped('supervisor', 'lead') ??
        (state.submittedBy === actor.userId
          ? { code: 'separation_of_duties', message: 'a reviewer cannot answer objections to their own submission' }
          : null)
      );
    case 'file_objection':
      return { code: 'forbidden', message: 'objections (异议) come from the public page, not from signed-in users' };
    case 'accept':
    case 'record_progress':
    case 'complete_milestone':
    case 'request_extension':
    case 'submit':
      return responsible();
    case 'recheck':
      return (
        roleIs('inspector', 'supervisor') ??
        (state.responsibleUnit && within(state.responsibleUnit.path, actor.unitPath)
          ? { code: 'separation_of_duties', message: 'an inspector cannot recheck an item of their own unit' }
          : null) ??
        // Not the approver nor the submitter; a petition item by the county level or a named office (000 §七).
        duty(
          mayDecide(
            actor,
            { requestedBy: state.submittedBy, decidedBy: [state.closedBy], petition: isPetition(state) },
            'recheck',
            settings,
          ),
        )
      );
    case 'schedule_recheck':
    case 'dismiss':
    case 'flag':
    case 'unflag':
      return scoped('supervisor');
    case 'comment':
      // Inspectors comment on what they recheck, even from outside the tree.
      // Viewers (纪检, 审计) only read.
      if (!has(actor, 'supervisor', 'lead', 'handler', 'inspector')) {
        return { code: 'forbidden', message: 'comment needs the role supervisor, lead, handler or inspector' };
      }
      return has(actor, 'inspector') || inItemScope(state, actor)
        ? null
        : { code: 'forbidden', message: `the item is outside the scope of unit ${actor.unitPath}` };
    default: {
      const _exhaustive: never = type;
      return { code: 'forbidden', message: `unknown command ${String(_exhaustive)}` };
    }
  }
}

/**
 * The commands this actor can issue now (state, role, unit and separation of duties all pass).
 * `tick` is left out: it is the runtime's, never a user action. `ctx` gives the campaign's settings (the
 * sign-off chain, the offices named to recheck petition items); without it the default single review is
 * assumed. No rule depends on time.
 */
export function allowedCommands(state: ItemState | null, actor: Actor | null, ctx?: DecideContext): ItemCommandType[] {
  return ITEM_COMMAND_TYPES.filter(
    (t) => t !== 'tick' && stateRule(state, t) === null && actorRule(state, actor, t, ctx?.settings) === null,
  );
}
