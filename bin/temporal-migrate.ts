// Moving a database that the local runtime drove (e.g. an embedded pilot, restored into the
// production PostgreSQL) onto Temporal: start the workflow of every open item, from its ledger row.
// Idempotent (a running workflow is left alone) and resumable (keyset by item id; each batch logs
// the id to resume after). Run it once ENGINE=temporal serves the API, so no local sweep runs alongside.
import { Client, Connection } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { and, asc, gt, isNotNull, notInArray, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { items } from '../db/schema.ts';
import type { ItemState } from '../domain/item/types.ts';
import { itemWorkflow } from '../workflows/temporal/item.workflow.ts';
import { workflowIdOf } from '../workflows/temporal/temporal-engine.ts';
import type { Config } from './config.ts';
import { openMigratedDb, type Log } from './database.ts';

/**
 * Open: the lifecycle can still move or a timer is pending. Verified and dismissed items with no
 * wake-up are left out; a later command on one (a comment, a look-back) starts its workflow then.
 */
const isOpen: SQL = or(notInArray(items.status, ['verified', 'dismissed']), isNotNull(items.nextWakeAt))!;

export async function selectOpenItems(
  db: Db,
  opts: { after?: string; limit: number },
): Promise<{ id: string; state: ItemState }[]> {
  return db
    .select({ id: items.id, state: items.state })
    .from(items)
    .where(and(isOpen, opts.after ? gt(items.id, opts.after) : undefined))
    .orderBy(asc(items.id))
    .limit(opts.limit);
}

export type StartOutcome = 'started' | 'running';
interface MigrateResult {
  started: number;
  running: number;
  last: string | null;
}

/** Walk the open items in id order, starting each one's workflow; stops at the first failure, whose error names where to resume. */
export async function migrateOpenItems(
  deps: { db: Db; start: (item: { id: string; state: ItemState }) => Promise<StartOutcome>; log: Log },
  opts: { after?: string; batch?: number } = {},
): Promise<MigrateResult> {
  const batch = opts.batch ?? 200;
  const result: MigrateResult = { started: 0, running: 0, last: opts.after ?? null };
  for (;;) {
    const rows = await selectOpenItems(deps.db, { after: result.last ?? undefined, limit: batch });
    if (rows.length === 0) break;
    for (const row of rows) {
      try {
        result[await deps.start(row)]++;
      } catch (err) {
        const resume = result.last ? ` --after ${result.last}` : '';
        throw new Error(
          `starting the workflow of item ${row.id} failed (${(err as Error).message}); ` +
            `${result.started} started, ${result.running} already running so far — resume with: temporal-migrate${resume}`,
          { cause: err },
        );
      }
      result.last = row.id;
    }
    deps.log(
      `temporal-migrate: ${result.started} started, ${result.running} already running; last item ${result.last} (resume with --after ${result.last})`,
    );
    if (rows.length < batch) break;
  }
  return result;
}

/**
 * Starts an item's workflow from its ledger row; a workflow already running is left alone ('running') — or, with
 * `replace`, terminated and started anew from the row (a workflow of that id that belongs to another database).
 */
export function workflowStarter(client: Client, taskQueue: string, opts: { replace?: boolean } = {}) {
  return async (item: { id: string; state: ItemState }): Promise<StartOutcome> => {
    try {
      await client.workflow.start(itemWorkflow, {
        workflowId: workflowIdOf(item.id),
        taskQueue,
        // env null: the workflow loads the campaign's settings and calendar before its first timer.
        args: [{ itemId: item.id, state: item.state, env: null }],
        workflowIdConflictPolicy: opts.replace ? 'TERMINATE_EXISTING' : 'FAIL',
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
      throw err;
    }
  };
}

/** Connects to TEMPORAL_ADDRESS and starts the workflows of the open items in `db` (temporal-migrate, and `start --demo`). */
export function startOpenItemWorkflows(
  config: Config,
  db: Db,
  log: Log,
  opts: { after?: string; batch?: number } = {},
): Promise<MigrateResult> {
  return withTemporalClient(config, (client) =>
    migrateOpenItems({ db, start: workflowStarter(client, config.TEMPORAL_TASK_QUEUE), log }, opts),
  );
}

/** A client on TEMPORAL_ADDRESS for the length of `fn`. */
export async function withTemporalClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '10 seconds' });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS): ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    return await fn(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

export async function runTemporalMigrate(config: Config, log: Log, opts: { after?: string; batch?: number }) {
  const { db, close } = await openMigratedDb(config, log);
  try {
    const r = await startOpenItemWorkflows(config, db, log, opts);
    log(`temporal-migrate done: ${r.started} workflows started, ${r.running} were already running`);
  } finally {
    await close();
  }
}
