// Writing an item's accepted events: append them to the hash-chained trail and bring the ledger
// row (the projection) up to date. Both runtimes write through here — the local engine inside its
// command transaction, the Temporal persist activity inside its own — so the rows are identical.
import { eq, sql } from 'drizzle-orm';
import type { ItemEvent, ItemState } from '../../domain/item/types.ts';
import { eventHash } from '../../db/audit.ts';
import type { Tx } from '../../db/client.ts';
import { campaigns, itemEvents, items, milestones } from '../../db/schema.ts';
import type { StoredEvent } from '../engine.ts';

export interface LedgerAppend {
  itemId: string;
  campaignId: string;
  /** The state before the events (null: the item is being reported, the row does not exist yet). */
  before: ItemState | null;
  /** Head of the chain before the events (GENESIS_HASH for a new item). */
  lastHash: string;
  events: ItemEvent[];
  after: ItemState;
  /** nextWake of `after`. */
  wake: string | null;
  /** The instant the command was decided at (updated_at). */
  now: string;
}

/** Append the events and update (or create) the ledger row; the caller holds the row lock. */
export async function appendToLedger(tx: Tx, a: LedgerAppend): Promise<StoredEvent[]> {
  const stored = chain(a.itemId, a.before?.version ?? 0, a.lastHash, a.events);
  const lastHash = stored[stored.length - 1]!.hash;
  const projection = { ...ledgerColumns(a.after), nextWakeAt: a.wake, lastHash, updatedAt: a.now };
  if (a.before) {
    await tx.update(items).set(projection).where(eq(items.id, a.itemId));
  } else {
    const [counter] = await tx.update(campaigns).set({ itemCounter: sql`${campaigns.itemCounter} + 1` })
      .where(eq(campaigns.id, a.campaignId)).returning({ n: campaigns.itemCounter });
    if (!counter) throw new Error(`campaign ${a.campaignId} vanished while reporting item ${a.itemId}`);
    await tx.insert(items).values({ id: a.itemId, seqNo: counter.n, ...projection });
  }
  await tx.insert(itemEvents).values(stored.map((s) => ({
    itemId: a.itemId, seq: s.seq, type: s.event.type, at: s.event.at, actorId: s.event.actorId,
    data: s.event.data, prevHash: s.prevHash, hash: s.hash,
  })));
  if (a.events.some((e) => e.type === 'ItemAssigned' || e.type === 'MilestoneCompleted')) {
    await syncMilestones(tx, a.after);
  }
  return stored.map(({ seq, event, hash }) => ({ seq, event, hash }));
}

export function chain(itemId: string, fromVersion: number, prevHash: string, events: ItemEvent[]) {
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
