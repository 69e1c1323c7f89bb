// One workflow per item (workflowId `item-<id>`): a thin shell over the pure decider. Commands
// arrive as the `execute` Update, whose validator runs `decide` (a refusal never reaches history);
// the settings and calendar are loaded by an activity and kept here, so an Update carries only the
// command and the fingerprint of the env the caller saw (a different one makes the handler reload);
// accepted events are written by the idempotent persist activity before the Update answers;
// `nextWake` becomes a durable timer that sends `tick`; `currentState` answers queries.
// This module is bundled for Temporal's sandbox: it imports only domain/ and @temporalio/workflow
// (test/temporal/bundle.test.ts proves it).
import {
  patched,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { decide, fold, nextWake, seenVersionStands, type TimeEnv } from '../../domain/item/index.ts';

/** Workflow versions (patched): histories recorded before each change replay under the rule of their time. */
const PETITION_RECHECK_BY_COUNTY = 'petition-recheck-by-county';
const RECORDS_KEEP_THE_VERSION = 'records-keep-the-version';
import type { Actor, ItemCommand, ItemEvent, ItemState } from '../../domain/item/types.ts';

// ---------------------------------------------------------------- messages

export interface ItemWorkflowInput {
  itemId: string;
  /** null when started by `report`; the item's state when continued-as-new or migrated from the local runtime. */
  state: ItemState | null;
  /** The campaign settings and calendar last seen (null: load them before the first timer). */
  env: TimeEnv | null;
  /** The fingerprint of `env` (workflows/temporal/env-version.ts); absent: unknown, reload on the next command. */
  envVersion?: string | null;
}

export interface ExecuteInput {
  command: ItemCommand;
  actor: Actor | null;
  expectedVersion?: number;
  /** The fingerprint of the settings and calendar the caller read: when it is the workflow's, the cached env decides. */
  envVersion?: string;
  /**
   * Settings and calendar in full. Updates sent before the workflow cached its env carried them (~20 KB a
   * command); histories recorded then still replay through this path, so it stays. New callers send envVersion.
   */
  env?: TimeEnv;
}

/** The env as loadEnv answers it: with its fingerprint (absent in histories recorded before there was one). */
export type LoadedEnv = TimeEnv & { version?: string };

/** Same shape as the port's StoredEvent (workflows/engine.ts is not imported here: domain/ only). */
export interface PersistedEvent {
  seq: number;
  event: ItemEvent;
  hash: string;
}

interface ExecuteResult {
  state: ItemState;
  events: PersistedEvent[];
}

interface ItemSnapshot {
  state: ItemState | null;
  nextWake: string | null;
  busy: boolean;
}

export interface PersistInput {
  itemId: string;
  campaignId: string;
  /** The item's version before these events: the ledger row must be at it, or already past it (a retry). */
  fromVersion: number;
  /** Empty: a tick that fired nothing; only the row's next wake-up is re-aimed. */
  events: ItemEvent[];
  after: ItemState;
  wake: string | null;
  now: string;
}

export interface ItemActivities {
  persistEvents(input: PersistInput): Promise<PersistedEvent[]>;
  loadEnv(campaignId: string): Promise<LoadedEnv>;
}

/** ApplicationFailure types the client adapter maps back to the port's errors. */
export const FAILURE = {
  refused: 'CommandRefused',
  versionConflict: 'VersionConflict',
  notFound: 'ItemNotFound',
  diverged: 'LedgerDiverged',
  failed: 'CommandFailed',
} as const;

export const execute = defineUpdate<ExecuteResult, [ExecuteInput]>('execute');
export const currentState = defineQuery<ItemSnapshot>('currentState');

/**
 * Continue-as-new past 2,000 history events or 4 MB. A command costs ~8 history events (update
 * accepted/completed, workflow task, persist activity) and carries the settings and calendar (~4 KB);
 * a typical item lives 10–60 events, so most never continue, while a long-lived one replays at most
 * ~2,000 events after a worker cache miss (tens of ms), far below Temporal's 10,240-event / 10 MB warning.
 */
const HISTORY_BOUND = { events: 2000, bytes: 4 * 1024 * 1024 };

/** A workflow whose report was refused has no item; it ends after this, freeing the id. */
const NEVER_REPORTED_AFTER = '10 minutes';
/** When a due tick fires nothing (should not happen: nextWake and tick read the same timers), retry later. */
const STUCK_TIMER_RETRY = '5 minutes';

const { persistEvents, loadEnv } = proxyActivities<ItemActivities>({
  startToCloseTimeout: '30 seconds',
  // The database may be down for a while: keep retrying (the activity is idempotent), except when
  // the ledger disagrees with the workflow — then someone must look.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [FAILURE.diverged],
  },
});

