// The wake-up sweep: tick every item whose next wake-up is due. Rows are claimed with
// FOR UPDATE SKIP LOCKED, so several sweepers (processes, or a sweep racing a user's command)
// never tick one item twice; a sweep that runs late simply finds more rows due.
import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { items } from '../../db/schema.ts';
import { CommandRefused, type Clock } from '../engine.ts';
import type { LocalEngine } from './local-engine.ts';

export interface SweepResult { ticked: number; events: number; failed: { itemId: string; error: string }[] }

export async function sweepDueItems(deps: { db: Db; engine: LocalEngine; clock: Clock },
  opts: { batchSize?: number; maxBatches?: number } = {}): Promise<SweepResult> {
  const { db, engine, clock } = deps;
  const batchSize = opts.batchSize ?? 200;
  const result: SweepResult = { ticked: 0, events: 0, failed: [] };
  for (let batch = 0; batch < (opts.maxBatches ?? 1000); batch++) {
    const now = clock.now().toISOString();
    const claimed = await db.transaction(async (tx) => {
      const due = await tx.select({ id: items.id }).from(items)
        .where(and(isNotNull(items.nextWakeAt), lte(items.nextWakeAt, now)))
        .orderBy(asc(items.nextWakeAt)).limit(batchSize).for('update', { skipLocked: true });
      for (const { id } of due) {
        // A savepoint per item: one bad item must not hold back the rest of the batch.
        try {
          await tx.transaction(async (sp) => {
            const out = await engine.executeIn(sp, { itemId: id, command: { type: 'tick' }, actor: null });
            result.events += out.events.length;
          });
          result.ticked++;
        } catch (err) {
          const msg = err instanceof CommandRefused ? `${err.error.code}: ${err.message}` : String(err);
          result.failed.push({ itemId: id, error: msg });
          // Try again later rather than spin on the same row in this sweep.
          const retryAt = new Date(clock.now().getTime() + 5 * 60_000).toISOString();
          await tx.update(items).set({ nextWakeAt: retryAt }).where(eq(items.id, id));
        }
      }
      return due.length;
    });
    if (claimed < batchSize) break;
  }
  return result;
}
