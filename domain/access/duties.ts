// Separation of duties (issue 15 §2, 000 §七): the one rule every decision on a request goes through —
// an item's extension and sign-off, a unit's 月报, the recheck of a signed-off item, and (issue 17 rule 7)
// each step of a sign-off chain. Nobody decides on their own request; the recheck is not the approver's;
// a petition item (信访) is rechecked by the county level or an office the campaign names, never by a
// township user: "涉及到乡村的涉贫信访问题，由县牵头组织复核".
import { type Message, render } from '../messages/index.ts';
import { within } from './scope.ts';

/** The decisions the policy knows. A sign-off chain's steps (issue 17) are `sign_off` with their own name. */
export type DutyStep = 'extension' | 'sign_off' | 'report' | 'recheck';

/** The kind of the nearest administrative unit (self or ancestor) of the actor's unit: county, township, village. */
export type AdminLevel = 'county' | 'township' | 'village' | 'community';

export interface DutyActor {
  userId: string;
  unitPath: string;
  /** Absent or null when not known (e.g. a third party outside the tree): then not the county level. */
  level?: AdminLevel | string | null;
}

/** What is being decided: whose request it is and who already decided on it. */
export interface DutyRequest {
  /** The user whose request this is (requested the extension, submitted the sign-off or the report). */
  requestedBy: string | null;
  /** The unit whose request this is, when a whole unit may not decide on it (a 月报: the office that reports). */
  requestingUnitPath?: string | null;
  /** Users who decided earlier steps of the same request (the approver, for a recheck; earlier chain steps). */
  decidedBy?: readonly (string | null)[];
  /** A petition item (信访/12345): its recheck belongs to the county level or the named offices. */
  petition?: boolean;
}

/** Campaign settings the policy reads: the offices the campaign names to recheck petition items. */
export interface DutySettings {
  petitionRecheckUnits?: readonly { id: string; path: string }[];
  /** false: a petition item's recheck is not reserved to the county (the rule before 000 §七 was enforced;
   * also how the Temporal workflow replays updates accepted before that rule). Default true. */
  petitionRecheckByCounty?: boolean;
}

export type DutyReason =
  | 'duty.own_request'
  | 'duty.own_unit_report'
  | 'duty.decided_before'
  | 'duty.petition_recheck_county';

export interface DutyRefusal {
  code: 'separation_of_duties';
  reason: DutyReason;
  /** The catalogue's wording (domain/messages), rendered. */
  message: string;
  msg: Message;
}

const STEP_WORD: Record<DutyStep, string> = {
  extension: '延期申请',
  sign_off: '销号申请',
  report: '月报',
  recheck: '复核',
};

function refusal(reason: DutyReason, step: DutyStep): DutyRefusal {
  const msg: Message = { code: reason, params: { step: STEP_WORD[step] } };
  return { code: 'separation_of_duties', reason, message: render(msg), msg };
}

/**
 * Why `actor` may not decide `request` at `step`, or null when the duties are kept apart.
 * Additive for callers: a sign-off chain calls it once per step with the earlier deciders in `decidedBy`.
 */
export function mayDecide(
  actor: DutyActor,
  request: DutyRequest,
  step: DutyStep,
  settings: DutySettings = {},
): DutyRefusal | null {
  if (request.requestedBy !== null && request.requestedBy === actor.userId) return refusal('duty.own_request', step);
  if (request.requestingUnitPath && within(actor.unitPath, request.requestingUnitPath))
    return refusal('duty.own_unit_report', step);
  if ((request.decidedBy ?? []).includes(actor.userId)) return refusal('duty.decided_before', step);
  if (step === 'recheck' && request.petition && settings.petitionRecheckByCounty !== false) {
    const named = (settings.petitionRecheckUnits ?? []).some((u) => within(actor.unitPath, u.path));
    if (!named && actor.level !== 'county') return refusal('duty.petition_recheck_county', step);
  }
  return null;
}
