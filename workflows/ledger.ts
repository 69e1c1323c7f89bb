// Writing an item's accepted events: append them to the hash-chained trail and bring the ledger
// row (the projection) up to date. Both runtimes write through here — the local engine inside its
// command transaction, the Temporal persist activity inside its own — so the rows are identical,
// the notifier's outbox included.
import { eq, getTableColumns, sql } from 'drizzle-orm';
import { nextWake, type TimeEnv } from '../domain/item/next-wake.ts';
import type { ItemEvent, ItemState } from '../domain/item/types.ts';
import { eventHash } from '../db/audit.ts';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { citedBy, recordEvidenceRefs } from '../db/queries/evidence.ts';
import type { StoredAnswer } from '../db/queries/idempotency.ts';
import { visibleToPattern } from '../db/queries/items.ts';
import { campaigns, itemEvents, items, milestones, notifyOutbox } from '../db/schema.ts';
import { NOTIFYING_EVENTS } from '../domain/notice/derive.ts';
import type { StoredEvent } from './engine.ts';

export interface LedgerAppend {
  itemId: string;
  campaignId: string;
  /** The state before the events (null: the item is being reported, the row does not exist yet). */
  before: ItemState | null;
  /** The row's ledger number (序号) when it exists already. */
  ledgerNo?: number;
  /** Head of the chain before the events (GENESIS_HASH for a new item). */
  lastHash: string;
  events: ItemEvent[];
  after: ItemState;
  /** nextWake of `after`. */
  wake: string | null;
  /** The instant the command was decided at (updated_at). */
  now: string;
}

const ph = (name: string) => sql.placeholder(name);

/**
 * The statements every command runs, as named prepared statements: PostgreSQL parses and plans each
 * once per connection instead of once per command. The bench's raw baseline runs these very ones.
 */
export const statements = {
  /** Lock the row; `visible`: whether the caller's scope (a LIKE pattern placeholder `scope`) reaches it. */
  lock: (tx: DbOrTx, scoped: boolean) =>
    tx
      .select({
        state: items.state,
        lastHash: items.lastHash,
        seqNo: items.seqNo,
        visible: scoped ? sql<boolean>`${visibleToPattern(ph('scope'))}` : sql<boolean>`true`,
      })
      .from(items)
      .where(eq(items.id, ph('itemId')))
      .for('update')
      .prepare(scoped ? 'engine_lock_scoped' : 'engine_lock'),
  update: (tx: DbOrTx) =>
    tx
      .update(items)
      .set(Object.fromEntries(PROJECTION_KEYS.map((k) => [k, ph(k)])))
      .where(eq(items.id, ph('itemId')))
      .prepare('engine_update'),
  append: (tx: DbOrTx, n: number) =>
    tx
      .insert(itemEvents)
      .values(
        Array.from({ length: n }, (_, i) => ({
          itemId: ph('itemId'),
          seq: ph(`seq${i}`),
          type: ph(`type${i}`),
          at: ph(`at${i}`),
          actorId: ph(`actorId${i}`),
          data: ph(`data${i}`),
          prevHash: ph(`prevHash${i}`),
          hash: ph(`hash${i}`),
        })),
      )
      .prepare(`engine_append_${n}`),
};

/** The locking statement's read without the lock: the state a command is decided on before its one write. */
export const readForCommand = (db: Db, scoped: boolean) =>
  db
    .select({
      state: items.state,
      lastHash: items.lastHash,
      seqNo: items.seqNo,
      visible: scoped ? sql<boolean>`${visibleToPattern(ph('scope'))}` : sql<boolean>`true`,
    })
    .from(items)
    .where(eq(items.id, ph('itemId')))
    .prepare(scoped ? 'engine_read_scoped' : 'engine_read');

/** Answer to store with a command's write (see CommandRequest.answer). */
export interface AnswerToStore {
  userId: string;
  key: string;
  render(written: { events: StoredEvent[]; ledgerNo: number }): Promise<StoredAnswer>;
}

/**
 * A command on an existing row written in ONE statement — one round trip, its own implicit transaction —
 * instead of begin, lock, update, insert, insert, commit: the ledger row (only while it is still at
 * `before.version`: that check stands in for the lock, and covers the scope, which only a versioned command
 * changes), the events with their hash chain, evidence refs, the outbox and the caller's answer. Answers
 * null and writes nothing when another command came first. Events that rewrite milestones, and reports
 * (no row yet), go through appendToLedger in a transaction (needsSingleAppend).
 */
