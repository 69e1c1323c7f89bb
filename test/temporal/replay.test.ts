// The item workflow inside Temporal's real worker sandbox, offline: a replay worker (core bridge,
// V8 isolate, the same bundle a worker runs) replays histories and compares the commands the
// workflow issues with the events recorded. The histories are written here by hand in the JSON form
// the server records, to pin single decisions (replay-recorded.test.ts replays whole histories recorded
// from real servers): a new item waiting for its
// report; a report arriving as the `execute` Update and persisted before it answers; a migrated
// overdue item whose tick loads settings, persists and waits for the next step. Each has a twin the
// replay must reject, so a pass means the workflow issued exactly those commands.
import { randomUUID } from 'node:crypto';
import { Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { DEFAULT_SETTINGS, evolve } from '../../domain/item/index.ts';
import type { ItemState } from '../../domain/item/types.ts';
import type { ExecuteInput, ItemWorkflowInput } from '../../workflows/temporal/item.workflow.ts';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The first events of a workflow history, in the JSON form `temporal workflow show --output json` writes. */
function opening(workflowType: string, input: unknown, firstTask: object[] = []) {
  const runId = randomUUID();
  const at = '2026-03-02T02:00:00Z';
  return {
    events: [
      {
        eventId: '1',
        eventTime: at,
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        taskId: '1',
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: workflowType },
          taskQueue: { name: 'zhenggai-items', kind: 'TASK_QUEUE_KIND_NORMAL' },
          input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) }] },
          workflowTaskTimeout: '10s',
          originalExecutionRunId: runId,
          firstExecutionRunId: runId,
          attempt: 1,
          identity: 'replay-test',
        },
      },
      {
        eventId: '2',
        eventTime: at,
        eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
        taskId: '2',
        workflowTaskScheduledEventAttributes: {
          taskQueue: { name: 'zhenggai-items', kind: 'TASK_QUEUE_KIND_NORMAL' },
          startToCloseTimeout: '10s',
          attempt: 1,
        },
      },
      {
        eventId: '3',
        eventTime: at,
        eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED',
        taskId: '3',
        workflowTaskStartedEventAttributes: {
          scheduledEventId: '2',
          identity: 'replay-test',
          requestId: randomUUID(),
          historySizeBytes: '512',
        },
      },
      ...firstTask,
    ],
  };
}

/** What the first workflow task decided: completed, then the events its commands recorded. */
const completedWith = (...commands: object[]) => [
  {
    eventId: '4',
    eventTime: '2026-03-02T02:00:00Z',
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
    taskId: '4',
    workflowTaskCompletedEventAttributes: { scheduledEventId: '2', startedEventId: '3', identity: 'replay-test' },
  },
  ...commands.map((c, i) => ({
    eventId: String(5 + i),
    eventTime: '2026-03-02T02:00:00Z',
    taskId: String(5 + i),
    ...c,
  })),
];
const timerStarted = (timerId: string, seconds: number) => ({
  eventType: 'EVENT_TYPE_TIMER_STARTED',
  timerStartedEventAttributes: { timerId, startToFireTimeout: `${seconds}s`, workflowTaskCompletedEventId: '4' },
});

const AT = '2026-03-02T02:00:00Z';
const payloads = (...vs: unknown[]) => ({
  payloads: vs.map((v) => ({ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(v)) })),
});
const ev = (id: number, type: string, attrs: object) => ({
  eventId: String(id),
  eventTime: AT,
  taskId: String(id),
  eventType: `EVENT_TYPE_${type}`,
  ...attrs,
});
/** A workflow task: scheduled, started, completed (its commands' events follow). */
const task = (first: number) => [
  ev(first, 'WORKFLOW_TASK_SCHEDULED', {
    workflowTaskScheduledEventAttributes: {
      taskQueue: { name: 'zhenggai-items' },
      startToCloseTimeout: '10s',
      attempt: 1,
    },
  }),
  ev(first + 1, 'WORKFLOW_TASK_STARTED', {
    workflowTaskStartedEventAttributes: {
      scheduledEventId: String(first),
      identity: 'replay-test',
      requestId: randomUUID(),
    },
  }),
  ev(first + 2, 'WORKFLOW_TASK_COMPLETED', {
    workflowTaskCompletedEventAttributes: {
      scheduledEventId: String(first),
      startedEventId: String(first + 1),
      identity: 'replay-test',
    },
  }),
];
/** An activity scheduled by the task completed at `completedTask`, started, completed with `result`. */
const activity = (first: number, id: string, name: string, completedTask: number, result: unknown) => [
  ev(first, 'ACTIVITY_TASK_SCHEDULED', {
    activityTaskScheduledEventAttributes: {
      activityId: id,
      activityType: { name },
      taskQueue: { name: 'zhenggai-items' },
      startToCloseTimeout: '30s',
      workflowTaskCompletedEventId: String(completedTask),
    },
  }),
  ev(first + 1, 'ACTIVITY_TASK_STARTED', {
    activityTaskStartedEventAttributes: {
      scheduledEventId: String(first),
      identity: 'replay-test',
      requestId: randomUUID(),
      attempt: 1,
    },
  }),
  ev(first + 2, 'ACTIVITY_TASK_COMPLETED', {
    activityTaskCompletedEventAttributes: {
      result: payloads(result),
      scheduledEventId: String(first),
      startedEventId: String(first + 1),
    },
  }),
];

