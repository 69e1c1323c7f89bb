// The paper sign-off guard (纸面销号) as one use case, for the API (right after a command that cited
// evidence) and the evidence worker (a photo finished, a retry, the reconcile job) alike: gather the
// facts, let the pure guard decide, record each finding as an event on the item (actor null).
import type { Db } from '../db/client.ts';
import { foreignEvidence, guardFacts } from '../db/queries/evidence.ts';
import {
  guardRunOf,
  itemEventAt,
  itemStateOf,
  recordGuardRun,
  unprocessedCited,
} from '../db/queries/evidence-guard.ts';
import { type GuardInput, guardEvidence, NEAR_DUPLICATE_MAX_DISTANCE } from '../domain/evidence/guard.ts';
import type { ItemCommand, ItemEvent } from '../domain/item/types.ts';
import type { ItemEngine } from '../workflows/engine.ts';
import type { EvidenceJobs } from './jobs.ts';
import { Refused } from './refusal.ts';

/** Event types that cite evidence, and the command whose guard checks apply to them. */
export const CITING: Record<string, GuardInput['command']> = {
  ProgressRecorded: 'record_progress',
  MilestoneCompleted: 'complete_milestone',
  ItemSubmitted: 'submit',
  RecheckPassed: 'recheck',
  RecheckFailed: 'recheck',
};

export type GuardOutcome =
  | { status: 'done'; warnings: number }
  | { status: 'waiting'; photos: number }
  | { status: 'not_citing' };

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

/** Evidence must be files uploaded to this item; anything else is refused before the command runs. */
export async function assertCitable(db: Db, itemId: string, command: ItemCommand): Promise<void> {
  const cited = citedEvidence(command);
  if (!cited) return;
  const foreign = await foreignEvidence(db, itemId, cited.ids);
  if (foreign.length > 0) {
    throw new Refused('evidence_not_found', 'evidence must be attachment ids of files uploaded to this item', {
      title: 'Unknown evidence',
      errors: foreign.map((id) => ({
        path: `body.evidence.${cited.ids.indexOf(id)}`,
        message: `${id} is not a file uploaded to this item`,
      })),
    });
  }
}

type ErrorLog = { error: (o: object, m: string) => void };

export type EvidenceGuard = ReturnType<typeof evidenceGuard>;

export function evidenceGuard(deps: { db: Db; engine: ItemEngine; jobs?: EvidenceJobs }) {
  const { db } = deps;

  /** One guard pass for the citing event (itemId, seq), evaluated as of the event's time. 'waiting'
   * when a cited photo's picture work is not done yet (its job triggers the pass again). */
  async function guardEvent(itemId: string, seq: number): Promise<GuardOutcome> {
    const done = await guardRunOf(db, itemId, seq);
    if (done !== null) return { status: 'done', warnings: done };
    const ev = await itemEventAt(db, itemId, seq);
    const command = ev ? CITING[ev.type] : undefined;
    if (!ev || !command) return { status: 'not_citing' };
    const ids = ((ev.data as Extract<ItemEvent, { type: 'ProgressRecorded' }>['data']).evidence ?? []).filter(
      (x) => typeof x === 'string',
    );
    const waiting = await unprocessedCited(db, itemId, ids);
    if (waiting > 0) return { status: 'waiting', photos: waiting };
    const state = await itemStateOf(db, itemId);
    if (!state) return { status: 'not_citing' };
    const facts = await guardFacts(db, itemId, ids, state.responsibleUnit?.id ?? null, NEAR_DUPLICATE_MAX_DISTANCE);
    const warnings = guardEvidence({ item: state, command, now: new Date(ev.at).toISOString(), ...facts });
    // Warning ids are derived from their content, so a pass that ran twice raises nothing twice.
    if (warnings.length > 0) {
      try {
        await deps.engine.execute({ itemId, command: { type: 'raise_evidence_warnings', warnings }, actor: null });
      } catch (err) {
        // The database's own words (drizzle puts them in `cause`), for whoever reads the dead-letter list.
        const e = err as Error & { cause?: Error };
        throw new Error(
          `recording ${warnings.length} evidence warning(s) on item ${itemId} (event ${seq}) failed: ${e.cause?.message ?? e.message}`,
          { cause: err },
        );
      }
    }
    await recordGuardRun(db, itemId, seq, warnings.length);
    return { status: 'done', warnings: warnings.length };
  }

  /** The guard pass for the citing event the command just recorded: at once when its inputs are
   * ready (the answer then shows the warnings), else — a cited photo still being processed, or the
   * pass failing — as a job on the evidence queue, retried with backoff and dead-lettered visibly.
   * Should even the queue be unreachable, the reconcile job finds the event without a guard pass. */
  async function afterCommand(
    itemId: string,
    command: ItemCommand,
    events: { seq: number; event: { type: string } }[],
    log: ErrorLog,
  ): Promise<GuardOutcome | 'queued' | null> {
    if (!citedEvidence(command)) return null;
    const citing = events.find((e) => Object.hasOwn(CITING, e.event.type));
    if (!citing) return null;
    let outcome: GuardOutcome | null = null;
    try {
      outcome = await guardEvent(itemId, citing.seq);
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

  return {
    guardEvent,
    assertCitable: (itemId: string, command: ItemCommand) => assertCitable(db, itemId, command),
    afterCommand,
  };
}