export async function appendIfAt(
  db: Db,
  a: LedgerAppend & { before: ItemState; ledgerNo: number },
  answer?: AnswerToStore,
): Promise<{ events: StoredEvent[]; ledgerNo: number } | null> {
  const stored = chain(a.itemId, a.before.version, a.lastHash, a.events);
  const projection: Record<string, unknown> = {
    ...ledgerColumns(a.after),
    nextWakeAt: a.wake,
    lastHash: stored.at(-1)!.hash,
    updatedAt: a.now,
  };
  const row = Object.fromEntries(PROJECTION_KEYS.map((k) => [COLUMN_NAMES[k], projection[k] ?? null]));
  const events = stored.map((e) => ({
    seq: e.seq,
    type: e.event.type,
    at: e.event.at,
    actor_id: e.event.actorId,
    data: e.event.data,
    prev_hash: e.prevHash,
    hash: e.hash,
  }));
  const refSeqs: number[] = [];
  const refIds: string[] = [];
  for (const e of stored)
    for (const id of citedBy(e.event)) {
      refSeqs.push(e.seq);
      refIds.push(id);
    }
  const written = { events: stored.map(({ seq, event, hash }) => ({ seq, event, hash })), ledgerNo: a.ledgerNo };
  const ans = answer ? await answer.render(written) : null;
  const { rowCount } = await db.$client.query({
    name: 'engine_commit',
    text: COMMIT_SQL,
    values: [
      a.itemId,
      a.before.version,
      JSON.stringify(row),
      JSON.stringify(events),
      stored.filter((e) => NOTIFYING_EVENTS.has(e.event.type)).map((e) => e.seq),
      refSeqs,
      refIds,
      answer?.userId ?? null,
      answer?.key ?? null,
      ans?.status ?? null,
      ans?.body ?? null,
    ],
  });
  return rowCount === 1 ? written : null;
}

/**
 * Where an item's wake-up goes after a tick that fired nothing (the settings changed, or a deadline
 * moved): recomputed from the unchanged state. A wake-up still due would make the sweep spin on it.
 */
export function reaimedWake(itemId: string, state: ItemState, env: TimeEnv, now: string): string | null {
  const wake = nextWake(state, env);
  if (wake && wake <= now) throw new Error(`item ${itemId}: nextWake ${wake} is due but a tick changes nothing`);
  return wake;
}

/**
 * Set the wake-up of rows whose events did not change, in one statement (the caller holds the row locks,
 * or gives `version`: then only rows still at it are set, since a command meanwhile set its own wake-up).
 */
