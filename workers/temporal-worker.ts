// The Temporal worker process (`zhenggai worker`): runs the item workflows and their activities on
// TEMPORAL_TASK_QUEUE in TEMPORAL_NAMESPACE, writing the ledger into DATABASE_URL — the database the
// API reads. SIGTERM/SIGINT stop polling, let running tasks finish (up to SHUTDOWN_GRACE), then exit.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Db } from '../db/client.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createItemActivities } from '../workflows/temporal/activities.ts';
import type { Log } from './jobs.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/temporal/item.workflow.ts', import.meta.url));
const SHUTDOWN_GRACE = '20 seconds';

interface WorkerDeps {
  connection: NativeConnection;
  db: Db;
  namespace: string;
  taskQueue: string;
}

/** A worker for the item workflows; the caller runs it (`worker.run()`) and owns the connection and db. */
function createTemporalWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: createItemActivities({ db: deps.db, env: createEngineEnv(deps.db) }),
    shutdownGraceTime: SHUTDOWN_GRACE,
  });
}

export async function connectToTemporal(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The settings the worker process runs with (from the configuration, passed in by the CLI). */
interface TemporalWorkerConfig {
  DATABASE_URL?: string | undefined;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TASK_QUEUE: string;
}

/** The process: database, connection, worker, signals. Resolves once the worker has stopped and everything is closed. */
export async function runTemporalWorker(
  config: TemporalWorkerConfig,
  log: Log,
  openDb: () => Promise<{ db: Db; close: () => Promise<void> }>,
): Promise<void> {
  if (!config.DATABASE_URL) {
    throw new Error('the Temporal worker needs DATABASE_URL: it writes the ledger into the database the API reads');
  }
  // We handle the signals ourselves, so shutdown also closes the database pool.
  Runtime.install({ shutdownSignals: [] });
  const { db, close } = await openDb();
  let connection: NativeConnection | null = null;
  try {
    connection = await connectToTemporal(config.TEMPORAL_ADDRESS);
    const worker = await createTemporalWorker({
      connection,
      db,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    });
    const stop = (signal: string) => {
      log(`${signal}: no new tasks; finishing running ones (at most ${SHUTDOWN_GRACE})`);
      if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    log(
      `worker polling task queue ${config.TEMPORAL_TASK_QUEUE} in namespace ${config.TEMPORAL_NAMESPACE} at ${config.TEMPORAL_ADDRESS}`,
    );
    try {
      await worker.run();
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
    log('worker stopped');
  } finally {
    await connection?.close();
    await close();
  }
}
