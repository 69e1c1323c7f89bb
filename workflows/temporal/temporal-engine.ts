// The ItemEngine port on Temporal: each command is the `execute` Update of the item's workflow.
// Reads still come from the database projection. An Update carries the command and the fingerprint of
// the campaign settings and calendar this process reads (the workflow keeps its own copy and reloads it
// when the fingerprints differ); failures map back to the port's errors, so the API answers exactly as
// with the local runtime.
import {
  type Client,
  type Connection,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { and, eq, inArray } from 'drizzle-orm';
import { visibleTo } from '../../db/queries/items.ts';
import type { DomainError, ItemState } from '../../domain/item/types.ts';
import type { Db } from '../../db/client.ts';
import { items } from '../../db/schema.ts';
import {
  type CommandOutcome,
  type Clock,
  type CommandRequest,
  CommandRefused,
  systemClock,
  EngineUnavailable,
  type ItemEngine,
  ItemNotFound,
  VersionConflict,
} from '../engine.ts';
import { createLocalEngine } from '../local/local-engine.ts';
import type { EngineEnv } from '../engine-env.ts';
import type { TimeEnv } from '../../domain/item/index.ts';
import { envVersion } from './env-version.ts';
import { execute, type ExecuteInput, FAILURE, itemWorkflow, type ItemWorkflowInput } from './item.workflow.ts';

interface TemporalEngineDeps {
  client: Client;
  /** The client's connection: probed before a command so "not reachable" is told apart from "no answer". */
  connection: Connection;
  taskQueue: string;
  db: Db;
  env: EngineEnv;
  /** How long a command may wait for the workflow's answer (a function: read for each command). */
  commandTimeoutMs?: number | (() => number);
  /** How long the reachability probe may take. */
  probeTimeoutMs?: number;
  /** The clock new items imported in one unit (executeAll) are decided with; the workflows use Temporal's. */
  clock?: Clock;
}

export interface TemporalEngine extends ItemEngine {
  /** Throws EngineUnavailable when the Temporal frontend does not answer (readiness checks use it too). */
  probe(): Promise<void>;
  /** Item workflows Temporal reports stuck (workflow tasks failing again and again: a determinism failure after a
   * deploy, or a bug); for /metrics and the admin queue page. */
  stuckWorkflows(limit?: number): Promise<StuckWorkflow[]>;
}

export interface StuckWorkflow {
  workflowId: string;
  /** Temporal's TemporalReportedProblems, e.g. ["category=WorkflowTaskFailed", "cause=WorkflowTaskFailedCauseNonDeterministicError"]. */
  problems: string[];
  /** True when the cause is a determinism failure (the workflow code no longer replays its history). */
  nondeterministic: boolean;
}

export const workflowIdOf = (itemId: string) => `item-${itemId}`;

/** A probe that succeeded this recently is trusted: a command costs no extra round trip while Temporal answers. */
const TRUST_PROBE_MS = 5_000;

export function createTemporalEngine(deps: TemporalEngineDeps): TemporalEngine {
  const { client, connection, taskQueue, db, env } = deps;
  const timeoutOf = (t = deps.commandTimeoutMs) => (typeof t === 'function' ? t() : (t ?? 10_000));
  const probeTimeoutMs = deps.probeTimeoutMs ?? 2_000;
  const address = connection.options.address;
  let answeredAt = 0;

  async function probe(): Promise<void> {
    try {
      await connection.withDeadline(Date.now() + probeTimeoutMs, () => connection.healthService.check({}));
      answeredAt = Date.now();
    } catch (err) {
      throw new EngineUnavailable(
        `Temporal at ${address} did not answer a health check within ${probeTimeoutMs} ms (${briefly(err)}); the command was not sent`,
        false,
        { cause: err },
      );
    }
  }

  /** Start the item's workflow unless it runs already (a migrated item, or the first command since the switch). */
  async function ensureStarted(itemId: string, state: ItemState | null, withEnv: TimeEnv | null = null) {
    // A new item's workflow starts with the env (once per item), so its report's validator can decide.
    const args: [ItemWorkflowInput] = [
      { itemId, state, env: withEnv, envVersion: withEnv ? envVersion(withEnv) : null },
    ];
    try {
      await client.workflow.start(itemWorkflow, {
        workflowId: workflowIdOf(itemId),
        taskQueue,
        args,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async function ledgerRow(itemId: string, scopePath: string | null | undefined) {
    const [row] = await db
      .select({ state: items.state, seqNo: items.seqNo })
      .from(items)
      .where(and(eq(items.id, itemId), scopePath ? visibleTo({ scopePath }) : undefined));
    return row ?? null;
  }

  // A retry with the same requestId is the same Update: Temporal applies an Update id once per workflow run
  // and answers a repeat with the first outcome — which makes retrying after `applied: 'unknown'` safe.
  const update = (itemId: string, input: ExecuteInput, updateId: string | undefined) =>
    client.workflow
      .getHandle(workflowIdOf(itemId))
      .executeUpdate(execute, { args: [input], ...(updateId ? { updateId } : {}) });

  async function stuckWorkflows(limit = 50): Promise<StuckWorkflow[]> {
    // Temporal sets TemporalReportedProblems on a workflow whose workflow tasks keep failing (server ≥ 1.28).
    const query = `TaskQueue = '${taskQueue}' AND TemporalReportedProblems IS NOT NULL AND ExecutionStatus = 'Running'`;
    const out: StuckWorkflow[] = [];
    for await (const w of client.workflow.list({ query, pageSize: limit })) {
      const problems = ((w.searchAttributes as Record<string, unknown>).TemporalReportedProblems ?? []) as string[];
      out.push({
        workflowId: w.workflowId,
        problems,
        nondeterministic: problems.some((p) => /NonDeterministic/i.test(p)),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * The ledger import, all rows or none. New items only: their reports and assignments are decided and written
   * in ONE PostgreSQL transaction through the same write path the persist activity uses (no workflow exists for
   * them yet, so nothing else can touch them meanwhile); then each item's workflow starts from its ledger row —
   * the temporal-migrate path, whose timers the conformance suite checks. A workflow that cannot be started now
   * (Temporal down) starts with the item's next command, or with `temporal-migrate`.
   */
  async function executeAll(groups: CommandRequest[][], after?: Parameters<NonNullable<ItemEngine['executeAll']>>[1]) {
    for (const group of groups) {
      if (group[0]?.command.type !== 'report') {
        throw new Error('executeAll on Temporal takes new items only (each group starts with report)');
      }
    }
    const local = createLocalEngine({ db, env, clock: deps.clock ?? systemClock });
    await local.executeAll!(groups, after);
    const ids = [...new Set(groups.map((g) => g[0]!.itemId))];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .select({ id: items.id, state: items.state })
        .from(items)
        .where(inArray(items.id, ids.slice(i, i + 500)));
      for (const row of rows) {
        try {
          await ensureStarted(row.id, row.state);
        } catch {
          // Left for the item's next command or temporal-migrate (see above); the import itself is done.
        }
      }
    }
  }

  return {
    probe,
    stuckWorkflows,
    executeAll,
    async execute(req: CommandRequest): Promise<CommandOutcome> {
      const { itemId, command } = req;
      let current: ItemState | null = null;
      let ledgerNo: number | undefined;
      if (command.type !== 'report') {
        // Scope is checked on the projection before the command is sent (the workflow knows no org tree).
        const row = await ledgerRow(itemId, req.scopePath);
        if (!row) throw new ItemNotFound(itemId);
        current = row.state;
        ledgerNo = row.seqNo;
      }
      const campaignId = current?.campaignId ?? (command.type === 'report' ? command.campaignId : '');
      const seen: TimeEnv = { settings: await env.settings(campaignId), calendar: await env.calendar() };
      const input: ExecuteInput = {
        command,
        actor: req.actor,
        ...(req.expectedVersion !== undefined ? { expectedVersion: req.expectedVersion } : {}),
        envVersion: envVersion(seen),
      };
      if (Date.now() - answeredAt > TRUST_PROBE_MS) await probe();
      const commandTimeoutMs = timeoutOf();
      const deadline = Date.now() + commandTimeoutMs;
      /**
       * Temporal refuses an Update outright while the workflow's task has failed or timed out several times in a
       * row (a worker restarting or starved of CPU, e.g. while the demo's workflows start): nothing is admitted,
       * and the server retries the task. Sent again until it is admitted or the command's time is up.
       */
      const send = async () => {
        for (let pause = 200; ; pause = Math.min(pause * 2, 2_000)) {
          try {
            return await update(itemId, input, req.requestId);
          } catch (err) {
            if (!workflowNotReady(err) || Date.now() + pause >= deadline) throw err;
            await new Promise((r) => setTimeout(r, pause));
          }
        }
      };
      try {
        // One deadline for every call of this command (start, update, retries of either).
        const result = await client.withDeadline(deadline, async () => {
          if (command.type === 'report') await ensureStarted(itemId, null, seen);
          try {
            return await send();
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError) || current === null) throw err;
            // The item predates the Temporal runtime (or its workflow was never started): start it
            // from the ledger row, which is what the persist activity last wrote, and send again.
            await ensureStarted(itemId, current);
            return send();
          }
        });
        answeredAt = Date.now();
        // A new item's ledger number is given when the persist activity creates its row.
        ledgerNo ??= (await ledgerRow(itemId, null))?.seqNo;
        if (ledgerNo === undefined)
          throw new Error(`item ${itemId}: the workflow answered but its ledger row is missing`);
        return { ...result, ledgerNo };
      } catch (err) {
        throw portError(err, itemId, address, commandTimeoutMs, req.requestId);
      }
    },
  };
}

/**
 * The workflow's and the client's failures as the port's errors (the API maps those once). `updateId`: the
 * command's own Update id (from the user's Idempotency-Key), which an earlier request may have sent already.
 */
export function portError(
  err: unknown,
  itemId: string,
  address: string,
  timeoutMs: number,
  updateId?: string,
): unknown {
  if (workflowNotReady(err)) {
    // Refused before admission, so this request applied nothing; an earlier request with the same Update id
    // may have been admitted before the task began failing, and the refusal comes before that id is looked up.
    return new EngineUnavailable(
      `Temporal kept refusing the command for item ${itemId} for up to ${timeoutMs} ms: the item's workflow task keeps failing ` +
        `or timing out (a worker restarting, overloaded, or running code that no longer replays the history); ` +
        `this request applied nothing${updateId ? ', an earlier one with the same Idempotency-Key may have' : ''}`,
      updateId ? 'unknown' : false,
      { cause: err },
    );
  }
  // The persist activity's failure (LedgerDiverged) reaches the client wrapped in an ActivityFailure.
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  const f = cause instanceof ActivityFailure ? cause.cause : cause;
  if (f instanceof ApplicationFailure) {
    const detail = f.details?.[0];
    switch (f.type) {
      case FAILURE.refused:
        return new CommandRefused(detail as DomainError);
      case FAILURE.versionConflict: {
        const v = detail as { expected: number; actual: number };
        return new VersionConflict(itemId, v.expected, v.actual);
      }
      case FAILURE.notFound:
        return new ItemNotFound(itemId);
      default:
        return new Error(`item ${itemId}: the workflow failed the command: ${f.type}: ${f.message}`, { cause: err });
    }
  }
  if (err instanceof WorkflowNotFoundError) return new ItemNotFound(itemId);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcUnavailable(err)) {
    return new EngineUnavailable(
      `Temporal at ${address} gave no answer for item ${itemId} within ${timeoutMs} ms (${briefly(err)}); ` +
        `the command may still be applied — reload the item before trying again`,
      'unknown',
      { cause: err },
    );
  }
  return err;
}

/**
 * Temporal's WorkflowNotReady (gRPC FAILED_PRECONDITION, 9): "Unable to perform workflow execution update due to
 * Workflow Task in failed state" — the server refuses Updates while the workflow task's attempt is 3 or more. The
 * client throws it as a ServiceError "Workflow Update failed" with the gRPC error as its cause.
 */
export function workflowNotReady(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; details?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.code === 9 && /Workflow Task in failed state/i.test(`${e.details ?? ''} ${e.message ?? ''}`)) return true;
  }
  return false;
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4), directly or as the cause of a client error. */
function isGrpcUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.code === 14 || e.code === 4) return true;
  }
  return false;
}

function briefly(err: unknown): string {
  const msgs: string[] = [];
  for (
    let e = err as { message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 3;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.message === 'string' && e.message && !msgs.includes(e.message)) msgs.push(e.message);
  }
  return msgs.join(': ') || String(err);
}
