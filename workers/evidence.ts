// Background work for evidence files, on the `evidence` queue:
//  - photo:     the picture work of an uploaded photo (size, thumbnail, dHash), off the request path;
//  - guard:     the paper sign-off guard (纸面销号) for one citing event (item, seq), retried with backoff;
//  - reconcile: every minute, what fell between the cracks: photos whose job was never queued, and
//               citing events without a guard pass (the process died between the command and the queue).
// A guard pass is recorded in evidence_guard_runs; an event without one is still owed a pass.
import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { evidenceFiles } from '../db/schema.ts';
import { blobKey, type FileStore, thumbnailKey } from '../storage/file-store.ts';
import { processPicture } from '../storage/photo.ts';
import type { PictureWork } from '../storage/picture-process.ts';
import type { ItemEngine } from '../workflows/engine.ts';
import { defineJob, type JobDef, type Log, startJobWorkers } from './jobs.ts';
import type { QueueKit } from './queues.ts';
import { CITING, evidenceGuard } from '../services/evidence-guard.ts';
import type { EvidenceJobs } from '../services/jobs.ts';

export const EVIDENCE_QUEUE = 'evidence';

export interface EvidenceDeps {
  db: Db;
  engine: ItemEngine;
  store: FileStore;
  stageDir: string;
  log: Log;
  /** Where the picture work runs: storage/picture-process.ts (a low-priority child) in `npm start`; default in-process. */
  pictures?: PictureWork;
}

export type { EvidenceJobs } from '../services/jobs.ts';
export type { GuardOutcome } from '../services/evidence-guard.ts';

/** Fetch a stored file to a staging path (the picture work reads files, whatever the store). */
async function fetchToStage(store: FileStore, key: string, stageDir: string): Promise<string> {
  await mkdir(stageDir, { recursive: true });
  const path = join(stageDir, `job-${randomBytes(8).toString('hex')}`);
  try {
    await pipeline(await store.get(key), createWriteStream(path));
  } catch (err) {
    await unlink(path).catch(() => {});
    throw err;
  }
  return path;
}

/** The picture work of one stored photo; then every citing event that waited for it gets its guard pass. */
export async function processStoredPhoto(
  deps: EvidenceDeps,
  jobs: EvidenceJobs,
  sha256: string,
): Promise<{ thumbnail: boolean; guards: number }> {
  const [file] = await deps.db
    .select({ contentType: evidenceFiles.contentType, processedAt: evidenceFiles.processedAt })
    .from(evidenceFiles)
    .where(eq(evidenceFiles.sha256, sha256));
  if (!file) return { thumbnail: false, guards: 0 }; // the upload's transaction rolled back: nothing to do
  if (file.processedAt === null) {
    const path = await fetchToStage(deps.store, blobKey(sha256), deps.stageDir);
    const thumbPath = `${path}.thumb.webp`;
    try {
      const pic = await (deps.pictures ?? processPicture)(path, thumbPath, file.contentType);
      if (pic.thumbnail) await deps.store.put(thumbnailKey(sha256), thumbPath, 'image/webp');
      await deps.db
        .update(evidenceFiles)
        .set({
          width: pic.width,
          height: pic.height,
          dhash: pic.dhash,
          thumbnailKey: pic.thumbnail ? thumbnailKey(sha256) : null,
          processedAt: sql`now()`,
        })
        .where(and(eq(evidenceFiles.sha256, sha256), isNull(evidenceFiles.processedAt)));
    } finally {
      await unlink(path).catch(() => {});
      await unlink(thumbPath).catch(() => {});
    }
  }
  const owed = await deps.db.execute<{ item_id: string; seq: number }>(sql`
    select distinct r.item_id, r.seq from evidence_refs r
    join attachments a on a.id = r.attachment_id
    join item_events e on e.item_id = r.item_id and e.seq = r.seq
    where a.sha256 = ${sha256} and e.type in (${sql.join(
      Object.keys(CITING).map((t) => sql`${t}`),
      sql`, `,
    )})
      and not exists (select 1 from evidence_guard_runs g where g.item_id = r.item_id and g.seq = r.seq)`);
  for (const r of owed.rows) await jobs.guard(r.item_id, r.seq, `photo-${sha256.slice(0, 16)}`);
  const [after] = await deps.db
    .select({ thumb: evidenceFiles.thumbnailKey })
    .from(evidenceFiles)
    .where(eq(evidenceFiles.sha256, sha256));
  return { thumbnail: !!after?.thumb, guards: owed.rows.length };
}

