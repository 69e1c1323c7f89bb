// Background work for official documents, on the `documents` queue: each issued document's PDF,
// made by LibreOffice and kept in the file store under its content hash. One conversion at a time
// (soffice takes a core); a PDF already stored is not made again.
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { makePdf } from '../services/documents.ts';
import type { DocumentJobs } from '../services/jobs.ts';
import type { FileStore } from '../storage/file-store.ts';
import { defineJob, type JobDef, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';

export const DOCUMENTS_QUEUE = 'documents';

export interface DocumentDeps {
  db: Db;
  store: FileStore;
  log: Log;
}

export function documentJobDefs(deps: DocumentDeps): JobDef[] {
  return [
    defineJob({
      queue: DOCUMENTS_QUEUE,
      name: 'pdf',
      schema: z.object({ documentId: z.uuid() }),
      handle: (d) => makePdf(deps, d.documentId),
    }),
  ];
}

/** The enqueue function the API uses (a process without background work has it and no worker). */
export function documentJobs(kit: QueueKit, opts: { attempts?: number } = {}): DocumentJobs {
  const queue = kit.queue(DOCUMENTS_QUEUE);
  return {
    // One job per content: the same document asked for twice is converted once.
    pdf: async (documentId, contentHash) => {
      await queue.add(
        'pdf',
        { documentId },
        {
          jobId: `pdf-${contentHash}`,
          attempts: opts.attempts ?? 3,
          backoff: { type: 'exponential', delay: 5_000 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        },
      );
    },
  };
}

export function startDocumentWorkers(kit: QueueKit, deps: DocumentDeps, opts: { attempts?: number } = {}) {
  const jobs = documentJobs(kit, opts);
  const workers = startJobWorkers(kit, documentJobDefs(deps), { log: deps.log, concurrency: { [DOCUMENTS_QUEUE]: 1 } });
  return {
    jobs,
    close: async () => {
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
