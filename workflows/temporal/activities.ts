// The item workflow's activities: persist accepted events (idempotently) and load the settings and
// calendar a tick decides with. They write through the local runtime's ledger code, so the trail
// and the ledger row are exactly what the local engine would have written.
import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { canonicalJson, GENESIS_HASH } from '../../db/audit.ts';
import type { Db, Tx } from '../../db/client.ts';
import { itemEvents, items } from '../../db/schema.ts';
import type { ItemEvent } from '../../domain/item/types.ts';
import type { EngineEnv } from '../engine-env.ts';
import { appendToLedger, reaimWakeups } from '../ledger.ts';
import { envVersion } from './env-version.ts';
import { FAILURE, type ItemActivities, type PersistedEvent, type PersistInput } from './item.workflow.ts';

export function createItemActivities(deps: { db: Db; env: EngineEnv }): ItemActivities {
  const { db, env } = deps;

  /**
   * Events are keyed by (item, seq). The row is locked; if it is at `fromVersion` the events are
   * appended; if it is already past them (an earlier attempt committed, then its answer was lost)
   * the stored events are checked to be these same events and returned — nothing is written twice.
   */
  const persistOnce = (input: PersistInput) =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .select({ state: items.state, lastHash: items.lastHash, seqNo: items.seqNo })
        .from(items)
        .where(eq(items.id, input.itemId))
        .for('update');
      const version = row?.state.version ?? 0;
      if (input.events.length === 0) {
        // A tick that fired nothing: re-aim the row's wake-up, as the local engine does. A row at another
        // version means this workflow holds another state than the ledger: say so rather than skip quietly.
        if (!row) return [];
        if (version !== input.fromVersion) throw diverged(input, `the ledger row is at version ${version}`);
        await reaimWakeups(tx, [{ id: input.itemId, wake: input.wake }]);
        return [];
      }
      if (version === input.fromVersion) {
        const { events } = await appendToLedger(tx, {
          itemId: input.itemId,
          campaignId: input.campaignId,
          before: row?.state ?? null,
          ledgerNo: row?.seqNo,
          lastHash: row?.lastHash ?? GENESIS_HASH,
          events: input.events,
          after: input.after,
          wake: input.wake,
          now: input.now,
        });
        return events;
      }
      const upTo = input.fromVersion + input.events.length;
      if (version >= upTo) return alreadyStored(tx, input);
      throw diverged(input, `the ledger row is at version ${version}`);
    });

  return {
    persistEvents: async (input) => {
      try {
        return await persistOnce(input);
      } catch (err) {
        // Two attempts of one report racing (one timed out but still ran): no row existed to lock, so the loser's
        // insert hits the key the winner committed. Once more, it finds the row and answers what it holds.
        if (isUniqueViolation(err)) return persistOnce(input);
        throw err;
      }
    },

    // Cached as briefly as the local engine caches them (createEngineEnv's ttl), so both runtimes
    // see an admin's change to a campaign within the same time.
    loadEnv: async (campaignId) => {
      const loaded = { settings: await env.settings(campaignId), calendar: await env.calendar() };
      return { ...loaded, version: envVersion(loaded) };
    },
  };
}

/** PostgreSQL's unique_violation, directly or as the cause of the query builder's error. */
function isUniqueViolation(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 3;
    e = e.cause as typeof e, depth++
  ) {
    if (e.code === '23505') return true;
  }
  return false;
}

async function alreadyStored(tx: Tx, input: PersistInput): Promise<PersistedEvent[]> {
  const rows = await tx
    .select()
    .from(itemEvents)
    .where(
      and(
        eq(itemEvents.itemId, input.itemId),
        gt(itemEvents.seq, input.fromVersion),
        lte(itemEvents.seq, input.fromVersion + input.events.length),
      ),
    )
    .orderBy(asc(itemEvents.seq));
  return input.events.map((event, i) => {
    const r = rows[i];
    if (!r || !sameEvent(event, r)) {
      throw diverged(input, `stored event ${input.fromVersion + i + 1} is not the event this workflow decided`);
    }
    return { seq: r.seq, event, hash: r.hash };
  });
}

function sameEvent(e: ItemEvent, r: typeof itemEvents.$inferSelect): boolean {
  return (
    r.type === e.type &&
    new Date(r.at).getTime() === new Date(e.at).getTime() &&
    r.actorId === e.actorId &&
    canonicalJson(r.data) === canonicalJson(e.data)
  );
}

function diverged(input: PersistInput, why: string) {
  return ApplicationFailure.create({
    type: FAILURE.diverged,
    nonRetryable: true,
    message:
      `item ${input.itemId}: ${why}, but the workflow appends after version ${input.fromVersion}; ` +
      `the trail and the workflow disagree — compare item_events with the workflow history before retrying`,
  });
}
