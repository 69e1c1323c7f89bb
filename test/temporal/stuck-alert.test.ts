// A determinism failure on a real server is an alert, never a silent stall. A worker with a changed workflow
// (fixtures/drifted.workflow.ts) picks up an item's next workflow task: its replay fails, Temporal retries the
// task and reports the workflow (TemporalReportedProblems); /metrics and GET /admin/engine show it. With the
// right code deployed again the workflow recovers and the alert clears.
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, report, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';

const DRIFTED = fileURLToPath(new URL('./fixtures/drifted.workflow.ts', import.meta.url));

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(engineUnavailable('temporal') !== null)('a workflow stuck on a determinism failure', () => {
  let w: World;
  beforeAll(async () => {
    w = await build({ engine: 'temporal' });
  }, 120_000);

  it('shows on /metrics and the admin engine view, and clears once the right code runs again', async () => {
    const t = w.temporal!;
    const id = await report(w);
    expect((await w.call('admin', 'GET', '/api/v1/admin/engine')).body).toEqual({ engine: 'temporal', stuck: [] });

    await t.stopWorker();
    t.commandTimeoutMs = 5_000; // the changed worker will not answer
    const drifted = await Worker.create({
      connection: t.env.nativeConnection,
      taskQueue: t.taskQueue,
      workflowsPath: DRIFTED,
      activities: { loadEnv: async () => ({}) },
    });
    const running = drifted.run();
    try {
      const r = await w.call('super', 'POST', `/api/v1/items/${id}/comments`, { text: '请尽快交办' });
      expect(r.body).toMatchObject({ code: 'engine_unavailable', applied: 'unknown' });
      const stuck = await until('the stuck workflow is reported', async () => {
        const s = (await w.call('admin', 'GET', '/api/v1/admin/engine')).body.stuck as { workflowId: string }[];
        return s.length > 0 ? s : null;
      });
      expect(stuck).toEqual([expect.objectContaining({ workflowId: `item-${id}`, nondeterministic: true })]);
      const metrics = await w.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/zhenggai_engine_stuck_workflows\{cause="nondeterminism"\} 1/);
      // Once the task has failed a few times Temporal refuses Updates to the workflow outright (WorkflowNotReady,
      // "Workflow Update failed" from the client): still 503 engine_unavailable, and nothing admitted — not a 500.
      const refused = await until('Temporal refuses the Update outright', async () => {
        const r = await w.call('super', 'POST', `/api/v1/items/${id}/comments`, { text: '再次催办' });
        return r.body.applied === 'unknown' ? null : r;
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'engine_unavailable', applied: false });
    } finally {
      drifted.shutdown();
      await running;
    }

    await t.startWorker();
    t.commandTimeoutMs = 30_000;
    await until('the alert clears', async () => {
      const s = (await w.call('admin', 'GET', '/api/v1/admin/engine')).body.stuck as unknown[];
      return s.length === 0 ? true : null;
    });
    const metrics = await w.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/zhenggai_engine_stuck_workflows\{cause="nondeterminism"\} 0/);
  }, 240_000);
});
