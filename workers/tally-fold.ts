// The dashboard's tallies folded as a recurring BullMQ job: every minute (bin/runtime.ts), the changes the trigger on
// items appended are summed into the tallies (db/schema/tallies.ts). Readers add the changes not folded
// yet, so a late or missed fold costs a dashboard a few more rows to read, never a wrong count.
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { foldTallies } from '../db/queries/tallies.ts';
import { defineJob, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';

export const TALLY_FOLD_QUEUE = 'tally-fold';
export async function startTallyFold(kit: QueueKit, deps: { db: Db }, opts: { everySeconds: number; log: Log }) {
  const queue = kit.queue(TALLY_FOLD_QUEUE);
  await queue.upsertJobScheduler(
    'tally-fold',
    { every: opts.everySeconds * 1000 },
    { name: 'fold', data: {}, opts: { removeOnComplete: 20, removeOnFail: 100 } },
  );
  const job = defineJob({
    queue: TALLY_FOLD_QUEUE,
    name: 'fold',
    schema: z.object({}).loose(),
    handle: async () => ({ touched: await foldTallies(deps.db) }),
  });
  const workers = startJobWorkers(kit, [job], { log: opts.log });
  return { queue, close: () => Promise.all(workers.map((w) => w.close())).then(() => {}) };
}
