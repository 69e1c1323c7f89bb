// The local runtime: each command is atomic in PostgreSQL — decide on the item's row, append the events to
// the hash-chained trail, update the ledger row and its next wake-up: one statement at the version read when
// it can, else one transaction holding the row lock.
import { asc, inArray } from 'drizzle-orm';
import { decide, evolve, nextWake, seenVersionStands } from '../../domain/item/index.ts';
import type { DecideContext, ItemState } from '../../domain/item/types.ts';
import { GENESIS_HASH } from '../../db/audit.ts';
import type { Db, Tx } from '../../db/client.ts';
import { subtreePattern } from '../../db/queries/items.ts';
import { items } from '../../db/schema.ts';
import {
  type Clock,
  type CommandOutcome,
  type CommandRequest,
  CommandRefused,
  type ItemEngine,
  GroupFailed,
  ItemNotFound,
  VersionConflict,
} from '../engine.ts';
import type { EngineEnv } from '../engine-env.ts';
import { storeAnswer } from '../../db/queries/idempotency.ts';
import {
  appendIfAt,
  appendManyToLedger,
  appendToLedger,
  type LedgerAppend,
  needsSingleAppend,
  reaimedWake,
  readForCommand,
  reaimWakeups,
  statements,
} from '../ledger.ts';

export interface LocalEngine extends ItemEngine {
  /** Run a command inside a transaction the caller holds (the sweep ticks rows it has locked). */
  executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome>;
  /**
   * Several commands on different existing items inside the caller's transaction, written together
   * (one lock statement, one ledger update, one events insert). Each succeeds or fails on its own: a
   * refused command is answered with its error; if the joint write fails, every command of it is run
   * again alone in its own savepoint, so one bad item cannot take the others down (nor pass silently).
   */
  executeBatchIn(tx: Tx, reqs: CommandRequest[]): Promise<Outcome[]>;
}

export type Outcome = CommandOutcome | { error: Error };

