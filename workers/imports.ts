// Large ledger imports (台账导入) as a background job on the `imports` queue: the plan is kept in
// import_jobs.plan, the job commits it all or nothing (services/ledger-import.ts), progress goes to
// import_jobs.processed_rows for GET /imports/{id}. A job survives the request and a restart
// (BullMQ takes a stalled job up again); a failed attempt rolled back whole and is retried; a
// retry after a commit that did land (the process died before marking it done) finds the job's
// imported rows and only marks it done — never a second copy.
import { z } from 'zod';
import type { ImportJobs } from '../services/jobs.ts';
import type { Db } from '../db/client.ts';
import { loadCalendar } from '../db/calendar.ts';
import { setJob } from '../db/queries/import-jobs.ts';
import { ledgerImport } from '../services/ledger-import.ts';
import type { Clock, ItemEngine } from '../workflows/engine.ts';

import { defineJob, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';

export const IMPORTS_QUEUE = 'imports';

export interface ImportDeps {
  db: Db;
  engine: ItemEngine;
  clock: Clock;
  log: Log;
}

/** The imports job (services/ledger-import.ts runJob); kept here for the tests that drive it directly. */
export async function runImportCommit(deps: ImportDeps, jobId: string, attempt: { made: number; max: number }) {
  return ledgerImport({
    db: deps.db,
    engine: deps.engine,
    clock: deps.clock,
    calendar: () => loadCalendar(deps.db),
  }).runJob(jobId, attempt);
}

interface ImportJobOptions {
  attempts?: number;
  backoffMs?: number;
}

/** The enqueue function the API uses (a process without background work has it and no worker). */
export function importJobs(kit: QueueKit, db: Db, opts: ImportJobOptions = {}): ImportJobs {
  const queue = kit.queue(IMPORTS_QUEUE);
  return {
    async enqueue(jobId, plan) {
      await setJob(db, jobId, { status: 'queued', plan, processedRows: 0, finishedAt: null });
      await queue.add(
        'commit',
        { jobId },
        {
          jobId: `import-${jobId}`,
          attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
          backoff: { type: 'exponential', delay: opts.backoffMs ?? 2_000 },
          removeOnComplete: { count: 200 },
          removeOnFail: { count: 1000 },
        },
      );
    },
  };
}

const DEFAULT_ATTEMPTS = 3;

export function startImportWorkers(kit: QueueKit, deps: ImportDeps, opts: ImportJobOptions = {}) {
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
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
  return {
    imports: importJobs(kit, deps.db, opts),
    workers,
    close: async () => {
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
