// Job definitions: one per job name, each with the zod schema of its payload. Workers are started
// from the list, so a job name with no handler or two handlers stops the process at start, and a
// payload that no longer matches its schema (after an upgrade) is dead-lettered with the reason
// instead of crashing the worker or being retried forever.
import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import type { z } from 'zod';
import type { QueueKit } from './queues.ts';

export interface JobDef<T = unknown> {
  queue: string;
  name: string;
  schema: z.ZodType<T>;
  handle(data: T, job: Job, token: string | undefined): Promise<unknown>;
}

export const defineJob = <T>(def: JobDef<T>): JobDef<T> => def;

export type Log = (msg: string, extra?: object) => void;

/** Readable zod issues: "field: message; field: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
}

export function startJobWorkers(
  kit: QueueKit,
  defs: JobDef[],
  opts: { log: Log; concurrency?: Record<string, number> },
): Worker[] {
  const byQueue = new Map<string, Map<string, JobDef>>();
  for (const d of defs) {
    const names = byQueue.get(d.queue) ?? new Map<string, JobDef>();
    if (names.has(d.name)) throw new Error(`job ${d.queue}/${d.name} has two handlers`);
    names.set(d.name, d);
    byQueue.set(d.queue, names);
  }
  const workers: Worker[] = [];
  for (const [queue, names] of byQueue) {
    const worker = kit.worker(
      queue,
      async (job, token) => {
        const def = names.get(job.name);
        if (!def)
          throw new UnrecoverableError(
            `no handler for job "${job.name}" on queue ${queue} (known: ${[...names.keys()].join(', ')})`,
          );
        const parsed = def.schema.safeParse(job.data);
        if (!parsed.success) {
          throw new UnrecoverableError(
            `payload of ${queue}/${job.name} does not match its schema: ${describeIssues(parsed.error)}`,
          );
        }
        return def.handle(parsed.data, job, token);
      },
      { concurrency: opts.concurrency?.[queue] ?? 1 },
    );
    worker.on('failed', (job, err) => {
      const last = !job || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      opts.log(
        `job ${queue}/${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}${last ? ', dead-lettered' : ', will retry'}): ${err.message}`,
      );
    });
    workers.push(worker);
  }
  return workers;
}
