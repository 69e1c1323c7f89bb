// /readyz covers the queue backend: a Redis that does not answer makes the process not ready (503 naming
// the backend) within the probe's 2 s, instead of 200 while nothing is swept; the PostgreSQL backend answers.
import { afterAll, describe, expect, it } from 'vitest';
import { queueReadiness } from '../../bin/runtime.ts';
import { freePort } from '../../db/embedded.ts';
import { createQueueKit } from '../../workers/queues.ts';
import { createTestDatabase } from '../support/db.ts';

const kits: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const k of kits) await k.close().catch(() => {});
});

describe('queue readiness', () => {
  it('fails within the timeout, naming the backend, when Redis does not answer', async () => {
    const kit = createQueueKit({ redisUrl: `redis://127.0.0.1:${await freePort()}`, databaseUrl: '', log: () => {} });
    kits.push(kit);
    kit.queue('notify');
    const t0 = Date.now();
    await expect(queueReadiness(kit, 1500)()).rejects.toThrow(/queue backend \(redis\)/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('passes on the PostgreSQL backend that answers', async () => {
    const { url } = await createTestDatabase();
    const kit = createQueueKit({ databaseUrl: url, log: () => {} });
    kits.push(kit);
    kit.queue('notify');
    await expect(queueReadiness(kit, 10_000)()).resolves.toBeUndefined();
  });
});
