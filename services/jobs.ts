// The job-enqueue port: what the use cases hand to the background, and the queue view the API shows.
// workers/ implements it (BullMQ on Redis or PostgreSQL); the API and services know only these types.
import type { Actor, UnitRef } from '../domain/item/types.ts';
import type { RowPlan } from '../ledger/import/plan.ts';

/** Evidence work: a photo's picture work, or a guard pass for one citing event (workers/evidence.ts). */
export interface EvidenceJobs {
  photo(sha256: string, contentType: string): Promise<void>;
  guard(itemId: string, seq: number, trigger: string): Promise<void>;
}

/** What an import commit needs besides the rows (kept with them in import_jobs.plan). */
export interface StoredPlan {
  actor: Actor;
  today: string;
  campaign: { id: string; endsOn: string | null; owner: UnitRef };
  leadOf: [string, UnitRef][];
  rows: RowPlan[];
  /** The uploaded file's name, for each imported state's origin (absent on plans stored before). */
  fileName?: string;
}

/** Large ledger imports (workers/imports.ts). */
export interface ImportJobs {
  /** Keep the plan with the job row and queue the commit (status queued). */
  enqueue(jobId: string, plan: StoredPlan): Promise<void>;
}

/** Official documents' PDFs (workers/documents.ts): one conversion per content hash. */
export interface DocumentJobs {
  pdf(documentId: string, contentHash: string): Promise<void>;
}

/** A planned group-robot message (a `deliveries` row) sent now by the notifier's deliver queue. */
export interface DeliveryJobs {
  deliver(deliveryId: string): Promise<void>;
}

/** Every enqueue function the services use; a process without background work has none of them. */
export interface Jobs {
  evidence?: EvidenceJobs;
  imports?: ImportJobs;
  documents?: DocumentJobs;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  prioritized: number;
}

export interface DeadJob {
  id: string;
  name: string;
  reason: string;
  attemptsMade: number;
  failedAt: string | null;
  data: unknown;
}

/** The queues as the admin view and /metrics see them. */
export interface QueueView {
  backend: 'redis' | 'postgres';
  /** Remove a job that has not run yet (delayed, waiting); false when there was none to remove. */
  cancel(queue: string, jobId: string): Promise<boolean>;
  counts(queue: string): Promise<QueueCounts>;
  /** Jobs that will not run again by themselves: failed after their last attempt, or unrecoverable. */
  dead(queue: string, opts?: { offset?: number; limit?: number }): Promise<DeadJob[]>;
  /** Run a dead job again (its attempts start over). null when no such dead job exists. */
  retryDead(queue: string, jobId: string): Promise<'retried' | null>;
  /** Every queue name this process opened (for the admin view and metrics). */
  names(): string[];
}
