// Trail checkpoints as a recurring BullMQ job: every CHECKPOINT_EVERY_MINUTES, sign the head of every
// item of every campaign (services/trail/checkpoint.ts; skipped for a campaign where nothing moved).
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { checkpointAll } from '../services/trail/checkpoint.ts';
import type { TrailSigner } from '../services/trail/signer.ts';
import type { Clock } from '../workflows/engine.ts';
import { defineJob, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';

export const CHECKPOINT_QUEUE = 'trail-checkpoints';

export async function startCheckpoints(
  kit: QueueKit,
  deps: { db: Db; signer: TrailSigner; clock: Clock },
  opts: { everyMinutes: number; log: Log },
) {
  const queue = kit.queue(CHECKPOINT_QUEUE);
  await queue.upsertJobScheduler(
    'trail-checkpoint',
    { every: opts.everyMinutes * 60_000 },
    { name: 'checkpoint', data: {}, opts: { removeOnComplete: 50, removeOnFail: 500 } },
  );
  const job = defineJob({
    queue: CHECKPOINT_QUEUE,
    name: 'checkpoint',
    schema: z.object({}).loose(),
    handle: async () => {
      const r = await checkpointAll(deps.db, deps.signer, deps.clock.now().toISOString());
      if (r.made > 0) opts.log('trail checkpoints signed', r);
      return r;
    },
  });
  const workers = startJobWorkers(kit, [job], { log: opts.log });
  return { queue, close: () => Promise.all(workers.map((w) => w.close())).then(() => {}) };
}
