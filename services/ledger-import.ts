// Ledger import (台账导入), the commit: every new item reported (and assigned where the row says to
// whom, what and by when) through the ItemEngine port's executeAll — all rows or none. Small commits
// run in the request; large ones as a job on the imports queue (or, without a queue, after the
// answer). Progress is written outside the unit of work so GET /imports/{id} can show it meanwhile.
// A retried job whose commit did land (the process died before marking it done) only marks it done.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { importJobForCommit, insertImportedRow, landedRows, setJob } from '../db/queries/import-jobs.ts';
import type { Actor, UnitRef } from '../domain/item/types.ts';
import { assignmentFor } from '../ledger/import/commit.ts';
import { importStateFor, needsImportedState } from '../ledger/import/state.ts';
import type { RowPlan } from '../ledger/import/plan.ts';
import { type Clock, type CommandRequest, GroupFailed, type ItemEngine } from '../workflows/engine.ts';
import type { ImportJobs, StoredPlan } from './jobs.ts';
import { Refused } from './refusal.ts';

/** Commits with more rows than this run in the background (202 + progress at GET /imports/{id}). */
export const SYNC_COMMIT_ROWS = 200;

export interface ImportCommit {
  actor: Actor;
  jobId: string;
  today: string;
  campaign: { id: string; endsOn: string | null; owner: UnitRef };
  leadOf: Map<string, UnitRef>;
  fileName?: string;
}

type ErrorLog = { error: (o: object, m: string) => void };

export type LedgerImport = ReturnType<typeof ledgerImport>;

