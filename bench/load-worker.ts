// A generator worker: batches of items in, JSON rows out (see generate.ts). Started through worker-boot.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { OFFICIAL_CALENDAR } from '../domain/calendar/cn-official.ts';
import { generateBatch, type BatchJob, type Seeded } from './generate.ts';

const world = (workerData as { world: Seeded }).world;
parentPort!.on('message', (job: BatchJob) => {
  try {
    parentPort!.postMessage({ ok: true, out: generateBatch(world, OFFICIAL_CALENDAR, job) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
