// The evidence guard as the item routes call it: services/evidence-guard.ts does the work; these keep
// the items routes' call sites (assertCitable before the command, runEvidenceGuard after it).
import type { Db } from '../../../db/client.ts';
import type { ItemCommand } from '../../../domain/item/types.ts';
import { evidenceGuard, type GuardOutcome } from '../../../services/evidence-guard.ts';
import type { EvidenceJobs } from '../../../services/jobs.ts';
import type { ItemEngine } from '../../../workflows/engine.ts';

export { assertCitable, citedEvidence } from '../../../services/evidence-guard.ts';

/** The guard pass for the citing event the command just recorded (services/evidence-guard.ts afterCommand). */
export async function runEvidenceGuard(
  deps: { db: Db; engine: ItemEngine; jobs?: EvidenceJobs },
  itemId: string,
  command: ItemCommand,
  events: { seq: number; event: { type: string } }[],
  log: { error: (o: object, m: string) => void },
): Promise<GuardOutcome | 'queued' | null> {
  return evidenceGuard(deps).afterCommand(itemId, command, events, log);
}