function migratedState(): ItemState {
  const unit = (id: string) => ({ id, path: `/${id}/` });
  let s = evolve(null, {
    type: 'ItemReported',
    at: '2026-02-02T02:00:00.000Z',
    actorId: randomUUID(),
    data: {
      itemId: randomUUID(),
      campaignId: randomUUID(),
      categoryId: null,
      source: 'screening',
      title: '未参保',
      description: '',
      person: null,
      location: null,
      reportingUnit: unit('office'),
      ownerUnit: unit('office'),
      leadUnit: unit('labour'),
    },
  });
  s = evolve(s, {
    type: 'ItemAssigned',
    at: '2026-02-02T03:00:00.000Z',
    actorId: randomUUID(),
    data: {
      responsibleUnit: unit('village'),
      measures: '动员参保',
      mode: 'immediate',
      deadline: '2026-02-20',
      deadlineProvisional: false,
      deadlineWorkingDays: null,
      milestones: [],
    },
  });
  return s;
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
beforeAll(() => {
  try {
    Runtime.install({ logger: quiet });
  } catch {
    /* installed already in this process */
  }
});

describe('item workflow in the worker sandbox (replay, offline)', () => {
  it('runs the first task of a new item workflow: it waits (a 10-minute timer) for the report', async () => {
    const input: ItemWorkflowInput = { itemId: randomUUID(), state: null, env: null };
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: WORKFLOWS_PATH },
        opening('itemWorkflow', input, completedWith(timerStarted('1', 600))),
        `item-${input.itemId}`,
      ),
    ).resolves.toBeUndefined();
  }, 60_000);

  it('ticks an overdue migrated item: loads settings, persists what fell due, then waits for the next step', async () => {
    const state = migratedState();
    const env = { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR };
    const history = opening('itemWorkflow', { itemId: state.id, state, env } satisfies ItemWorkflowInput, [
      ev(4, 'WORKFLOW_TASK_COMPLETED', {
        workflowTaskCompletedEventAttributes: { scheduledEventId: '2', startedEventId: '3', identity: 'replay-test' },
      }),
      ...activity(5, '1', 'loadEnv', 4, env),
      ...task(8),
      ...activity(11, '2', 'persistEvents', 10, []),
      ...task(14),
      ev(17, 'TIMER_STARTED', {
        timerStartedEventAttributes: { timerId: '2', startToFireTimeout: '86400s', workflowTaskCompletedEventId: '16' },
      }),
    ]);
    await expect(
      Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, `item-${state.id}`),
    ).resolves.toBeUndefined();

    // The same history with the persist step left out: a tick that fell due must be persisted, so replay refuses it.
    const skipped = {
      events: history.events
        .filter((e) => Number((e as { eventId: string }).eventId) < 11)
        .concat(
          ev(11, 'TIMER_STARTED', {
            timerStartedEventAttributes: {
              timerId: '2',
              startToFireTimeout: '86400s',
              workflowTaskCompletedEventId: '10',
            },
          }),
        ),
    };
    await expect(
      Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, skipped, `item-${state.id}`),
    ).rejects.toThrow(/[Nn]ondetermin/);
  }, 60_000);

  it('runs a report sent as the execute update: persists it, answers, and stops waiting for the report', async () => {
    const itemId = randomUUID();
    const unit = (id: string) => ({ id, path: `/${id}/` });
    const command = {
      type: 'report',
      itemId,
      campaignId: randomUUID(),
      categoryId: null,
      source: 'screening',
      title: '未参保',
      description: '',
      person: null,
      location: null,
      reportingUnit: unit('office'),
      ownerUnit: unit('office'),
      leadUnit: unit('labour'),
    };
    const input: ExecuteInput = {
      command: command as ExecuteInput['command'],
      actor: { userId: randomUUID(), unitId: 'office', unitPath: '/office/', roles: ['supervisor'] },
      env: { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR },
    };
    const updateId = randomUUID();
    const meta = { updateId, identity: 'replay-test' };
    const history = (afterPersist: object[]) =>
      opening('itemWorkflow', { itemId, state: null, env: null } satisfies ItemWorkflowInput, [
        ...completedWith(timerStarted('1', 600)), // 4, 5
        ...task(6),
        ev(9, 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED', {
          workflowExecutionUpdateAcceptedEventAttributes: {
            protocolInstanceId: updateId,
            acceptedRequestMessageId: `${updateId}/request`,
            acceptedRequestSequencingEventId: '7',
            acceptedRequest: { meta, input: { name: 'execute', args: payloads(input) } },
          },
        }),
        ...activity(10, '1', 'persistEvents', 8, [{ seq: 1, event: {}, hash: 'h' }]),
        ...task(13),
        ...afterPersist,
      ]);
    const answered = ev(16, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED', {
      workflowExecutionUpdateCompletedEventAttributes: {
        meta,
        acceptedEventId: '9',
        outcome: { success: payloads({ state: null, events: [] }) },
      },
    });
    const timerCancelled = (id: number) =>
      ev(id, 'TIMER_CANCELED', {
        timerCanceledEventAttributes: {
          timerId: '1',
          startedEventId: '5',
          workflowTaskCompletedEventId: '15',
          identity: 'replay-test',
        },
      });
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: WORKFLOWS_PATH },
        history([answered, timerCancelled(17)]),
        `item-${itemId}`,
      ),
    ).resolves.toBeUndefined();

    // The handler really decides: a report the decider refuses (empty title) schedules no persist, so this history cannot replay.
    input.command = { ...input.command, title: '' } as ExecuteInput['command'];
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: WORKFLOWS_PATH },
        history([answered, timerCancelled(17)]),
        `item-${itemId}`,
      ),
    ).rejects.toThrow(/[Nn]ondetermin/);
  }, 60_000);

  it('detects a history its first task does not match (the replay compares commands)', async () => {
    const input: ItemWorkflowInput = { itemId: randomUUID(), state: null, env: null };
    const activity = {
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activityTaskScheduledEventAttributes: {
        activityId: '1',
        activityType: { name: 'persistEvents' },
        taskQueue: { name: 'zhenggai-items' },
        startToCloseTimeout: '30s',
        workflowTaskCompletedEventId: '4',
      },
    };
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: WORKFLOWS_PATH },
        opening('itemWorkflow', input, completedWith(activity)),
        `item-${input.itemId}`,
      ),
    ).rejects.toThrow(/[Nn]ondetermin/);
  }, 60_000);

  it('runs the first task of an overdue item migrated from the local runtime: it loads the settings to tick', async () => {
    // Without settings it must load them; with them, its deadline (2026-02-20) is past, so it ticks —
    // and a tick loads fresh settings first. Either way the first command is the loadEnv activity.
    const state = migratedState();
    const loadEnv = {
      eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activityTaskScheduledEventAttributes: {
        activityId: '1',
        activityType: { name: 'loadEnv' },
        taskQueue: { name: 'zhenggai-items' },
        input: {
          payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(state.campaignId)) }],
        },
        startToCloseTimeout: '30s',
        workflowTaskCompletedEventId: '4',
      },
    };
    for (const env of [null, { settings: DEFAULT_SETTINGS, calendar: OFFICIAL_CALENDAR }]) {
      const input: ItemWorkflowInput = { itemId: state.id, state, env };
      await expect(
        Worker.runReplayHistory(
          { workflowsPath: WORKFLOWS_PATH },
          opening('itemWorkflow', input, completedWith(loadEnv)),
          `item-${state.id}`,
        ),
      ).resolves.toBeUndefined();
    }
  }, 60_000);

  it('fails a history of a workflow type the bundle does not have', async () => {
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: WORKFLOWS_PATH },
        opening('noSuchWorkflow', {}, completedWith(timerStarted('1', 600))),
        'item-x',
      ),
    ).rejects.toThrow(/noSuchWorkflow/);
  }, 60_000);
});
