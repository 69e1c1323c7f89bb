// The local runtime: each command is one PostgreSQL transaction — lock the item row, decide,
// append the events to the hash-chained trail, update the ledger row and its next wake-up.
import { eq } from 'drizzle-orm';
import { decide, evolve, nextWake } from '../../domain/item/index.ts';
import type { DecideContext, ItemState } from '../../domain/item/types.ts';
import { GENESIS_HASH } from '../../db/audit.ts';
import type { Db, Tx } from '../../db/client.ts';
import { subtreePattern } from '../../db/queries/items.ts';
import { items } from '../../db/schema.ts';
import {
  type Clock, type CommandOutcome, type CommandRequest, CommandRefused, type ItemEngine, ItemNotFound, VersionConflict,
} from '../engine.ts';
import type { EngineEnv } from './engine-env.ts';
import { appendToLedger, statements } from './ledger.ts';

export { ledgerColumns, statements } from './ledger.ts';

export interface LocalEngine extends ItemEngine {
  /** Run a command inside a transaction the caller holds (the sweep ticks rows it has locked). */
  executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome>;
}

export function createLocalEngine(deps: { db: Db; env: EngineEnv; clock: Clock }): LocalEngine {
  const { db, env, clock } = deps;

  async function executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome> {
    // The caller's scope is checked in the locking statement itself: no separate read.
    const scope = req.scopePath === undefined || req.scopePath === null ? null : subtreePattern(req.scopePath);
    const [row] = await statements.lock(tx, scope !== null).execute({ itemId: req.itemId, scope });
    if (row && !row.visible) throw new ItemNotFound(req.itemId); // as if missing, also for a report reusing its id
    const state: ItemState | null = row?.state ?? null;
    if (!state && req.command.type !== 'report') throw new ItemNotFound(req.itemId);
    if (state && req.expectedVersion !== undefined && state.version !== req.expectedVersion) {
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
        const wake = nextWake(state, { settings, calendar });
        if (wake && wake <= ctx.now) throw new Error(`item ${req.itemId}: nextWake ${wake} is due but a tick changes nothing`);
        await tx.update(items).set({ nextWakeAt: wake }).where(eq(items.id, req.itemId));
      }
      return { state: state!, events: [], ledgerNo: row!.seqNo };
    }

    let next = state;
    for (const e of decision.events) next = evolve(next, e);
    const after = next!;
    const { events, ledgerNo } = await appendToLedger(tx, {
      itemId: req.itemId, campaignId, before: state, ledgerNo: row?.seqNo, lastHash: row?.lastHash ?? GENESIS_HASH,
      events: decision.events, after, wake: nextWake(after, { settings, calendar }), now: ctx.now,
    });
    return { state: after, events, ledgerNo };
  }

  return {
    execute: (req) => db.transaction((tx) => executeIn(tx, req)),
    // Items locked in id order, so two batches that share items cannot deadlock; a savepoint per
    // command, so one refused command does not undo the others.
    executeMany: (reqs) => db.transaction(async (tx) => {
      const order = reqs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.itemId < b.r.itemId ? -1 : a.r.itemId > b.r.itemId ? 1 : a.i - b.i));
      const out: (CommandOutcome | { error: Error })[] = new Array(reqs.length);
      for (const { r, i } of order) {
        try { out[i] = await tx.transaction((sp) => executeIn(sp, r)); } catch (err) { out[i] = { error: err as Error }; }
      }
      return out;
    }),
    executeIn,
  };
}