export function createLocalEngine(deps: { db: Db; env: EngineEnv; clock: Clock }): LocalEngine {
  const { db, env, clock } = deps;

  async function executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome> {
    // The caller's scope is checked in the locking statement itself: no separate read.
    const scope = req.scopePath === undefined || req.scopePath === null ? null : subtreePattern(req.scopePath);
    const [row] = await statements.lock(tx, scope !== null).execute({ itemId: req.itemId, scope });
    if (row && !row.visible) throw new ItemNotFound(req.itemId); // as if missing, also for a report reusing its id
    const state: ItemState | null = row?.state ?? null;
    if (!state && req.command.type !== 'report') throw new ItemNotFound(req.itemId);
    if (state && req.expectedVersion !== undefined && !seenVersionStands(state, req.expectedVersion)) {
      throw new VersionConflict(req.itemId, req.expectedVersion, state.version);
    }
    const campaignId = state?.campaignId ?? (req.command.type === 'report' ? req.command.campaignId : '');
    // Read through the transaction: one connection, sequentially (pg does not pipeline on a client).
    const settings = await env.settings(campaignId, tx);
    const calendar = await env.calendar(tx);
    const ctx: DecideContext = { now: clock.now().toISOString(), actor: req.actor, settings, calendar };
    const decision = decide(state, req.command, ctx);
    if (!decision.ok) throw new CommandRefused(decision.error);
    if (decision.events.length === 0) {
      // A tick with nothing to do (settings changed, or a deadline moved): re-aim the wake-up.
      if (req.command.type === 'tick' && state) {
        const wake = reaimedWake(req.itemId, state, { settings, calendar }, ctx.now);
        await reaimWakeups(tx, [{ id: req.itemId, wake }]);
      }
      return { state: state!, events: [], ledgerNo: row!.seqNo };
    }

    let next = state;
    for (const e of decision.events) next = evolve(next, e);
    const after = next!;
    const written = await appendToLedger(tx, {
      itemId: req.itemId,
      campaignId,
      before: state,
      ledgerNo: row?.seqNo,
      lastHash: row?.lastHash ?? GENESIS_HASH,
      events: decision.events,
      after,
      wake: nextWake(after, { settings, calendar }),
      now: ctx.now,
    });
    const outcome = { state: after, ...written };
    if (req.answer) await storeAnswer(tx, req.answer, await req.answer.render(outcome));
    return outcome;
  }

  /**
   * A command outside any caller's transaction: read the row, decide, and write everything in one statement
   * that applies only while the row is still at the version read (appendIfAt) — two round trips instead of
   * begin, lock, update, insert(s), commit. Another command in between makes it decide again on the new
   * state; commands that need more than the one statement, and a row that keeps moving, take the
   * transaction with its row lock (executeIn).
   */
  async function execute(req: CommandRequest): Promise<CommandOutcome> {
    if (req.command.type === 'report' || req.command.type === 'tick') return db.transaction((tx) => executeIn(tx, req));
    for (let attempt = 0; attempt < 3; attempt++) {
      const scope = req.scopePath === undefined || req.scopePath === null ? null : subtreePattern(req.scopePath);
      const [row] = await readForCommand(db, scope !== null).execute({ itemId: req.itemId, scope });
      if (!row || !row.visible) throw new ItemNotFound(req.itemId);
      const state = row.state;
      if (req.expectedVersion !== undefined && !seenVersionStands(state, req.expectedVersion)) {
        throw new VersionConflict(req.itemId, req.expectedVersion, state.version);
      }
      const settings = await env.settings(state.campaignId);
      const calendar = await env.calendar();
      const ctx: DecideContext = { now: clock.now().toISOString(), actor: req.actor, settings, calendar };
      const decision = decide(state, req.command, ctx);
      if (!decision.ok) throw new CommandRefused(decision.error);
      if (decision.events.length === 0 || needsSingleAppend(decision.events)) break;
      let next: ItemState | null = state;
      for (const e of decision.events) next = evolve(next, e);
      const after = next!;
      const answer = req.answer;
      const written = await appendIfAt(
        db,
        {
          itemId: req.itemId,
          campaignId: state.campaignId,
          before: state,
          ledgerNo: row.seqNo,
          lastHash: row.lastHash,
          events: decision.events,
          after,
          wake: nextWake(after, { settings, calendar }),
          now: ctx.now,
        },
        answer && { ...answer, render: (w) => answer.render({ state: after, ...w }) },
      );
      if (written) return { state: after, ...written };
    }
    return db.transaction((tx) => executeIn(tx, req));
  }

  async function executeBatchIn(tx: Tx, reqs: CommandRequest[]): Promise<Outcome[]> {
    const out: Outcome[] = new Array(reqs.length);
    const alone = async (i: number) => {
      try {
        out[i] = await tx.transaction((sp) => executeIn(sp, reqs[i]!));
      } catch (err) {
        out[i] = { error: err as Error };
      }
    };
    // Items in id order, so two batches that share items cannot deadlock.
    const order = reqs
      .map((r, i) => ({ r, i }))
      .sort((a, b) => (a.r.itemId < b.r.itemId ? -1 : a.r.itemId > b.r.itemId ? 1 : a.i - b.i));
    const ids = reqs.map((r) => r.itemId);
    const batchable =
      reqs.length > 1 &&
      new Set(ids).size === ids.length &&
      reqs.every((r) => r.command.type !== 'report' && (r.scopePath === undefined || r.scopePath === null));
    if (!batchable) {
      for (const { i } of order) await alone(i);
      return out;
    }
    const rows = await tx
      .select({ id: items.id, state: items.state, lastHash: items.lastHash, seqNo: items.seqNo })
      .from(items)
      .where(
        inArray(
          items.id,
          order.map((o) => o.r.itemId),
        ),
      )
      .orderBy(asc(items.id))
      .for('update');
    const byId = new Map(rows.map((r) => [r.id, r]));
    const calendar = await env.calendar(tx);
    const now = clock.now().toISOString();
    const writes: { i: number; append: LedgerAppend & { ledgerNo: number } }[] = [];
    const reaim: { id: string; wake: string | null }[] = [];
    const reaimed: number[] = [];
    const single: number[] = [];
    for (const { r, i } of order) {
      try {
        const row = byId.get(r.itemId);
        if (!row) throw new ItemNotFound(r.itemId);
        const state = row.state;
        if (r.expectedVersion !== undefined && !seenVersionStands(state, r.expectedVersion))
          throw new VersionConflict(r.itemId, r.expectedVersion, state.version);
        const settings = await env.settings(state.campaignId, tx);
        const decision = decide(state, r.command, { now, actor: r.actor, settings, calendar });
        if (!decision.ok) throw new CommandRefused(decision.error);
        if (decision.events.length === 0) {
          if (r.command.type === 'tick') {
            reaim.push({ id: r.itemId, wake: reaimedWake(r.itemId, state, { settings, calendar }, now) });
            reaimed.push(i);
          }
          out[i] = { state, events: [], ledgerNo: row.seqNo };
          continue;
        }
        if (needsSingleAppend(decision.events)) {
          single.push(i);
          continue;
        }
        let next: ItemState | null = state;
        for (const e of decision.events) next = evolve(next, e);
        writes.push({
          i,
          append: {
            itemId: r.itemId,
            campaignId: state.campaignId,
            before: state,
            ledgerNo: row.seqNo,
            lastHash: row.lastHash,
            events: decision.events,
            after: next!,
            wake: nextWake(next!, { settings, calendar }),
            now,
          },
        });
      } catch (err) {
        out[i] = { error: err as Error };
      }
    }
    try {
      await tx.transaction(async (sp) => {
        await reaimWakeups(sp, reaim);
        const written = await appendManyToLedger(
          sp,
          writes.map((w) => w.append),
        );
        for (const [k, w] of writes.entries()) out[w.i] = { state: w.append.after, ...written[k]! };
      });
    } catch {
      // Which one? Each alone: the bad one gets its error, the others are written.
      for (const i of [...reaimed, ...writes.map((w) => w.i)].sort((a, b) => a - b)) await alone(i);
    }
    for (const i of single) await alone(i);
    return out;
  }

  return {
    execute,
    // One transaction, the commands written together; see executeBatchIn.
    executeMany: (reqs) => db.transaction((tx) => executeBatchIn(tx, reqs)),
    // One transaction for every group: all or none.
    executeAll: (groups, after) =>
      db.transaction(async (tx) => {
        for (const [i, group] of groups.entries()) {
          try {
            for (const req of group) await executeIn(tx, req);
            await after?.(i, tx);
          } catch (err) {
            throw new GroupFailed(i, { cause: err });
          }
        }
      }),
    executeIn,
    executeBatchIn,
  };
}
