// The engine conformance suite: every scenario in scenarios.ts against every runtime.
// - local: always, from two base dates (a fixed one, and tomorrow — where a Temporal run starts),
//   which also proves the scenarios do not depend on their base date;
// - Temporal: with TEMPORAL_TEST_SERVER_PATH (a temporal-test-server binary: time-skipping, so the
//   months of every scenario pass in seconds) or TEMPORAL_ADDRESS (a running server: real time, so
//   only the scenarios at one instant run). Otherwise each Temporal test is skipped with the reason.
import { Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/common';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { shanghaiDate } from '../../domain/calendar/calendar.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { createItemActivities } from '../../workflows/temporal/activities.ts';
import { currentState } from '../../workflows/temporal/item.workflow.ts';
import { createTemporalEngine, workflowIdOf } from '../../workflows/temporal/temporal-engine.ts';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';
import { build, type World } from '../support/app.ts';
import { runScenario, type Runtime } from './harness.ts';
import { needsTimeSkipping, SCENARIOS } from './scenarios.ts';

const DAY_MS = 86_400_000;

describe('conformance: local runtime', () => {
  let w: World;
  let rt: Runtime;
  beforeAll(async () => {
    w = await build();
    rt = {
      name: 'local',
      engine: w.engine,
      advanceTo: async (instant) => {
        w.clock.set(instant);
        const r = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
        if (r.failed.length) throw new Error(`sweep failed: ${JSON.stringify(r.failed)}`);
      },
      settle: async () => {},
    };
  });

  const bases = ['2025-03-03', shanghaiDate(new Date(Date.now() + DAY_MS).toISOString())];
  for (const base of bases) {
    for (const s of SCENARIOS) it(`${s.name} (D0 = ${base})`, () => runScenario(rt, w, s, base), 60_000);
  }
});

const serverPath = process.env.TEMPORAL_TEST_SERVER_PATH;
const address = process.env.TEMPORAL_ADDRESS;
const skipReason =
  serverPath || address
    ? null
    : 'neither TEMPORAL_TEST_SERVER_PATH (a temporal-test-server binary, time-skipping) nor TEMPORAL_ADDRESS (a running Temporal server) is set';
if (skipReason) console.log(`[conformance] Temporal runtime SKIPPED: ${skipReason}`);

describe('conformance: Temporal runtime', () => {
  let testEnv: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let w: World;
  let rt: Runtime;

  beforeAll(async () => {
    if (skipReason) return;
    testEnv = serverPath
      ? await TestWorkflowEnvironment.createTimeSkipping({
          server: { executable: { type: 'existing-path', path: serverPath } },
        })
      : await TestWorkflowEnvironment.createFromExistingServer({
          address,
          namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
        });
    const env = testEnv;
    w = await build();
    const taskQueue = `conformance-${Date.now()}`;
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createItemActivities({ db: w.db, env: createEngineEnv(w.db, 0) }),
    });
    running = worker.run();
    const engine = createTemporalEngine({
      client: env.client,
      connection: env.connection,
      taskQueue,
      db: w.db,
      env: createEngineEnv(w.db, 0),
    });
    rt = {
      name: serverPath ? 'temporal (time-skipping)' : `temporal at ${address}`,
      engine,
      advanceTo: async (instant) => {
        if (!env.supportsTimeSkipping) return; // real time: only one-instant scenarios run here
        const wait = Date.parse(instant) - (await env.currentTimeMs());
        if (wait > 0) await env.sleep(wait);
      },
      // Timers fire on the server; their tick activities run on the worker: wait until the workflow is idle with nothing due.
      settle: async (itemId) => {
        const handle = env.client.workflow.getHandle(workflowIdOf(itemId));
        for (let i = 0; i < 300; i++) {
          try {
            const snap = await handle.query(currentState);
            const now = await env.currentTimeMs();
            if (!snap.busy && (snap.nextWake === null || Date.parse(snap.nextWake) > now)) return;
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) return; // not reported yet
            throw err;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`workflow ${workflowIdOf(itemId)} did not settle within 30 s`);
      },
    };
  }, 120_000);

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await testEnv?.teardown();
  });

  for (const s of SCENARIOS) {
    it(s.name, async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      const env = testEnv!;
      if (!env.supportsTimeSkipping && needsTimeSkipping(s)) {
        ctx.skip('time passes in this scenario and this server cannot skip time: set TEMPORAL_TEST_SERVER_PATH');
      }
      // The server's clock cannot go back: start tomorrow (time-skipping) or today (real time).
      const now = await env.currentTimeMs();
      const base = shanghaiDate(new Date(env.supportsTimeSkipping ? now + DAY_MS : now).toISOString());
      await runScenario(rt, w, s, base);
    }, 300_000);
  }
});
