// BullMQ, on Redis when REDIS_URL is set, otherwise on BullMQ's PostgreSQL backend in our own
// database (schema `bullmq`). One code path; the backend is chosen once, at start.
//
// The kit also carries what every queue needs the same way on both backends: one Queue handle per
// name, retries with exponential backoff by default, a dead-letter view (jobs that failed their
// last attempt, or were refused as unrecoverable) that can be listed and retried, cancellation,
// and counts for the admin endpoint and /metrics.
import { Queue, Worker, withBackend, createPostgresBackend, type Job, type JobsOptions, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueView } from '../services/jobs.ts';

export type { DeadJob, QueueCounts } from '../services/jobs.ts';

/** The queue view of services/jobs.ts, plus the handles the workers use. */
export interface QueueKit extends QueueView {
  /** The one Queue handle of this name in this process. */
  queue<D = unknown>(name: string): Queue<D>;
  worker<D = unknown>(name: string, processor: Processor<D>, opts?: { concurrency?: number }): Worker<D>;
  close(): Promise<void>;
}

/** Retries with exponential backoff (2 s, 4 s, 8 s, …) unless a job says otherwise; history kept bounded. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

export function createQueueKit(opts: {
  redisUrl?: string;
  databaseUrl: string;
  prefix?: string;
  defaultJobOptions?: JobsOptions;
  /** Where connection errors go (throttled: one line per queue per 30 s while the backend is down). */
  log?: (msg: string) => void;
}): QueueKit {
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T) => {
    opened.push(x);
    return x;
  };
  const queues = new Map<string, Queue>();
  const redisConnections: Redis[] = [];
  const defaultJobOptions = opts.defaultJobOptions ?? DEFAULT_JOB_OPTIONS;

  let makeQueue: (name: string) => Queue;
  let makeWorker: (name: string, processor: Processor, concurrency: number) => Worker;
  let backend: QueueKit['backend'];
  if (opts.redisUrl) {
    const url = opts.redisUrl;
    // maxRetriesPerRequest: null — commands wait for a Redis that restarts instead of failing the job.
    // BullMQ does not close connections it was given: the kit closes them after the queues and workers.
    const connection = () => {
      const c = new Redis(url, { maxRetriesPerRequest: null });
      c.on('error', () => {}); // reported (throttled) through the queue's and worker's 'error' events
      redisConnections.push(c);
      return c;
    };
    backend = 'redis';
    makeQueue = (name) => new Queue(name, { connection: connection(), prefix: opts.prefix, defaultJobOptions });
    makeWorker = (name, processor, concurrency) =>
      new Worker(name, processor, { connection: connection(), prefix: opts.prefix, concurrency });
  } else {
    const pg = withBackend(createPostgresBackend);
    // migrate: true creates/updates BullMQ's own tables; without it the backend refuses to start.
    const connection = {
      connectionString: opts.databaseUrl,
      schema: opts.prefix ? `bullmq_${opts.prefix}` : 'bullmq',
      migrate: true,
      max: 4,
    };
    backend = 'postgres';
    makeQueue = (name) => new pg.Queue(name, { connection, defaultJobOptions }) as unknown as Queue;
    makeWorker = (name, processor, concurrency) =>
      new pg.Worker(name, processor, { connection, concurrency }) as unknown as Worker;
  }

  const lastError = new Map<string, number>();
  const onError = (what: string) => (err: Error) => {
    if (Date.now() - (lastError.get(what) ?? 0) < 30_000) return;
    lastError.set(what, Date.now());
    (opts.log ?? ((m: string) => console.error(m)))(
      `[queues] ${what} on the ${backend} backend: ${err.message} (retrying; further errors muted for 30 s)`,
    );
  };
  const queue = <D>(name: string): Queue<D> => {
    let q = queues.get(name);
    if (!q) {
      q = track(makeQueue(name));
      q.on('error', onError(`queue ${name}`));
      queues.set(name, q);
    }
    return q as unknown as Queue<D>;
  };

  return {
    backend,
    queue,
    worker: <D>(name: string, processor: Processor<D>, o?: { concurrency?: number }) => {
      const w = track(makeWorker(name, processor as Processor, o?.concurrency ?? 1));
      w.on('error', onError(`worker ${name}`));
      return w as unknown as Worker<D>;
    },
    async cancel(name, jobId) {
      const job = await queue(name).getJob(jobId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'delayed' && state !== 'waiting' && state !== 'prioritized') return false;
      return (await queue(name).remove(jobId)) === 1;
    },
    async counts(name) {
      const c = await queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
      return {
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
        prioritized: c.prioritized ?? 0,
      };
    },
    async dead(name, o = {}) {
      const offset = o.offset ?? 0;
      const jobs = await queue(name).getFailed(offset, offset + (o.limit ?? 50) - 1);
      return jobs
        .filter((j): j is Job => !!j)
        .map((j) => ({
          id: String(j.id),
          name: j.name,
          reason: j.failedReason ?? '(no reason recorded)',
          attemptsMade: j.attemptsMade,
          failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
          data: j.data,
        }));
    },
    async retryDead(name, jobId) {
      const job = await queue(name).getJob(jobId);
      if (!job || (await job.getState()) !== 'failed') return null;
      await job.retry('failed', { resetAttemptsMade: true });
      return 'retried';
    },
    names: () => [...queues.keys()],
    close: async () => {
      await Promise.allSettled(opened.reverse().map((x) => x.close()));
      for (const c of redisConnections) c.disconnect();
    },
  };
}
