// Replays the item workflow histories recorded from real servers (`temporal server start-dev` and the
// time-skipping test server; test/fixtures/temporal/, re-recorded by `npm run temporal:record-histories`)
// against the current workflow code, in the real worker sandbox. A change to item.workflow.ts (or the
// domain code it runs) that would make running workflows take another path fails here: that is the
// determinism check CI runs. A tampered copy of one history must fail, so a pass means something.
import { readdir, readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';
import { FIXTURES } from '../conformance/record-history.ts';

const files = (await readdir(FIXTURES)).filter((f) => f.endsWith('.json')).sort();
const load = async (f: string) => JSON.parse(await readFile(new URL(f, FIXTURES), 'utf8'));
const workflowIdOf = (json: { events: { workflowExecutionStartedEventAttributes?: { input?: unknown } }[] }) => {
  const input = json.events[0]?.workflowExecutionStartedEventAttributes?.input as {
    payloads: { data: string }[];
  };
  return `item-${JSON.parse(Buffer.from(input.payloads[0]!.data, 'base64').toString()).itemId}`;
};

let bundle: WorkflowBundle;
beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed already in this process */
  }
  // One bundle for every replay: the same code a worker runs (bundling per history costs seconds each).
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR') });
}, 120_000);

describe('recorded histories replay on the current workflow code', () => {
  it('has histories from both servers, with updates, activities and fired timers', async () => {
    expect(files.some((f) => f.startsWith('dev-server--'))).toBe(true);
    expect(files.some((f) => f.startsWith('time-skipping--'))).toBe(true);
    const types = new Set<string>();
    for (const f of files) for (const e of (await load(f)).events) types.add(e.eventType);
    for (const t of ['WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'ACTIVITY_TASK_COMPLETED', 'TIMER_FIRED', 'TIMER_STARTED']) {
      expect(
        [...types].some((x) => x.endsWith(t)),
        t,
      ).toBe(true);
    }
  });

  it('guards both Update shapes: the env in full (env-in-update--*, recorded before the workflow cached it) and its fingerprint', async () => {
    const inputs = async (f: string) =>
      (await load(f)).events
        .filter((e: { eventType: string }) => e.eventType.endsWith('UPDATE_ACCEPTED'))
        .map(
          (e: { workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { args: unknown } } } }) =>
            JSON.parse(
              Buffer.from(
                (
                  e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.args as {
                    payloads: { data: string }[];
                  }
                ).payloads[0]!.data,
                'base64',
              ).toString(),
            ) as { env?: unknown; envVersion?: unknown },
        );
    const legacy = files.filter((f) => f.startsWith('env-in-update--'));
    const current = files.filter((f) => !f.startsWith('env-in-update--'));
    expect(legacy.length).toBeGreaterThan(0);
    expect(current.length).toBeGreaterThan(0);
    for (const f of legacy) for (const i of await inputs(f)) expect(i.env, f).toBeDefined();
    for (const f of current) {
      for (const i of await inputs(f)) {
        expect(i.env, f).toBeUndefined();
        expect(typeof i.envVersion, f).toBe('string');
      }
    }
  });

  for (const f of files) {
    it(f, async () => {
      const json = await load(f);
      await expect(
        Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJSON(json), workflowIdOf(json)),
      ).resolves.toBeUndefined();
    }, 120_000);
  }

  it('fails a recorded history whose workflow would now schedule a different activity', async () => {
    const f = files.find((x) => x.startsWith('dev-server--refusals'))!;
    const json = await load(f);
    const scheduled = json.events.find(
      (e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes,
    );
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'loadEnv';
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJSON(json), workflowIdOf(json)),
    ).rejects.toThrow(/[Nn]ondetermin/);
  }, 120_000);
});
