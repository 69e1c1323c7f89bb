// The wake-up sweep: tick every item whose next wake-up is due. Rows are claimed with
// FOR UPDATE SKIP LOCKED, so several sweepers (processes, or a sweep racing a user's command)
// never tick one item twice; a sweep that runs late simply finds more rows due.
import { and, asc, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { items } from '../../db/schema.ts';
import { CommandRefused, type Clock } from '../engine.ts';
import { reaimWakeups } from '../ledger.ts';
import type { LocalEngine } from './local-engine.ts';

export interface SweepResult {
  ticked: number;
  events: number;
  failed: { itemId: string; error: string }[];
}

export async function sweepDueItems(
  deps: { db: Db; engine: LocalEngine; clock: Clock },
  opts: { batchSize?: number; maxBatches?: number } = {},
): Promise<SweepResult> {
  const { db, engine, clock } = deps;
  const batchSize = opts.batchSize ?? 200;
  const result: SweepResult = { ticked: 0, events: 0, failed: [] };
  for (let batch = 0; batch < (opts.maxBatches ?? 1000); batch++) {
    const now = clock.now().toISOString();
    const claimed = await db.transaction(async (tx) => {
      const due = await tx
        .select({ id: items.id })
        .from(items)
        .where(and(isNotNull(items.nextWakeAt), lte(items.nextWakeAt, now)))
        .orderBy(asc(items.nextWakeAt))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      // Ticked together (one lock statement, one ledger update, one events insert for the batch); each
      // item succeeds or fails on its own — a failing joint write is retried item by item (executeBatchIn).
      const outcomes = await engine.executeBatchIn(
        tx,
        due.map(({ id }) => ({ itemId: id, command: { type: 'tick' as const }, actor: null })),
      );
      const failed: string[] = [];
      for (const [k, o] of outcomes.entries()) {
        if ('error' in o) {
          const err = o.error;
          const msg = err instanceof CommandRefused ? `${err.error.code}: ${err.message}` : String(err);
          result.failed.push({ itemId: due[k]!.id, error: msg });
          failed.push(due[k]!.id);
        } else {
          result.events += o.events.length;
          result.ticked++;
        }
      }
      if (failed.length > 0) {
        // Try again later rather than spin on the same rows in this sweep.
        const retryAt = new Date(clock.now().getTime() + 5 * 60_000).toISOString();
        await reaimWakeups(
          tx,
          failed.map((id) => ({ id, wake: retryAt })),
        );
      }
      return due.length;
    });
    if (claimed < batchSize) break;
  }
  return result;
}