export function ledgerImport(deps: { db: Db; engine: ItemEngine; clock: Clock; jobs?: ImportJobs; log?: ErrorLog }) {
  const { db, engine, clock } = deps;
  const nowIso = () => clock.now().toISOString();

  /** Every ok row of the plan in one unit of work; answers how many items it created. */
  async function commitRows(c: ImportCommit, plans: RowPlan[], onProgress: (done: number) => Promise<void>) {
    if (!engine.executeAll) throw unavailable();
    const todo = plans.filter((p) => p.status === 'ok' && p.item);
    const ids = todo.map(() => randomUUID());
    const groups = todo.map((p, i): CommandRequest[] => {
      const it = p.item!;
      const itemId = ids[i]!;
      const report: CommandRequest = {
        itemId,
        actor: c.actor,
        command: {
          type: 'report',
          itemId,
          campaignId: c.campaign.id,
          categoryId: it.categoryId,
          source: it.source,
          title: it.title,
          description: it.description,
          person: null,
          location: null,
          reportingUnit: { id: c.actor.unitId, path: c.actor.unitPath },
          ownerUnit: c.campaign.owner,
          leadUnit: it.categoryId ? (c.leadOf.get(it.categoryId) ?? null) : null,
        },
      };
      // A row that says where the problem stands (a status, milestones, a deadline already past) brings
      // that state in through one import_state; one that only says to whom, what and by when is assigned.
      if (needsImportedState(it, c.today)) {
        const rows = it.rows.length > 1 ? `${it.rows[0]}–${it.rows[it.rows.length - 1]}` : String(it.rows[0] ?? p.row);
        const origin = `${c.fileName ?? '台账'} 第${rows}行`;
        return [report, { itemId, actor: c.actor, command: importStateFor(it, c.campaign.endsOn, c.today, origin) }];
      }
      const assign = assignmentFor(it, c.campaign.endsOn, c.today);
      return assign ? [report, { itemId, actor: c.actor, command: assign }] : [report];
    });
    try {
      await engine.executeAll(groups, async (i, tx) => {
        const it = todo[i]!.item!;
        await insertImportedRow(tx, {
          campaignId: c.campaign.id,
          rowKey: it.key,
          itemId: ids[i]!,
          jobId: c.jobId,
          original: it.original,
        });
        if ((i + 1) % 100 === 0) await onProgress(i + 1);
      });
    } catch (err) {
      if (err instanceof GroupFailed)
        throw new Error(`第 ${todo[err.index]!.row} 行未能登记（整批未导入）：${err.message}`, { cause: err.cause });
      throw err;
    }
    return todo.length;
  }

  /**
   * Commit a checked plan (no row errors): at once when small, else queued (or run after the answer
   * when this process has no queue). Refuses with `unavailable` when the runtime cannot commit all or
   * none, or the queue does not take the job; with `import_failed` when the commit rolled back.
   */
  async function commit(
    c: ImportCommit,
    plans: RowPlan[],
    okRows: number,
  ): Promise<{ status: 'done'; created: number } | { status: 'queued' | 'running' }> {
    if (!engine.executeAll) throw unavailable();
    const run = async () => {
      await setJob(db, c.jobId, { status: 'running', processedRows: 0, finishedAt: null });
      try {
        const created = await commitRows(c, plans, (n) => setJob(db, c.jobId, { processedRows: n }));
        await setJob(db, c.jobId, {
          status: 'done',
          processedRows: okRows,
          createdItems: created,
          finishedAt: nowIso(),
        });
        return created;
      } catch (err) {
        await setJob(db, c.jobId, { status: 'failed', error: (err as Error).message, finishedAt: nowIso() });
        throw err;
      }
    };
    if (okRows > SYNC_COMMIT_ROWS && deps.jobs) {
      try {
        await deps.jobs.enqueue(c.jobId, {
          actor: c.actor,
          today: c.today,
          campaign: { id: c.campaign.id, endsOn: c.campaign.endsOn, owner: c.campaign.owner },
          leadOf: [...c.leadOf],
          rows: plans,
          ...(c.fileName ? { fileName: c.fileName } : {}),
        });
      } catch (err) {
        await setJob(db, c.jobId, {
          status: 'failed',
          plan: null,
          error: `could not queue the import: ${(err as Error).message}`,
          finishedAt: nowIso(),
        }).catch(() => {});
        throw new Refused(
          'unavailable',
          `the background queue did not take the import (${(err as Error).message}); nothing was imported, try again shortly`,
          { title: 'Import queue unavailable' },
        );
      }
      return { status: 'queued' };
    }
    if (okRows > SYNC_COMMIT_ROWS) {
      // No queue in this process (API-only tests): the commit runs here, after the answer.
      void run().catch((err) =>
        deps.log?.error({ err, jobId: c.jobId }, 'background import failed; nothing was written'),
      );
      return { status: 'running' };
    }
    try {
      return { status: 'done', created: await run() };
    } catch (err) {
      throw new Refused('import_failed', (err as Error).message, { title: 'Import failed' });
    }
  }

  /** The imports job: commit the stored plan all or nothing, retried whole; never a second copy. */
  async function runJob(jobId: string, attempt: { made: number; max: number }) {
    const job = await importJobForCommit(db, jobId);
    if (!job) return { created: 0 };
    if (job.status === 'done') return { created: job.createdItems, already: true };
    const landed = await landedRows(db, jobId);
    if (landed > 0) {
      await setJob(db, jobId, {
        status: 'done',
        processedRows: landed,
        createdItems: landed,
        plan: null,
        error: null,
        finishedAt: nowIso(),
      });
      return { created: landed, already: true };
    }
    const plan = job.plan as StoredPlan | null;
    if (!plan) throw new Error(`import ${jobId} has no stored plan (status ${job.status}); it cannot be committed`);
    await setJob(db, jobId, { status: 'running', processedRows: 0, attempts: attempt.made + 1, finishedAt: null });
    try {
      const created = await commitRows(
        {
          actor: plan.actor,
          jobId,
          today: plan.today,
          campaign: plan.campaign,
          leadOf: new Map(plan.leadOf),
          ...(plan.fileName ? { fileName: plan.fileName } : {}),
        },
        plan.rows,
        (n) => setJob(db, jobId, { processedRows: n }),
      );
      await setJob(db, jobId, {
        status: 'done',
        processedRows: created,
        createdItems: created,
        plan: null,
        error: null,
        finishedAt: nowIso(),
      });
      return { created };
    } catch (err) {
      const last = attempt.made + 1 >= attempt.max;
      const msg = (err as Error).message;
      await setJob(
        db,
        jobId,
        last
          ? { status: 'failed', processedRows: 0, error: msg, plan: null, finishedAt: nowIso() }
          : {
              status: 'queued',
              processedRows: 0,
              error: `第 ${attempt.made + 1} 次尝试未成功（已整批回滚），稍后重试：${msg}`,
            },
      );
      throw err;
    }
  }

  return { commit, runJob };
}

const unavailable = () =>
  new Refused('unavailable', 'this runtime cannot commit an import in one transaction', {
    title: 'Import unavailable',
  });