/** Photos never queued (or lost) and citing events without a guard pass, older than `graceMs`. */
// Operational times (stored_at, recorded_at) are the database's clock, not the domain clock.
export async function reconcileEvidence(
  deps: EvidenceDeps,
  jobs: EvidenceJobs,
  graceSeconds = 60,
): Promise<{ photos: number; guards: number }> {
  const before = sql`now() - make_interval(secs => ${graceSeconds})`;
  const photos = await deps.db
    .select({ sha256: evidenceFiles.sha256, contentType: evidenceFiles.contentType })
    .from(evidenceFiles)
    .where(and(isNull(evidenceFiles.processedAt), sql`${evidenceFiles.storedAt} < ${before}`))
    .limit(500);
  for (const p of photos) await jobs.photo(p.sha256, p.contentType);
  // Citing events of the last two days without a guard pass, whose photos are all processed
  // (the others are triggered by their photo job). The hour in the job id lets a dead-lettered pass be tried again an hour later.
  const owed = await deps.db.execute<{ item_id: string; seq: number }>(sql`
    select distinct r.item_id, r.seq from evidence_refs r
    join item_events e on e.item_id = r.item_id and e.seq = r.seq
    where e.type in (${sql.join(
      Object.keys(CITING).map((t) => sql`${t}`),
      sql`, `,
    )})
      and e.recorded_at < ${before} and e.recorded_at > now() - interval '2 days'
      and not exists (select 1 from evidence_guard_runs g where g.item_id = r.item_id and g.seq = r.seq)
      and not exists (select 1 from evidence_refs r2 join attachments a on a.id = r2.attachment_id
        join evidence_files f on f.sha256 = a.sha256 where r2.item_id = r.item_id and r2.seq = r.seq and f.processed_at is null)
    limit 500`);
  const hour = new Date().toISOString().slice(0, 13);
  for (const r of owed.rows) await jobs.guard(r.item_id, r.seq, `reconcile-${hour}`);
  if (photos.length || owed.rows.length)
    deps.log('evidence reconcile queued work that was owed', { photos: photos.length, guards: owed.rows.length });
  return { photos: photos.length, guards: owed.rows.length };
}

export function evidenceJobDefs(deps: EvidenceDeps, jobs: EvidenceJobs): JobDef[] {
  return [
    defineJob({
      queue: EVIDENCE_QUEUE,
      name: 'photo',
      schema: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      handle: (d) => processStoredPhoto(deps, jobs, d.sha256),
    }),
    defineJob({
      queue: EVIDENCE_QUEUE,
      name: 'guard',
      schema: z.object({ itemId: z.uuid(), seq: z.number().int().min(1) }),
      handle: (d) => evidenceGuard(deps).guardEvent(d.itemId, d.seq),
    }),
    defineJob({
      queue: EVIDENCE_QUEUE,
      name: 'reconcile',
      schema: z.object({ graceSeconds: z.number().int().min(0).optional() }).passthrough(),
      handle: (d) => reconcileEvidence(deps, jobs, d.graceSeconds),
    }),
  ];
}

export interface EvidenceJobOptions {
  attempts?: number;
  backoffMs?: number;
}

/** The enqueue functions the API uses (a process without background work has these and no workers). */
export function evidenceJobs(kit: QueueKit, opts: EvidenceJobOptions = {}): EvidenceJobs {
  const queue = kit.queue(EVIDENCE_QUEUE);
  const keep = {
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
    attempts: opts.attempts ?? 5,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 2_000 },
  };
  return {
    // One job per content: a photo uploaded twice is processed once.
    photo: async (sha256) => {
      await queue.add('photo', { sha256 }, { ...keep, jobId: `photo-${sha256}` });
    },
    guard: async (itemId, seq, trigger) => {
      await queue.add('guard', { itemId, seq }, { ...keep, jobId: `guard-${itemId}-${seq}-${trigger}` });
    },
  };
}

/** The enqueue functions and the workers (photos one at a time: the API must stay responsive). */
export async function startEvidenceWorkers(
  kit: QueueKit,
  deps: EvidenceDeps,
  opts: EvidenceJobOptions & { reconcileEverySeconds?: number; concurrency?: number } = {},
) {
  const queue = kit.queue(EVIDENCE_QUEUE);
  const jobs = evidenceJobs(kit, opts);
  const workers = startJobWorkers(kit, evidenceJobDefs(deps, jobs), {
    log: deps.log,
    concurrency: { [EVIDENCE_QUEUE]: opts.concurrency ?? 2 },
  });
  // 0: no schedule (tests run the reconcile job when they want it).
  if (opts.reconcileEverySeconds !== 0)
    await queue.upsertJobScheduler(
      'evidence-reconcile',
      { every: (opts.reconcileEverySeconds ?? 60) * 1000 },
      { name: 'reconcile', data: {}, opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } } },
    );
  return {
    jobs,
    workers,
    /** Run the reconcile job now (graceSeconds: how old owed work must be; default 60). */
    reconcileNow: (graceSeconds?: number) =>
      queue.add('reconcile', graceSeconds === undefined ? {} : { graceSeconds }, { removeOnComplete: { count: 10 } }),
    close: async () => {
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
