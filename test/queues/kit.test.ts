// The queue kit, the same cases on both BullMQ backends: PostgreSQL always, Redis when reachable
// (REDIS_URL in CI, else a redis-server of our own). Delayed jobs with fixed ids, cancellation,
// cron schedulers in Asia/Shanghai, retries with backoff, the dead-letter view and its retry, and a
// payload that no longer matches its schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob, startJobWorkers } from '../../workers/jobs.ts';
import { createQueueKit, type QueueKit } from '../../workers/queues.ts';
import { createTestDatabase } from '../support/db.ts';
import { redisForSuite } from '../support/redis.ts';

const redis = await redisForSuite();
if (!redis) console.log('[test] kit.test: Redis backend SKIPPED — no REDIS_URL and no redis-server installed');
afterAll(async () => {
  await redis?.stop();
});

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each([
  { backend: 'postgres' as const, run: true },
  { backend: 'redis' as const, run: !!redis },
])('queue kit on BullMQ ($backend backend)', ({ backend, run }) => {
  let kit: QueueKit;
  const ran: { name: string; data: unknown; at: number; attempt: number }[] = [];
  let flaky = 0; // fail this many more times
  let deadFixed = false;
  beforeAll(async () => {
    if (!run) return;
    const { url } = await createTestDatabase();
    kit = createQueueKit({
      redisUrl: backend === 'redis' ? redis!.url : undefined,
      databaseUrl: url,
      prefix: `kit${process.pid}${backend}`,
    });
    startJobWorkers(
      kit,
      [
        defineJob({
          queue: 'kit',
          name: 'echo',
          schema: z.object({ n: z.number() }),
          handle: async (data, job) => {
            ran.push({ name: job.name, data, at: Date.now(), attempt: job.attemptsMade + 1 });
            return data.n;
          },
        }),
        defineJob({
          queue: 'kit',
          name: 'flaky',
          schema: z.object({ n: z.number() }),
          handle: async (data, job) => {
            ran.push({ name: job.name, data, at: Date.now(), attempt: job.attemptsMade + 1 });
            if (flaky-- > 0) throw new Error(`flaky failure, attempt ${job.attemptsMade + 1}`);
          },
        }),
        defineJob({
          queue: 'kit',
          name: 'doomed',
          schema: z.object({ n: z.number() }),
          handle: async () => {
            if (!deadFixed) throw new Error('the gateway answered 503');
          },
        }),
      ],
      { log: () => {}, concurrency: { kit: 4 } },
    );
  });
  afterAll(async () => {
    await kit?.close();
  });

  it.runIf(run)('runs a delayed job with a fixed id once, with the first payload', async () => {
    expect(kit.backend).toBe(backend);
    const q = kit.queue('kit');
    const t0 = Date.now();
    await q.add('echo', { n: 1 }, { jobId: 'item-1-remind-3d', delay: 400 });
    await q.add('echo', { n: 2 }, { jobId: 'item-1-remind-3d', delay: 400 });
    await until('the delayed job', () => ran.some((r) => r.name === 'echo'));
    await new Promise((r) => setTimeout(r, 600));
    const echoes = ran.filter((r) => r.name === 'echo');
    expect(echoes.map((r) => r.data)).toEqual([{ n: 1 }]);
    expect(echoes[0]!.at - t0).toBeGreaterThanOrEqual(350);
  });

  it.runIf(run)('cancels a delayed job before it runs; cancelling what does not wait answers false', async () => {
    const q = kit.queue('kit');
    await q.add('echo', { n: 99 }, { jobId: 'cancel-me', delay: 1500 });
    expect(await kit.cancel('kit', 'cancel-me')).toBe(true);
    expect(await kit.cancel('kit', 'cancel-me')).toBe(false);
    expect(await kit.cancel('kit', 'never-existed')).toBe(false);
    await new Promise((r) => setTimeout(r, 2000));
    expect(ran.filter((r) => (r.data as { n: number }).n === 99)).toEqual([]);
  });

  it.runIf(run)('plans a cron scheduler in Asia/Shanghai: 08:00 there is 00:00 UTC', async () => {
    const q = kit.queue('kit');
    await q.upsertJobScheduler(
      'daily-digest-test',
      { pattern: '0 8 * * *', tz: 'Asia/Shanghai' },
      { name: 'echo', data: { n: 8 } },
    );
    const s = await q.getJobScheduler('daily-digest-test');
    expect(s?.tz).toBe('Asia/Shanghai');
    const next = new Date(s!.next!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([0, 0]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    await q.removeJobScheduler('daily-digest-test');
    expect(await q.getJobScheduler('daily-digest-test')).toBeFalsy();
  });

  it.runIf(run)('retries a failing job with exponential backoff until it succeeds', async () => {
    flaky = 2;
    const q = kit.queue('kit');
    const job = await q.add('flaky', { n: 7 }, { attempts: 4, backoff: { type: 'exponential', delay: 200 } });
    await until('the third attempt to succeed', async () => (await job.getState()) === 'completed');
    const tries = ran.filter((r) => r.name === 'flaky');
    expect(tries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(180); // 200 ms
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(380); // 400 ms
  });

  it.runIf(run)('dead-letters a job after its last attempt with the reason, and retries it from the list', async () => {
    const q = kit.queue('kit');
    await q.add('doomed', { n: 3 }, { jobId: 'doomed-1', attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    await until('the dead letter', async () => (await kit.dead('kit')).some((d) => d.id === 'doomed-1'));
    const dead = (await kit.dead('kit')).find((d) => d.id === 'doomed-1')!;
    expect(dead).toMatchObject({ name: 'doomed', reason: 'the gateway answered 503', attemptsMade: 2, data: { n: 3 } });
    expect((await kit.counts('kit')).failed).toBeGreaterThanOrEqual(1);
    deadFixed = true;
    expect(await kit.retryDead('kit', 'doomed-1')).toBe('retried');
    await until(
      'the retried job to complete',
      async () => (await (await q.getJob('doomed-1'))!.getState()) === 'completed',
    );
    expect((await kit.dead('kit')).some((d) => d.id === 'doomed-1')).toBe(false);
    expect(await kit.retryDead('kit', 'doomed-1')).toBeNull(); // not dead any more
  });

  it.runIf(run)('dead-letters a payload that does not match its schema at once, and keeps working', async () => {
    const q = kit.queue('kit');
    await q.add('echo', { n: 'not a number' }, { jobId: 'bad-payload', attempts: 5 });
    await q.add('nobody-handles-this', { n: 1 }, { jobId: 'no-handler' });
    await q.add('echo', { n: 42 }, { jobId: 'good-after-bad' });
    await until('the good job', () => ran.some((r) => (r.data as { n: number }).n === 42));
    await until(
      'both dead letters',
      async () => (await kit.dead('kit')).filter((d) => d.id === 'bad-payload' || d.id === 'no-handler').length === 2,
    );
    const dead = await kit.dead('kit');
    const bad = dead.find((d) => d.id === 'bad-payload')!;
    expect(bad.reason).toBe(
      'payload of kit/echo does not match its schema: n: Invalid input: expected number, received string',
    );
    expect(bad.attemptsMade).toBeLessThanOrEqual(1); // not retried: it would fail the same way
    expect(dead.find((d) => d.id === 'no-handler')!.reason).toMatch(
      /^no handler for job "nobody-handles-this" on queue kit/,
    );
  });

  it.runIf(run)('refuses two handlers for one job name at start', () => {
    const def = defineJob({ queue: 'x', name: 'y', schema: z.object({}), handle: async () => null });
    expect(() => startJobWorkers(kit, [def, def], { log: () => {} })).toThrow('job x/y has two handlers');
  });
});
