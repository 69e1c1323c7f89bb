// The raw list baseline in a worker thread of its own (started through worker-boot.mjs by rawListWorker): its
// own heap, so its garbage collections do not walk the bench's (the loaded world and the earlier phases' figures,
// ~140 MB at 10,000 items). In the bench's main thread the raw client's CPU per query varied from 0.8 to 1.6 ms
// between runs of the same code. Each message runs the baseline for that many seconds and answers its figures.
import { parentPort, workerData } from 'node:worker_threads';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../db/schema.ts';
import type { ItemFilters, Reader } from '../db/queries/items.ts';
import { rawListBaseline } from './baseline.ts';

const { url, reader, filters, connections } = workerData as {
  url: string;
  reader: Reader;
  filters: ItemFilters;
  connections: number;
};
// Only renders the statement (listQueryConfig); the baseline's own pool runs it.
const db = drizzle.mock({ schema });
parentPort!.on('message', async (m: { seconds: number } | 'stop') => {
  if (m === 'stop') {
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({
      ok: true,
      result: await rawListBaseline(db, url, { reader, filters, connections, seconds: m.seconds }),
    });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
parentPort!.postMessage('ready');
