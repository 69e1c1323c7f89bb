// BullMQ, on Redis when REDIS_URL is set, otherwise on BullMQ's PostgreSQL backend in our own
// database (schema `bullmq`). One code path; the backend is chosen once, at start.
import { Queue, Worker, withBackend, createPostgresBackend, type Processor } from 'bullmq';
import { Redis } from 'ioredis';

export interface QueueKit {
  backend: 'redis' | 'postgres';
  queue<D = unknown>(name: string): Queue<D>;
  worker<D = unknown>(name: string, processor: Processor<D>, opts?: { concurrency?: number }): Worker<D>;
  close(): Promise<void>;
}

export function createQueueKit(opts: { redisUrl?: string; databaseUrl: string; prefix?: string }): QueueKit {
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T) => { opened.push(x); return x; };
  const close = async () => { await Promise.allSettled(opened.reverse().map((x) => x.close())); };

  if (opts.redisUrl) {
    const url = opts.redisUrl;
    // Workers need maxRetriesPerRequest: null so a blocking read survives a Redis restart.
    const connection = () => new Redis(url, { maxRetriesPerRequest: null });
    return {
      backend: 'redis',
      queue: (name) => track(new Queue(name, { connection: connection(), prefix: opts.prefix })),
      worker: (name, processor, o) => track(new Worker(name, processor, { connection: connection(), prefix: opts.prefix, concurrency: o?.concurrency ?? 1 })),
      close,
    };
  }
  const pg = withBackend(createPostgresBackend);
  // migrate: true creates/updates BullMQ's own tables; without it the backend refuses to start.
  const connection = { connectionString: opts.databaseUrl, schema: opts.prefix ? `bullmq_${opts.prefix}` : 'bullmq', migrate: true, max: 4 };
  return {
    backend: 'postgres',
    queue: (name) => track(new pg.Queue(name, { connection }) as unknown as Queue),
    worker: (name, processor, o) => track(new pg.Worker(name, processor as Processor, { connection, concurrency: o?.concurrency ?? 1 }) as unknown as Worker),
    close,
  } as QueueKit;
}
