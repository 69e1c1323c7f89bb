// `start --demo` on ENGINE=temporal, loaded again on a Temporal server that ran an earlier demo (a new database,
// the same dev server: its item ids come from the year, so they are the same). The earlier demo's workflows still
// run under those ids with that database's states; left alone, the notifier's first NoticeSent through one of them
// met a ledger row at another version (LedgerDiverged, "Workflow Update failed" in the demo's log) and the demo's
// notices were never recorded. A fresh demo replaces them from its own ledger rows; a restart of the same demo
// keeps its workflows.
import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../bin/config.ts';
import { loadDemo, startDemoWorkflows } from '../../bin/demo.ts';
import { items } from '../../db/schema.ts';
import { verifyItem } from '../../services/trail/verify.ts';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createItemActivities } from '../../workflows/temporal/activities.ts';
import { currentState } from '../../workflows/temporal/item.workflow.ts';
import { createTemporalEngine, workflowIdOf } from '../../workflows/temporal/temporal-engine.ts';
import { createTestDatabase } from '../support/db.ts';
import { temporalUnavailable, type TemporalRuntime, startTemporalRuntime } from '../support/temporal-runtime.ts';

// Today's demo (the workflows run on real time): both loads walk the same simulated year to the same `now`.
const DEMO = { items: 6, now: new Date() };
const quiet = () => {};

describe.skipIf(temporalUnavailable('dev-server') !== null)('the demo on a Temporal server that ran one before', () => {
  let t: TemporalRuntime;
  let second: { worker: Worker; running: Promise<void> } | null = null;
  afterAll(async () => {
    second?.worker.shutdown();
    await second?.running;
    await t?.close();
  });

  let first: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: Config;
  beforeAll(async () => {
    first = await createTestDatabase();
    t = await startTemporalRuntime('dev-server', first.db);
    config = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: t.taskQueue,
    } as Config;
  }, 120_000);

  it('replaces the earlier demo workflows, so the notifier records through ones that hold this ledger', async () => {
    // The earlier demo: loaded, its workflows started, one item moved on through the engine (a notice recorded).
    const demoA = await loadDemo(first.db, quiet, DEMO);
    expect(demoA.fresh).toBe(true);
    await startDemoWorkflows(config, first.db, quiet, demoA);
    const [item] = await first.db.select({ id: items.id }).from(items).orderBy(items.id).limit(1);
    const notice = { causeSeq: 1, kind: 'assigned' as const, recipients: [], channels: ['inbox'] };
    await t.engine.execute({ itemId: item!.id, actor: null, command: { type: 'record_notice', notices: [notice] } });
    const earlier = await t.env.client.workflow.getHandle(workflowIdOf(item!.id)).query(currentState);

    // The same demo into a new database, with the worker now writing that one.
    await t.stopWorker();
    const next = await createTestDatabase();
    const env = createEngineEnv(next.db, 0);
    const worker = await Worker.create({
      connection: t.env.nativeConnection,
      taskQueue: t.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createItemActivities({ db: next.db, env }),
    });
    second = { worker, running: worker.run() };
    const demoB = await loadDemo(next.db, quiet, DEMO);
    expect(demoB.fresh).toBe(true);
    await startDemoWorkflows(config, next.db, quiet, demoB);
    const id = item!.id;
    expect(await next.db.select({ id: items.id }).from(items).orderBy(items.id).limit(1)).toEqual([{ id }]);
    await t.settle(id);
    const [row] = await next.db.select({ state: items.state }).from(items).where(eq(items.id, id));
    const handle = t.env.client.workflow.getHandle(workflowIdOf(id));
    const now = await handle.query(currentState);
    expect(now.state, "the item's workflow holds this database's ledger row").toEqual(row!.state);
    expect(now.state, 'not the earlier demo').not.toEqual(earlier.state);

    // The notifier's record through the new demo's engine: applied to this ledger, its audit intact.
    const engine = createTemporalEngine({
      client: t.env.client,
      connection: t.env.connection,
      taskQueue: t.taskQueue,
      db: next.db,
      env,
      commandTimeoutMs: 30_000,
    });
    const record = { itemId: id, actor: null, command: { type: 'record_notice' as const, notices: [notice] } };
    const out = await engine.execute(record);
    expect(out.events.map((e) => e.event.type)).toEqual(['NoticeSent']);
    expect(await verifyItem(next.db, id)).toMatchObject({ ok: true, problems: [] });

    // Started again on the same database (`start --demo` after a restart): its workflows are kept.
    const { runId } = await handle.describe();
    const again = await loadDemo(next.db, quiet, DEMO);
    expect(again.fresh).toBe(false);
    await startDemoWorkflows(config, next.db, quiet, again);
    expect((await handle.describe()).runId).toBe(runId);
  }, 300_000);
});
