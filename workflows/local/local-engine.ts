// The local runtime: each command is one PostgreSQL transaction — lock the item row, decide,
// append the events to the hash-chained trail, update the ledger row and its next wake-up.
import { eq, sql } from 'drizzle-orm';
import { decide, evolve, nextWake } from '../../domain/item/index.ts';
import type { DecideContext, ItemEvent, ItemState } from '../../domain/item/types.ts';
import { eventHash, GENESIS_HASH } from '../../db/audit.ts';
import type { Db, Tx } from '../../db/client.ts';
import { recordEvidenceRefs } from '../../db/queries/evidence.ts';
import { campaigns, itemEvents, items, milestones } from '../../db/schema.ts';
import {
  type Clock, type CommandOutcome, type CommandRequest, CommandRefused, type ItemEngine, ItemNotFound,
  type StoredEvent, VersionConflict,
} from '../engine.ts';
import type { EngineEnv } from './engine-env.ts';

export interface LocalEngine extends ItemEngine {
  /** Run a command inside a transaction the caller holds (the sweep ticks rows it has locked). */
  executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome>;
}

export function createLocalEngine(deps: { db: Db; env: EngineEnv; clock: Clock }): LocalEngine {
  const { db, env, clock } = deps;

  async function executeIn(tx: Tx, req: CommandRequest): Promise<CommandOutcome> {
    const [row] = await tx.select({ state: items.state, lastHash: items.lastHash }).from(items)
      .where(eq(items.id, req.itemId)).for('update');
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
      return { state: state!, events: [] };
    }

    let next = state;
    for (const e of decision.events) next = evolve(next, e);
    const after = next!;
    const stored = chain(req.itemId, state?.version ?? 0, row?.lastHash ?? GENESIS_HASH, decision.events);
    const lastHash = stored[stored.length - 1]!.hash;
    const wake = nextWake(after, { settings, calendar });

    const projection = { ...ledgerColumns(after), nextWakeAt: wake, lastHash, updatedAt: ctx.now };
    if (state) {
      await tx.update(items).set(projection).where(eq(items.id, req.itemId));
    } else {
      const [counter] = await tx.update(campaigns).set({ itemCounter: sql`${campaigns.itemCounter} + 1` })
        .where(eq(campaigns.id, campaignId)).returning({ n: campaigns.itemCounter });
      if (!counter) throw new Error(`campaign ${campaignId} vanished while reporting item ${req.itemId}`);
      await tx.insert(items).values({ id: req.itemId, seqNo: counter.n, ...projection });
    }
    await tx.insert(itemEvents).values(stored.map((s) => ({
      itemId: req.itemId, seq: s.seq, type: s.event.type, at: s.event.at, actorId: s.event.actorId,
      data: s.event.data, prevHash: s.prevHash, hash: s.hash,
    })));
    // The trail cites evidence by attachment id; evidence_refs keeps each cited file row from deletion.
    await recordEvidenceRefs(tx, req.itemId, stored);
    if (decision.events.some((e) => e.type === 'ItemAssigned' || e.type === 'MilestoneCompleted')) {
      await syncMilestones(tx, after);
    }
    return { state: after, events: stored.map(({ seq, event, hash }) => ({ seq, event, hash })) };
  }

  return {
    execute: (req) => db.transaction((tx) => executeIn(tx, req)),
    executeIn,
  };
}

function chain(itemId: string, fromVersion: number, prevHash: string, events: ItemEvent[]) {
  let prev = prevHash;
  return events.map((event, i) => {
    const seq = fromVersion + i + 1;
    const hash = eventHash(prev, { itemId, seq, type: event.type, at: event.at, actorId: event.actorId, data: event.data });
    const link = { seq, event, hash, prevHash: prev } satisfies StoredEvent & { prevHash: string };
    prev = hash;
    return link;
  });
}

/** The ledger row's columns, all derived from the decider state. */
export function ledgerColumns(s: ItemState) {
  return {
    campaignId: s.campaignId, categoryId: s.categoryId, source: s.source, title: s.title,
    description: s.description, status: s.status, version: s.version,
    ownerUnitPath: s.ownerUnit.path, leadUnitPath: s.leadUnit?.path ?? null,
    reportingUnitPath: s.reportingUnit.path,
    responsibleUnitId: s.responsibleUnit?.id ?? null, responsibleUnitPath: s.responsibleUnit?.path ?? null,
    deadline: s.deadline, overdue: s.overdue, escalationLevel: s.escalationLevel, flagged: s.flagged,
    reportedAt: s.reportedAt, closedAt: s.closedAt, state: s,
  };
}

async function syncMilestones(tx: Tx, s: ItemState) {
  await tx.delete(milestones).where(eq(milestones.itemId, s.id));
  if (s.milestones.length === 0) return;
  await tx.insert(milestones).values(s.milestones.map((m) => ({
    itemId: s.id, id: m.id, title: m.title, dueOn: m.dueOn, completedAt: m.completedAt,
  })));
}
