// A Temporal runtime for a test's World: a real server (the time-skipping test server, or the run's
// `temporal server start-dev`), a real worker running the item workflow bundle and its activities on the
// World's database, and the Temporal ItemEngine the API would use. Each suite gets its own task queue.
import { WorkflowNotFoundError } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createItemActivities } from '../../workflows/temporal/activities.ts';
import { currentState } from '../../workflows/temporal/item.workflow.ts';
import { createTemporalEngine, type TemporalEngine, workflowIdOf } from '../../workflows/temporal/temporal-engine.ts';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';
import type { Db } from '../../db/client.ts';
import { INSTALL_HINT } from './temporal.ts';

export type TemporalKind = 'time-skipping' | 'dev-server';

/**
 * Why a suite on this kind of server cannot run here, or null when it can. When Temporal is required
 * (CI), a missing server is not a reason to skip: this throws, and the suite fails.
 */
export function temporalUnavailable(kind: TemporalKind): string | null {
  const have = kind === 'time-skipping' ? inject('temporalTestServer') : inject('temporalAddress');
  if (have) return null;
  const what =
    kind === 'time-skipping'
      ? 'no time-skipping test server (TEMPORAL_TEST_SERVER_PATH)'
      : 'no Temporal server (TEMPORAL_ADDRESS, or the CLI to start one)';
  if (inject('temporalRequired')) throw new Error(`Temporal is required here (ZG_REQUIRE_TEMPORAL/CI): ${what}`);
  console.log(`[temporal] ${kind} suite SKIPPED: ${what}; ${INSTALL_HINT}`);
  return what;
}

export interface TemporalRuntime {
  kind: TemporalKind;
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Stop the worker (its tasks finish); commands then wait for a worker that is not there. */
  stopWorker(): Promise<void>;
  /** A new worker on the same task queue. */
  startWorker(): Promise<void>;
  /** How long the engine's commands wait for an answer before 503 `applied: "unknown"` (default 30 s). */
  commandTimeoutMs: number;
  engine: TemporalEngine;
  /** Wait until the item's workflow is idle with nothing due (timers fired, their ticks persisted). */
  settle(itemId: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTemporalRuntime(
  kind: TemporalKind,
  db: Db,
  /** `address`: a dev server of the test's own (a fault test kills it) instead of the run's. */
  opts: { commandTimeoutMs?: number; address?: string } = {},
): Promise<TemporalRuntime> {
  // Warnings and errors only: the worker's state changes at INFO would bury the test output.
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const env =
    kind === 'time-skipping'
      ? await TestWorkflowEnvironment.createTimeSkipping({
          server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } },
        })
      : await TestWorkflowEnvironment.createFromExistingServer({ address: opts.address ?? inject('temporalAddress') });
  const taskQueue = `test-${kind}-${process.pid}-${Date.now()}`;
  let worker: Worker | null = null;
  let running: Promise<void> = Promise.resolve();
  const startWorker = async () => {
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createItemActivities({ db, env: createEngineEnv(db, 0) }),
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    worker = null;
  };
  await startWorker();
  const engine = createTemporalEngine({
    client: env.client,
    connection: env.connection,
    taskQueue,
    db,
    env: createEngineEnv(db, 0),
    // The test server and a loaded machine answer slower than production's Temporal: room before 'unknown'.
    commandTimeoutMs: () => runtime.commandTimeoutMs,
  });
  const settle = async (itemId: string, timeoutMs = 30_000) => {
    const handle = env.client.workflow.getHandle(workflowIdOf(itemId));
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const snap = await handle.query(currentState);
        const now = await env.currentTimeMs();
        if (!snap.busy && (snap.nextWake === null || Date.parse(snap.nextWake) > now)) return;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return; // not reported yet
        throw err;
      }
      if (Date.now() > until) throw new Error(`workflow ${workflowIdOf(itemId)} did not settle within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const runtime: TemporalRuntime = {
    commandTimeoutMs: opts.commandTimeoutMs ?? 30_000,
    kind,
    env,
    taskQueue,
    engine,
    settle,
    stopWorker,
    startWorker,
    close: async () => {
      await stopWorker();
      await env.teardown();
    },
  };
  return runtime;
}
