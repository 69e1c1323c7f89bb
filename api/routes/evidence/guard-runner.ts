// Running the paper sign-off guard after a command cited evidence (workers/evidence.ts gathers the
// facts, lets the pure guard decide, and records each finding as an event on the item, actor null).
import type { GuardInput } from '../../../domain/evidence/guard.ts';
import type { ItemCommand } from '../../../domain/item/types.ts';
import type { Db } from '../../../db/client.ts';
import { foreignEvidence } from '../../../db/queries/evidence.ts';
import type { ItemEngine } from '../../../workflows/engine.ts';
import { type EvidenceJobs, guardEvent, type GuardOutcome } from '../../../workers/evidence.ts';
import { Problem } from '../../problem.ts';

type Cited = { command: GuardInput['command']; ids: string[] };

/** The attachments a command cites, and which guard checks apply. */
export function citedEvidence(c: ItemCommand): Cited | null {
  switch (c.type) {
    case 'record_progress':
      return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    case 'complete_milestone':
      return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    case 'submit':
      return c.evidence.length ? { command: c.type, ids: c.evidence } : null;
    case 'recheck':
      return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    default:
      return null;
  }
}

/** Evidence must be files uploaded to this item; anything else answers 422 before the command runs. */
export async function assertCitable(db: Db, itemId: string, command: ItemCommand): Promise<void> {
  const cited = citedEvidence(command);
  if (!cited) return;
  const foreign = await foreignEvidence(db, itemId, cited.ids);
  if (foreign.length > 0) {
    throw new Problem(
      422,
      'evidence_not_found',
      'Unknown evidence',
      'evidence must be attachment ids of files uploaded to this item',
      {
        errors: foreign.map((id) => ({
          path: `body.evidence.${cited.ids.indexOf(id)}`,
          message: `${id} is not a file uploaded to this item`,
        })),
      },
    );
  }
}

/** The guard pass for the citing event the command just recorded: at once when its inputs are
 * ready (the answer then shows the warnings), else — a cited photo still being processed, or the
 * pass failing — as a job on the evidence queue, retried with backoff and dead-lettered visibly.
 * Should even the queue be unreachable, the reconcile job finds the event without a guard pass. */
export async function runEvidenceGuard(
  deps: { db: Db; engine: ItemEngine; jobs?: EvidenceJobs },
  itemId: string,
  command: ItemCommand,
  events: { seq: number; event: { type: string } }[],
  log: { error: (o: object, m: string) => void },
): Promise<GuardOutcome | 'queued' | null> {
  if (!citedEvidence(command)) return null;
  const citing = events.find((e) => CITING_EVENTS.has(e.event.type));
  if (!citing) return null;
  let outcome: GuardOutcome | null = null;
  try {
    outcome = await guardEvent(deps, itemId, citing.seq);
    if (outcome.status !== 'waiting') return outcome;
  } catch (err) {
    log.error(
      { err, itemId, seq: citing.seq },
      'evidence guard failed after the command committed; queued to try again',
    );
  }
  if (!deps.jobs) {
    if (outcome) return outcome;
    log.error(
      { itemId, seq: citing.seq },
      'evidence guard could not run and this process has no queue: no warnings recorded for this event',
    );
    return null;
  }
  try {
    await deps.jobs.guard(itemId, citing.seq, outcome ? 'after-command' : 'retry');
  } catch (err) {
    log.error(
      { err, itemId, seq: citing.seq },
      'evidence guard could not be queued; the reconcile job will find it within minutes',
    );
  }
  return 'queued';
}

const CITING_EVENTS = new Set([
  'ProgressRecorded',
  'MilestoneCompleted',
  'ItemSubmitted',
  'RecheckPassed',
  'RecheckFailed',
]);
