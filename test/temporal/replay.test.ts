// The item workflow inside Temporal's real worker sandbox, offline: a replay worker (core bridge,
// V8 isolate, the same bundle a worker runs) replays the opening of a workflow history — started,
// first workflow task — for a new item and for one migrated from the local runtime. This catches
// what bundling alone cannot: code that throws at load or on its first activation in the sandbox
// (clock, Intl, globals), and payload/protobuf mismatches on the worker path. Longer histories need
// a server to record them (see test/conformance for the full behaviour).
import { randomUUID } from 'node:crypto';
import { Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { DEFAULT_SETTINGS, evolve } from '../../domain/item/index.ts';
import type { ItemState } from '../../domain/item/types.ts';
import type { ItemWorkflowInput } from '../../workflows/temporal/item.workflow.ts';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The first events of a workflow history, in the JSON form `temporal workflow show --output json` writes. */
function opening(workflowType: string, input: unknown, firstTask: object[] = []) {
  const runId = randomUUID();
  const at = '2026-03-02T02:00:00Z';
  return {
    events: [
      {
        eventId: '1', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', taskId: '1',
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: workflowType }, taskQueue: { name: 'zhenggai-items', kind: 'TASK_QUEUE_KIND_NORMAL' },
          input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) }] },
          workflowTaskTimeout: '10s', originalExecutionRunId: runId, firstExecutionRunId: runId, attempt: 1, identity: 'replay-test',
        },
      },
      {
        eventId: '2', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', taskId: '2',
        workflowTaskScheduledEventAttributes: { taskQueue: { name: 'zhenggai-items', kind: 'TASK_QUEUE_KIND_NORMAL' }, startToCloseTimeout: '10s', attempt: 1 },
      },
      {
        eventId: '3', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED', taskId: '3',
        workflowTaskStartedEventAttributes: { scheduledEventId: '2', identity: 'replay-test', requestId: randomUUID(), historySizeBytes: '512' },
      },
      ...firstTask,
    ],
  };
}

/** What the first workflow task decided: completed, then the events its commands recorded. */
const completedWith = (...commands: object[]) => [
  { eventId: '4', eventTime: '2026-03-02T02:00:00Z', eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', taskId: '4',
    workflowTaskCompletedEventAttributes: { scheduledEventId: '2', startedEventId: '3', identity: 'replay-test' } },
  ...commands.map((c, i) => ({ eventId: String(5 + i), eventTime: '2026-03-02T02:00:00Z', taskId: String(5 + i), ...c })),
];
const timerStarted = (timerId: string, seconds: number) => ({
  eventType: 'EVENT_TYPE_TIMER_STARTED',
  timerStartedEventAttributes: { timerId, startToFireTimeout: `${seconds}s`, workflowTaskCompletedEventId: '4' },
});

function migratedState(): ItemState {
  const unit = (id: string) => ({ id, path: `/${id}/` });
  let s = evolve(null, { type: 'ItemReported', at: '2026-02-02T02:00:00.000Z', actorId: randomUUID(), data: {
    itemId: randomUUID(), campaignId: randomUUID(), categoryId: null, source: 'screening', title: '未参保', description: '',
    person: null, location: null, reportingUnit: unit('office'), ownerUnit: unit('office'), leadUnit: unit('labour') } });
  s = evolve(s, { type: 'ItemAssigned', at: '2026-02-02T03:00:00.000Z', actorId: randomUUID(), data: {
    responsibleUnit: unit('village'), measures: '动员参保', mode: 'immediate', deadline: '2026-02-20', deadlineProvisional: false,
    deadlineWorkingDays: null, milestones: [] } });
  return s;
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
beforeAll(() => {
  try { Runtime.install({ logger: quiet }); } catch { /* installed already in this process */ }
});

describe('item workflow in the worker sandbox (replay, offline)', () => {
  it('runs the first task of a new item workflow: it waits (a 10-minute timer) for the report', async () => {
    const input: ItemWorkflowInput = { itemId: randomUUID(), state: null, env: null };
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH },
      opening('itemWorkflow', input, completedWith(timerStarted('1', 600))), `item-${input.itemId}`)).resolves.toBeUndefined();
  }, 60_000);

  it('detects a history its first task does not match (the replay compares commands)', async () => {
    const input: ItemWorkflowInput = { itemId: randomUUID(), state: null, env: null };
    const activity = { eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', activityTaskScheduledEventAttributes: {
      activityId: '1', activityType: { name: 'persistEvents' }, taskQueue: { name: 'zhenggai-items' },
      startToCloseTimeout: '30s', workflowTaskCompletedEventId: '4' } };
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH },
      opening('itemWorkflow', input, completedWith(activity)), `item-${input.itemId}`)).rejects.toThrow(/[Nn]ondetermin/);
  }, 60_000);

  it('runs the first task of an overdue item migrated from the local runtime: it loads the settings to tick', async () => {
    // Without settings it must load them; with them, its deadline (2026-02-20) is past, so it ticks —
    // and a tick loads fresh settings first. Either way the first command is the loadEnv activity.
    const state = migratedState();
    const loadEnv = { eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', activityTaskScheduledEventAttributes: {
      activityId: '1', activityType: { name: 'loadEnv' }, taskQueue: { name: 'zhenggai-items' },
      input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(state.campaignId)) }] },
      startToCloseTimeout: '30s', workflowTaskCompletedEventId: '4' } };
    for (const env of [null, { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR }]) {
      const input: ItemWorkflowInput = { itemId: state.id, state, env };
      await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH },
        opening('itemWorkflow', input, completedWith(loadEnv)), `item-${state.id}`)).resolves.toBeUndefined();
    }
  }, 60_000);

  it('fails a history of a workflow type the bundle does not have', async () => {
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH },
      opening('noSuchWorkflow', {}, completedWith(timerStarted('1', 600))), 'item-x')).rejects.toThrow(/noSuchWorkflow/);
  }, 60_000);
});