export async function reaimWakeups(
  tx: DbOrTx,
  rows: { id: string; wake: string | null; version?: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  const ids = sql.param(rows.map((r) => r.id));
  const wakes = sql.param(rows.map((r) => r.wake));
  if (rows.every((r) => r.version === undefined)) {
    await tx.execute(sql`update items set next_wake_at = u.wake
      from unnest(${ids}::uuid[], ${wakes}::timestamptz[]) as u(id, wake) where items.id = u.id`);
    return;
  }
  const versions = sql.param(rows.map((r) => r.version ?? null));
  await tx.execute(sql`update items set next_wake_at = u.wake
    from unnest(${ids}::uuid[], ${versions}::int[], ${wakes}::timestamptz[]) as u(id, version, wake)
    where items.id = u.id and items.version = u.version`);
}

/** Append the events and update (or create) the ledger row; the caller holds the row lock. */
export async function appendToLedger(tx: Tx, a: LedgerAppend): Promise<{ events: StoredEvent[]; ledgerNo: number }> {
  const stored = chain(a.itemId, a.before?.version ?? 0, a.lastHash, a.events);
  const lastHash = stored[stored.length - 1]!.hash;
  const projection = { ...ledgerColumns(a.after), nextWakeAt: a.wake, lastHash, updatedAt: a.now };
  let ledgerNo: number;
  if (a.before) {
    if (a.ledgerNo === undefined)
      throw new Error(`item ${a.itemId}: appending to an existing row needs its ledger number`);
    await statements.update(tx).execute({ ...projection, itemId: a.itemId });
    ledgerNo = a.ledgerNo;
  } else {
    const [counter] = await tx
      .update(campaigns)
      .set({ itemCounter: sql`${campaigns.itemCounter} + 1` })
      .where(eq(campaigns.id, a.campaignId))
      .returning({ n: campaigns.itemCounter });
    if (!counter) throw new Error(`campaign ${a.campaignId} vanished while reporting item ${a.itemId}`);
    await tx.insert(items).values({ id: a.itemId, seqNo: counter.n, ...projection });
    ledgerNo = counter.n;
  }
  await statements.append(tx, stored.length).execute(
    Object.fromEntries([
      ['itemId', a.itemId],
      ...stored.flatMap((s, i) => [
        [`seq${i}`, s.seq],
        [`type${i}`, s.event.type],
        [`at${i}`, s.event.at],
        [`actorId${i}`, s.event.actorId],
        [`data${i}`, s.event.data],
        [`prevHash${i}`, s.prevHash],
        [`hash${i}`, s.hash],
      ]),
    ]),
  );
  // The trail cites evidence by attachment id; evidence_refs keeps each cited file row from deletion.
  await recordEvidenceRefs(tx, a.itemId, stored);
  // The transactional outbox: events that may concern people are handed to the notifier atomically.
  const notify = stored.filter((s) => NOTIFYING_EVENTS.has(s.event.type));
  if (notify.length > 0) {
    await tx.insert(notifyOutbox).values(notify.map((s) => ({ itemId: a.itemId, seq: s.seq })));
  }
  if (a.events.some((e) => e.type === 'ItemAssigned' || e.type === 'MilestoneCompleted')) {
    await syncMilestones(tx, a.after);
  }
  return { events: stored.map(({ seq, event, hash }) => ({ seq, event, hash })), ledgerNo };
}

/**
 * appendToLedger for many existing items at once, in three statements whatever their number: one UPDATE
 * of the ledger rows (from a JSON recordset typed by the items table itself), one INSERT of the events,
 * one INSERT into the outbox. The caller holds every row lock. Commands whose events need more
 * (milestones) go through appendToLedger instead (see needsSingleAppend).
 */
export async function appendManyToLedger(
  tx: Tx,
  list: (LedgerAppend & { ledgerNo: number })[],
): Promise<{ events: StoredEvent[]; ledgerNo: number }[]> {
  if (list.length === 0) return [];
  const stored = list.map((a) => {
    if (!a.before) throw new Error(`item ${a.itemId}: appendManyToLedger appends to existing rows only`);
    return chain(a.itemId, a.before.version, a.lastHash, a.events);
  });
  const rows = list.map((a, i) => {
    const projection: Record<string, unknown> = {
      ...ledgerColumns(a.after),
      nextWakeAt: a.wake,
      lastHash: stored[i]!.at(-1)!.hash,
      updatedAt: a.now,
    };
    return Object.fromEntries([
      ['id', a.itemId],
      ...PROJECTION_KEYS.map((k) => [COLUMN_NAMES[k], projection[k] ?? null]),
    ]);
  });
  const names = PROJECTION_KEYS.map((k) => `"${COLUMN_NAMES[k]}"`);
  await tx.execute(sql`update items set (${sql.raw(names.join(', '))}) = (${sql.raw(names.map((n) => `x.${n}`).join(', '))})
    from jsonb_populate_recordset(null::items, ${JSON.stringify(rows)}::jsonb) as x where items.id = x.id`);
  const eventRows = list.flatMap((a, i) =>
    stored[i]!.map((s) => ({
      itemId: a.itemId,
      seq: s.seq,
      type: s.event.type,
      at: s.event.at,
      actorId: s.event.actorId,
      data: s.event.data,
      prevHash: s.prevHash,
      hash: s.hash,
    })),
  );
  for (let i = 0; i < eventRows.length; i += 1000) await tx.insert(itemEvents).values(eventRows.slice(i, i + 1000));
  for (const [i, a] of list.entries()) await recordEvidenceRefs(tx, a.itemId, stored[i]!);
  const notify = list.flatMap((a, i) =>
    stored[i]!.filter((s) => NOTIFYING_EVENTS.has(s.event.type)).map((s) => ({ itemId: a.itemId, seq: s.seq })),
  );
  for (let i = 0; i < notify.length; i += 1000) await tx.insert(notifyOutbox).values(notify.slice(i, i + 1000));
  return list.map((a, i) => ({
    events: stored[i]!.map(({ seq, event, hash }) => ({ seq, event, hash })),
    ledgerNo: a.ledgerNo,
  }));
}

/** Events whose write needs more than the ledger row, the trail and the outbox (appendToLedger does it). */
export const needsSingleAppend = (events: ItemEvent[]) =>
  events.some((e) => e.type === 'ItemAssigned' || e.type === 'MilestoneCompleted');

export function chain(itemId: string, fromVersion: number, prevHash: string, events: ItemEvent[]) {
  let prev = prevHash;
  return events.map((event, i) => {
    const seq = fromVersion + i + 1;
    const hash = eventHash(prev, {
      itemId,
      seq,
      type: event.type,
      at: event.at,
      actorId: event.actorId,
      data: event.data,
    });
    const link = { seq, event, hash, prevHash: prev } satisfies StoredEvent & { prevHash: string };
    prev = hash;
    return link;
  });
}

/** The ledger row's columns, all derived from the decider state. */
export function ledgerColumns(s: ItemState) {
  return {
    campaignId: s.campaignId,
    categoryId: s.categoryId,
    source: s.source,
    title: s.title,
    description: s.description,
    status: s.status,
    version: s.version,
    ownerUnitPath: s.ownerUnit.path,
    leadUnitPath: s.leadUnit?.path ?? null,
    reportingUnitPath: s.reportingUnit.path,
    responsibleUnitId: s.responsibleUnit?.id ?? null,
    responsibleUnitPath: s.responsibleUnit?.path ?? null,
    deadline: s.deadline,
    overdue: s.overdue,
    escalationLevel: s.escalationLevel,
    flagged: s.flagged,
    reportedAt: s.reportedAt,
    closedAt: s.closedAt,
    state: s,
  };
}

/** The columns every command writes (the update statement sets them all). */
const PROJECTION_KEYS = Object.keys({
  ...ledgerColumns({ ownerUnit: {}, reportingUnit: {} } as ItemState),
  nextWakeAt: null,
  lastHash: '',
  updatedAt: '',
});
const ITEM_COLUMNS = getTableColumns(items) as Record<string, { name: string }>;
/** Property → column name in the items table. */
const COLUMN_NAMES: Record<string, string> = Object.fromEntries(
  PROJECTION_KEYS.map((k) => {
    const c = ITEM_COLUMNS[k];
    if (!c) throw new Error(`ledger projection key ${k} is not a column of items`);
    return [k, c.name];
  }),
);

// Data-modifying CTEs all run, on one snapshot; each write below the row's is tied to the row's by
// `exists (select from u)`, so a row no longer at the version writes nothing at all.
const COMMIT_SQL = (() => {
  const names = PROJECTION_KEYS.map((k) => `"${COLUMN_NAMES[k]}"`);
  return `with u as (
    update items set (${names.join(', ')}) = (${names.map((n) => `x.${n}`).join(', ')})
    from jsonb_populate_record(null::items, $3::jsonb) as x
    where items.id = $1 and items.version = $2
    returning items.seq_no
  ), e as (
    insert into item_events (item_id, seq, type, at, actor_id, data, prev_hash, hash)
    select $1, e.seq, e.type, e.at, e.actor_id, e.data, e.prev_hash, e.hash
    from jsonb_populate_recordset(null::item_events, $4::jsonb) as e where exists (select from u)
  ), o as (
    insert into notify_outbox (item_id, seq) select $1, s from unnest($5::int[]) as s where exists (select from u)
  ), r as (
    insert into evidence_refs (item_id, seq, attachment_id)
    select $1, r.seq, a.id from unnest($6::int[], $7::text[]) as r(seq, aid) join attachments a on a.id::text = r.aid
    where exists (select from u)
    on conflict do nothing
  ), k as (
    update idempotency_keys set status_code = $10, response = $11::jsonb
    where user_id = $8 and key = $9 and exists (select from u)
  )
  select seq_no from u`;
})();

async function syncMilestones(tx: Tx, s: ItemState) {
  await tx.delete(milestones).where(eq(milestones.itemId, s.id));
  if (s.milestones.length === 0) return;
  await tx.insert(milestones).values(
    s.milestones.map((m) => ({
      itemId: s.id,
      id: m.id,
      title: m.title,
      dueOn: m.dueOn,
      completedAt: m.completedAt,
    })),
  );
}