// ---------------------------------------------------------------- the workflow

export async function itemWorkflow(input: ItemWorkflowInput): Promise<void> {
  const { itemId } = input;
  let state = input.state;
  let env = input.env;
  let envVersion = input.envVersion ?? null;
  let busy = false;

  const useEnv = (fresh: LoadedEnv) => {
    env = { settings: fresh.settings, calendar: fresh.calendar };
    envVersion = fresh.version ?? null;
    return env;
  };
  /** The env a command is decided with without loading anything, or null when the handler must load it. */
  const envFor = (cmd: ExecuteInput): TimeEnv | null =>
    cmd.env ?? (env !== null && cmd.envVersion !== undefined && cmd.envVersion === envVersion ? env : null);
  const campaignOf = (cmd: ExecuteInput) =>
    state?.campaignId ?? (cmd.command.type === 'report' ? cmd.command.campaignId : null);

  /**
   * One command or tick at a time: each decides on the state the previous one left. The loop matters:
   * when `busy` clears, every waiter's condition is true in the same activation and all of them resume;
   * only the first may take the turn, the others must wait again (without it, two queued Updates both
   * decided on one version and the second persist found its seq taken: LedgerDiverged).
   */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  /** The events a command causes now, or an ApplicationFailure naming the refusal (same codes as the local runtime). */
  function check(cmd: ExecuteInput, withEnv: TimeEnv | null, now: string, recordsKeepVersion = true): ItemEvent[] {
    if (state === null && cmd.command.type !== 'report') {
      throw ApplicationFailure.create({
        type: FAILURE.notFound,
        message: `item ${itemId} not found`,
        nonRetryable: true,
      });
    }
    const seen = cmd.expectedVersion;
    if (
      state !== null &&
      seen !== undefined &&
      !(recordsKeepVersion ? seenVersionStands(state, seen) : state.version === seen)
    ) {
      throw ApplicationFailure.create({
        type: FAILURE.versionConflict,
        nonRetryable: true,
        details: [{ expected: cmd.expectedVersion, actual: state.version }],
        message: `item ${itemId} is at version ${state.version}, not ${cmd.expectedVersion}`,
      });
    }
    // The validator without the caller's env: the handler loads it and decides (a refusal then fails the update).
    if (withEnv === null) return [];
    let decision;
    try {
      decision = decide(state, cmd.command, {
        now,
        actor: cmd.actor,
        settings: withEnv.settings,
        calendar: withEnv.calendar,
      });
    } catch (err) {
      // A bug or a malformed command: fail this update, never the workflow task (which would retry forever).
      throw ApplicationFailure.create({
        type: FAILURE.failed,
        message: `decide threw: ${String(err)}`,
        nonRetryable: true,
      });
    }
    if (!decision.ok) {
      throw ApplicationFailure.create({
        type: FAILURE.refused,
        message: decision.error.message,
        details: [decision.error],
        nonRetryable: true,
      });
    }
    return decision.events;
  }

  /** Persist the events (before answering anyone), then move the in-memory state on. */
  async function apply(events: ItemEvent[], withEnv: TimeEnv | LoadedEnv, now: string): Promise<PersistedEvent[]> {
    const before = state;
    const after = events.length > 0 ? fold(events, before)! : before!;
    const stored = await persistEvents({
      itemId,
      campaignId: after.campaignId,
      fromVersion: before?.version ?? 0,
      events,
      after,
      wake: nextWake(after, withEnv),
      now,
    });
    state = after;
    if (withEnv !== env) {
      if ('version' in withEnv) useEnv(withEnv);
      else {
        env = withEnv; // an Update that carried its env in full: its fingerprint is not known here
        envVersion = null;
      }
    }
    return stored;
  }

  const nowIso = () => new Date().toISOString(); // workflow time: deterministic on replay

  setHandler(
    execute,
    (cmd) =>
      exclusive(async () => {
        let withEnv: TimeEnv | LoadedEnv | null = envFor(cmd);
        if (withEnv === null) {
          const campaignId = campaignOf(cmd);
          if (campaignId === null) check(cmd, null, nowIso()); // throws: no item
          withEnv = await loadEnv(campaignId!);
        }
        const now = nowIso();
        // Decide again: an update accepted meanwhile may have changed the item since validation. An update
        // accepted before petition rechecks were reserved to the county (issue 15) replays under the old rule.
        const rules = patched(PETITION_RECHECK_BY_COUNTY)
          ? withEnv
          : { ...withEnv, settings: { ...withEnv.settings, petitionRecheckByCounty: false } };
        // Updates decided before a notice's record stopped making an If-Match stale replay under the strict rule.
        const events = check(cmd, rules, now, patched(RECORDS_KEEP_THE_VERSION));
        const stored = await apply(events, withEnv, now);
        return { state: state!, events: stored };
      }),
    {
      validator: (cmd) => {
        // While a command or tick is being persisted, the ledger may already hold its events and the state
        // here not yet: a caller who read the ledger (an If-Match at the new version, the notifier recording a
        // notice of the new event) would be refused for a state about to pass. The handler decides after it.
        if (busy) return;
        check(cmd, envFor(cmd), nowIso());
      },
    },
  );

  setHandler(currentState, () => ({ state, nextWake: state && env ? nextWake(state, env) : null, busy }));

  /** Time passed: load fresh settings, let the decider fire what is due. False when nothing could be done. */
  async function tick(): Promise<boolean> {
    return exclusive(async () => {
      try {
        const fresh = await loadEnv(state!.campaignId);
        const now = nowIso();
        const decision = decide(
          state,
          { type: 'tick' },
          { now, actor: null, settings: fresh.settings, calendar: fresh.calendar },
        );
        if (!decision.ok) throw new Error(`tick refused: ${decision.error.code}: ${decision.error.message}`);
        await apply(decision.events, fresh, now);
        const next = nextWake(state!, fresh);
        if (decision.events.length === 0 && next !== null && next <= now) {
          log.error('a due wake-up fires nothing; retrying later', { itemId, nextWake: next });
          return false;
        }
        return true;
      } catch (err) {
        if (isCancellation(err)) throw err;
        // Persisting failed for good (the ledger disagrees with this workflow): keep the workflow
        // alive and visible rather than failing it; the next command or retry tries again.
        log.error('tick failed; retrying later', { itemId, error: String(err) });
        return false;
      }
    });
  }

  if (!(await condition(() => state !== null, NEVER_REPORTED_AFTER))) {
    log.warn('no item was reported in this workflow; ending it', { itemId });
    return;
  }

  const historyTooLong = () => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested || info.historyLength > HISTORY_BOUND.events || info.historySize > HISTORY_BOUND.bytes
    );
  };

  for (;;) {
    if (env === null) env = useEnv(await exclusive(() => loadEnv(state!.campaignId)));
    if (historyTooLong()) {
      await condition(() => allHandlersFinished() && !busy);
      await continueAsNew<typeof itemWorkflow>({ itemId, state, env, envVersion });
    }
    const seenVersion = state!.version;
    const seenEnv = env;
    const changed = () => state!.version !== seenVersion || env !== seenEnv || historyTooLong();
    const wake = nextWake(state!, env);
    if (wake === null) {
      await condition(changed);
      continue;
    }
    const wait = Date.parse(wake) - Date.now();
    if (wait > 0 && (await condition(changed, wait))) continue;
    if (changed()) continue;
    if (!(await tick())) await condition(changed, STUCK_TIMER_RETRY);
  }
}
