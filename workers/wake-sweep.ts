// The wake-up sweep as a recurring BullMQ job: every few seconds, tick the items whose next
// wake-up is due. The job scheduler survives restarts; a sweep after downtime catches up on
// everything that fell due meanwhile (the domain fires each step once, however late).
import type { Db } from '../db/client.ts';
import type { Clock } from '../workflows/engine.ts';
import type { LocalEngine } from '../workflows/local/local-engine.ts';
import { type SweepResult, sweepDueItems } from '../workflows/local/sweep.ts';
import type { QueueKit } from './queues.ts';

const WAKE_SWEEP_QUEUE = 'wake-sweep';

/**
 * One sweep run by several claimers at once: FOR UPDATE SKIP LOCKED hands each a disjoint set of due
 * rows, so a burst (a common deadline, a clock past many deadlines, downtime) is ticked while other
 * claimers wait on the database — each item still once.
 */
export async function sweepInParallel(
  deps: { db: Db; engine: LocalEngine; clock: Clock },
  claimers: number,
): Promise<SweepResult> {
  const runs = await Promise.all(Array.from({ length: Math.max(1, claimers) }, () => sweepDueItems(deps)));
  return runs.reduce((a, b) => ({
    ticked: a.ticked + b.ticked,
    events: a.events + b.events,
    failed: [...a.failed, ...b.failed],
  }));
}

export async function startWakeSweep(
  kit: QueueKit,
  deps: { db: Db; engine: LocalEngine; clock: Clock },
  opts: { everySeconds: number; log: (msg: string, extra?: object) => void; claimers?: number },
) {
  const queue = kit.queue(WAKE_SWEEP_QUEUE);
  const schedule = () =>
    queue.upsertJobScheduler(
      'wake-sweep',
      { every: opts.everySeconds * 1000 },
      {
        name: 'sweep',
        data: {},
        opts: { removeOnComplete: 100, removeOnFail: 500 },
      },
    );
  await schedule();
  // Re-asserted now and then (idempotent): a Redis that restarted without its data forgot the schedule.
  const timer = setInterval(() => {
    schedule().catch((err) =>
      opts.log(`wake sweep: could not re-assert the schedule (queue backend down?): ${(err as Error).message}`),
    );
  }, 60_000);
  timer.unref();
  const worker = kit.worker(WAKE_SWEEP_QUEUE, async () => {
    const r = await sweepInParallel(deps, opts.claimers ?? 3);
    if (r.ticked > 0 || r.failed.length > 0) {
      opts.log('wake sweep', { ticked: r.ticked, events: r.events, failed: r.failed.length });
    }
    for (const f of r.failed) opts.log(`wake sweep: item ${f.itemId} failed to tick, retry in 5 min: ${f.error}`);
    return { ticked: r.ticked, events: r.events, failed: r.failed.length };
  });
  worker.on('failed', (_job, err) => opts.log(`wake sweep failed: ${err.message}`));
  worker.on('closed', () => clearInterval(timer));
  return { queue, worker, runNow: () => queue.add('sweep-now', {}, { removeOnComplete: 100 }) };
}
