// Large ledger imports (台账导入) as a background job on the `imports` queue: the plan is kept in
// import_jobs.plan, the job commits it all or nothing (ledger/import/commit.ts), progress goes to
// import_jobs.processed_rows for GET /imports/{id}. A job survives the request and a restart
// (BullMQ takes a stalled job up again); a failed attempt rolled back whole and is retried; a
// retry after a commit that did land (the process died before marking it done) finds the job's
// imported rows and only marks it done — never a second copy.
import { count, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { ImportJobs, StoredPlan } from '../services/jobs.ts';
import type { Db } from '../db/client.ts';
import { importedRows, importJobs } from '../db/schema.ts';
import { commitPlan, setJob } from '../ledger/import/commit.ts';
import type { Clock } from '../workflows/engine.ts';
import type { LocalEngine } from '../workflows/local/local-engine.ts';
import { defineJob, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';

export const IMPORTS_QUEUE = 'imports';

export interface ImportDeps {
  db: Db;
  engine: Pick<LocalEngine, 'executeIn'>;
  clock: Clock;
  log: Log;
}

export async function runImportCommit(
  deps: ImportDeps,
  jobId: string,
  attempt: { made: number; max: number },
): Promise<{ created: number; already?: boolean }> {
  const { db, clock } = deps;
  const [job] = await db
    .select({ status: importJobs.status, plan: importJobs.plan, createdItems: importJobs.createdItems })
    .from(importJobs)
    .where(eq(importJobs.id, jobId));
  if (!job) return { created: 0 };
  if (job.status === 'done') return { created: job.createdItems, already: true };
  const [landed] = await db.select({ n: count() }).from(importedRows).where(eq(importedRows.jobId, jobId));
  if (landed!.n > 0) {
    await setJob(db, jobId, {
      status: 'done',
      processedRows: landed!.n,
      createdItems: landed!.n,
      plan: null,
      error: null,
      finishedAt: clock.now().toISOString(),
    });
    return { created: landed!.n, already: true };
  }
  const plan = job.plan as StoredPlan | null;
  if (!plan) throw new Error(`import ${jobId} has no stored plan (status ${job.status}); it cannot be committed`);
  await setJob(db, jobId, { status: 'running', processedRows: 0, attempts: attempt.made + 1, finishedAt: null });
  try {
    const created = await commitPlan(
      {
        db,
        engine: deps.engine,
        actor: plan.actor,
        jobId,
        today: plan.today,
        campaign: plan.campaign,
        leadOf: new Map(plan.leadOf),
      },
      plan.rows,
      (n) => setJob(db, jobId, { processedRows: n }),
    );
    await setJob(db, jobId, {
      status: 'done',
      processedRows: created,
      createdItems: created,
      plan: null,
      error: null,
      finishedAt: clock.now().toISOString(),
    });
    return { created };
  } catch (err) {
    const last = attempt.made + 1 >= attempt.max;
    const msg = (err as Error).message;
    await setJob(
      db,
      jobId,
      last
        ? { status: 'failed', processedRows: 0, error: msg, plan: null, finishedAt: clock.now().toISOString() }
        : {
            status: 'queued',
            processedRows: 0,
            error: `第 ${attempt.made + 1} 次尝试未成功（已整批回滚），稍后重试：${msg}`,
          },
    );
    throw err;
  }
}

export function startImportWorkers(
  kit: QueueKit,
  deps: ImportDeps,
  opts: { attempts?: number; backoffMs?: number } = {},
) {
  const queue = kit.queue(IMPORTS_QUEUE);
  const attempts = opts.attempts ?? 3;
  const workers = startJobWorkers(
    kit,
    [
      defineJob({
        queue: IMPORTS_QUEUE,
        name: 'commit',
        schema: z.object({ jobId: z.uuid() }),
        handle: (d, job) =>
          runImportCommit(deps, d.jobId, { made: job.attemptsMade, max: job.opts.attempts ?? attempts }),
      }),
    ],
    { log: deps.log, concurrency: { [IMPORTS_QUEUE]: 1 } },
  );
  const imports: ImportJobs = {
    async enqueue(jobId, plan) {
      await setJob(deps.db, jobId, { status: 'queued', plan, processedRows: 0, finishedAt: null });
      await queue.add(
        'commit',
        { jobId },
        {
          jobId: `import-${jobId}`,
          attempts,
          backoff: { type: 'exponential', delay: opts.backoffMs ?? 2_000 },
          removeOnComplete: { count: 200 },
          removeOnFail: { count: 1000 },
        },
      );
    },
  };
  return {
    imports,
    workers,
    close: async () => {
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
