// The background work of a build() world, as `npm start` runs it: BullMQ on the test database's
// PostgreSQL backend, the evidence workers (photos' picture work, guard passes), the import
// worker and the documents' PDF worker. idle() waits for the queues to empty — tests wait for the jobs, never a fixed sleep.
import type { AppDeps } from '../../api/app.ts';
import type { Db } from '../../db/client.ts';
import type { LocalEngine } from '../../workflows/local/local-engine.ts';
import { DOCUMENTS_QUEUE, startDocumentWorkers } from '../../workers/documents.ts';
import { EVIDENCE_QUEUE, startEvidenceWorkers } from '../../workers/evidence.ts';
import { IMPORTS_QUEUE, startImportWorkers } from '../../workers/imports.ts';
import { createQueueKit, type QueueKit } from '../../workers/queues.ts';
import { createPictureProcess } from '../../storage/picture-process.ts';
import type { TestClock } from './app.ts';

export interface Background {
  kit: QueueKit;
  logs: string[];
  /** Queue the evidence reconcile job (what `npm start` runs every minute) for work owed longer than graceSeconds. */
  reconcileNow(graceSeconds?: number): Promise<unknown>;
  /** Wait until no evidence or import job waits, runs or waits for a retry. */
  idle(ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBackground(deps: {
  db: Db;
  url: string;
  engine: LocalEngine;
  clock: TestClock;
  evidence: NonNullable<AppDeps['evidence']>;
  imports: NonNullable<AppDeps['imports']>;
  documents: NonNullable<AppDeps['documents']>;
}): Promise<Background> {
  const logs: string[] = [];
  const log = (m: string, extra?: object) => {
    logs.push(`${m}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
  };
  const kit = createQueueKit({ databaseUrl: deps.url, log });
  const pictures = createPictureProcess({ log }); // as in `npm start`: the picture work in its low-priority child
  const ev = await startEvidenceWorkers(
    kit,
    {
      db: deps.db,
      engine: deps.engine,
      store: deps.evidence.store,
      stageDir: deps.evidence.stageDir,
      log,
      pictures: pictures.run,
    },
    { reconcileEverySeconds: 0, backoffMs: 100 },
  );
  const im = startImportWorkers(kit, { db: deps.db, engine: deps.engine, clock: deps.clock, log }, { backoffMs: 200 });
  const docs = startDocumentWorkers(kit, { db: deps.db, store: deps.evidence.store, log }, { attempts: 1 });
  deps.evidence.jobs = ev.jobs;
  deps.imports.queue = im.imports;
  deps.documents.jobs = docs.jobs;
  const idle = async (ms = 90_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const c = [await kit.counts(EVIDENCE_QUEUE), await kit.counts(IMPORTS_QUEUE), await kit.counts(DOCUMENTS_QUEUE)];
      if (c.every((x) => x.waiting + x.active + x.prioritized + x.delayed === 0)) return;
      if (Date.now() > end)
        throw new Error(
          `background work did not finish within ${ms} ms: ${JSON.stringify(c)}; log: ${logs.slice(-5).join(' | ')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    kit,
    logs,
    idle,
    reconcileNow: ev.reconcileNow,
    close: async () => {
      await ev.close();
      await im.close();
      await docs.close();
      await pictures.close();
      await kit.close();
    },
  };
}
