// Running the paper sign-off guard after a command cited evidence: gather the facts, let the pure
// guard decide, and record each finding as an event on the item (sent by the runtime, actor null).
import { eq } from 'drizzle-orm';
import { guardEvidence, NEAR_DUPLICATE_MAX_DISTANCE, type GuardInput } from '../../../domain/evidence/guard.ts';
import type { ItemCommand } from '../../../domain/item/types.ts';
import type { Db } from '../../../db/client.ts';
import { foreignEvidence, guardFacts } from '../../../db/queries/evidence.ts';
import { items } from '../../../db/schema.ts';
import type { Clock, ItemEngine } from '../../../workflows/engine.ts';
import { Problem } from '../../problem.ts';

type Cited = { command: GuardInput['command']; ids: string[] };

/** The attachments a command cites, and which guard checks apply. */
export function citedEvidence(c: ItemCommand): Cited | null {
  switch (c.type) {
    case 'record_progress': return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    case 'complete_milestone': return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    case 'submit': return c.evidence.length ? { command: c.type, ids: c.evidence } : null;
    case 'recheck': return c.evidence?.length ? { command: c.type, ids: c.evidence } : null;
    default: return null;
  }
}

/** Evidence must be files uploaded to this item; anything else answers 422 before the command runs. */
export async function assertCitable(db: Db, itemId: string, command: ItemCommand): Promise<void> {
  const cited = citedEvidence(command);
  if (!cited) return;
  const foreign = await foreignEvidence(db, itemId, cited.ids);
  if (foreign.length > 0) {
    throw new Problem(422, 'evidence_not_found', 'Unknown evidence', 'evidence must be attachment ids of files uploaded to this item',
      { errors: foreign.map((id) => ({ path: `body.evidence.${cited.ids.indexOf(id)}`, message: `${id} is not a file uploaded to this item` })) });
  }
}

export async function runEvidenceGuard(deps: { db: Db; engine: ItemEngine; clock: Clock }, itemId: string, command: ItemCommand,
  log: { error: (o: object, m: string) => void }): Promise<void> {
  const cited = citedEvidence(command);
  if (!cited) return;
  try {
    const [row] = await deps.db.select({ state: items.state }).from(items).where(eq(items.id, itemId));
    if (!row) return;
    const facts = await guardFacts(deps.db, itemId, cited.ids, row.state.responsibleUnit?.id ?? null, NEAR_DUPLICATE_MAX_DISTANCE);
    const warnings = guardEvidence({ item: row.state, command: cited.command, now: deps.clock.now().toISOString(), ...facts });
    if (warnings.length === 0) return;
    await deps.engine.execute({ itemId, command: { type: 'raise_evidence_warnings', warnings }, actor: null });
  } catch (err) {
    // The command itself stands; a missed guard pass is logged loudly (the warnings can be re-derived from the trail).
    log.error({ err, itemId }, 'evidence guard failed after the command committed; no warnings were recorded for it');
  }
}
