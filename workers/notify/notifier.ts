// The notifier: from the outbox (events the engine wrote with the command) to notices in the inbox
// and messages on external channels.
//
//   notify_outbox ──drain──▶ `cause` job per item ──▶ notices (inbox) + deliveries (planned) + NoticeSent in the trail
//                                                      └──▶ `deliver` job per delivery ──▶ webhook / e-mail / SMS
//
// Once per cause: notices and deliveries carry unique keys built from (item, event seq, recipient,
// channel), BullMQ job ids are those keys, and the trail records each cause once (the decider
// refuses a second record). PostgreSQL holds the truth; the queue is transport — an outbox row or a
// delivery whose job was lost (Redis restarted empty) is enqueued again by `drain`/`reconcile`.
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { endOfDay, instantMs, shanghaiDate } from '../../domain/calendar/calendar.ts';
import { evolve } from '../../domain/item/evolve.ts';
import type { ItemCommand, ItemEvent, ItemState, NoticeRecipient } from '../../domain/item/types.ts';
import { causeGone, noticeFor } from '../../domain/notice/derive.ts';
import type { Db } from '../../db/client.ts';
import {
  deliveries,
  deliveryAttempts,
  type DeliveryRow,
  itemEvents,
  items,
  notices,
  notificationPrefs,
  notifyOutbox,
  webhookTargets,
} from '../../db/schema.ts';
import type { Clock, ItemEngine } from '../../workflows/engine.ts';
import type { Log } from '../jobs.ts';
import type { QueueKit } from '../queues.ts';
import type { Mailer } from './channels/email.ts';
import type { SmsProvider } from './channels/sms.ts';
import type { FileStore } from '../../storage/file-store.ts';
import { PermanentDeliveryError, postWebhook } from './channels/webhook.ts';
import { documentMessage } from './channels/webhook-document.ts';
import { type AudienceCache, audienceUnits, type Recipient, resolveAudiences } from './recipients.ts';

export const NOTIFY_QUEUE = 'notify';
export const DELIVER_QUEUE = 'deliver';

export interface NotifyConfig {
  allowedHosts: string[];
  /** External messages per recipient (user or robot) per hour; more wait for the next window. */
  ratePerHour: number;
  timeoutMs: number;
  /** Attempts per delivery before it is dead-lettered. */
  attempts: number;
  backoffMs: number;
  /** An outbox row or delivery whose job may have been lost is enqueued again after this long (default 2 min). */
  requeueAfterMs?: number;
  /** PUBLIC_URL: where people open the web; robots that take no files get a document's link there. */
  publicUrl?: string;
}

export interface NotifyDeps {
  db: Db;
  engine: ItemEngine;
  clock: Clock;
  kit: QueueKit;
  mailer: Mailer | null;
  sms: SmsProvider;
  config: NotifyConfig;
  log: Log;
  /** Where issued documents' PDFs are kept (a robot's file is read from there, made there when missing). */
  documentStore?: FileStore;
}

/** Items per `cause` job: recipients, preferences and robots are looked up once per batch. */
const CAUSE_BATCH = 25;

/** A job lost in a queue (e.g. Redis restarted empty) is enqueued again after this long. */
const requeueAfter = (c: NotifyConfig) => c.requeueAfterMs ?? 2 * 60_000;

// ---------------------------------------------------------------- drain: outbox → cause jobs

/** Enqueue a `cause` job per item for outbox rows never enqueued or enqueued long ago. Returns rows handled. */
export async function drainOutbox(deps: NotifyDeps, opts: { limit?: number } = {}): Promise<number> {
  const { db, kit } = deps;
  const stale = new Date(Date.now() - requeueAfter(deps.config)).toISOString();
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ itemId: notifyOutbox.itemId, seq: notifyOutbox.seq })
      .from(notifyOutbox)
      .where(or(isNull(notifyOutbox.enqueuedAt), lt(notifyOutbox.enqueuedAt, stale)))
      .orderBy(asc(notifyOutbox.createdAt), asc(notifyOutbox.seq))
      .limit(opts.limit ?? 2000)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return 0;
    const byItem = new Map<string, number[]>();
    for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r.seq]);
    const causes = [...byItem].map(([itemId, seqs]) => ({ itemId, seqs }));
    const jobs = [];
    for (let i = 0; i < causes.length; i += CAUSE_BATCH) jobs.push(causes.slice(i, i + CAUSE_BATCH));
    // Enqueued inside the transaction: if the commit fails the rows are enqueued again, and the
    // job ids (and the notices' keys) make the second enqueue harmless.
    await kit.queue(NOTIFY_QUEUE).addBulk(
      jobs.map((batch) => ({
        name: 'cause',
        data: { causes: batch },
        opts: {
          jobId: `cause-${batch[0]!.itemId}-${batch[0]!.seqs[0]}-${batch.length}`,
          attempts: deps.config.attempts,
          backoff: { type: 'exponential', delay: deps.config.backoffMs },
        },
      })),
    );
    await tx
      .update(notifyOutbox)
      .set({ enqueuedAt: new Date().toISOString() })
      .where(
        sql`(${notifyOutbox.itemId}, ${notifyOutbox.seq}) in (select * from unnest(${sql.param(rows.map((r) => r.itemId))}::uuid[], ${sql.param(rows.map((r) => r.seq))}::int[]))`,
      );
    return rows.length;
  });
}

// ---------------------------------------------------------------- cause: event → notices + deliveries

export type Prefs = { channels: string[]; email: string | null; smsQuietHours: boolean; digest: boolean };
export const DEFAULT_PREFS: Prefs = { channels: [], email: null, smsQuietHours: true, digest: false };

/** 22:00–07:00 Asia/Shanghai: the next 07:00 when `at` falls inside, else null. */
export function quietUntil(at: string): string | null {
  const shanghaiHour = new Date(instantMs(at) + 8 * 3600_000).getUTCHours();
  if (shanghaiHour >= 7 && shanghaiHour < 22) return null;
  const day = shanghaiDate(at);
  const nextDay = shanghaiHour >= 22 ? shanghaiDate(new Date(instantMs(endOfDay(day)) + 1).toISOString()) : day;
  return new Date(Date.parse(`${nextDay}T07:00:00+08:00`)).toISOString();
}

/** One event that concerns people, with whom it reaches. */
interface Cause {
  s: ItemState;
  seq: number;
  spec: NonNullable<ReturnType<typeof noticeFor>>;
  people: Recipient[];
}

/**
 * Notices and deliveries for outbox rows of several items (each in event order): the inbox rows, the
 * planned messages and the removal of the outbox rows in one transaction, after each item's trail has
 * recorded its causes (one engine command per item).
 */
export async function handleCauses(
  deps: NotifyDeps,
  batch: { itemId: string; seqs: number[] }[],
): Promise<{ notices: number; deliveries: number }> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  const ids = batch.map((b) => b.itemId);
  const rows = await db
    .select({
      itemId: itemEvents.itemId,
      seq: itemEvents.seq,
      type: itemEvents.type,
      at: itemEvents.at,
      actorId: itemEvents.actorId,
      data: itemEvents.data,
    })
    .from(itemEvents)
    .where(inArray(itemEvents.itemId, ids))
    .orderBy(asc(itemEvents.itemId), asc(itemEvents.seq));
  const cache: AudienceCache = new Map();
  const causes: Cause[] = [];
  const done: { itemId: string; seq: number }[] = [];
  for (const { itemId, seqs } of batch) {
    const wanted = new Set(seqs);
    let state: ItemState | null = null;
    for (const r of rows) {
      if (r.itemId !== itemId || wanted.size === 0) continue;
      const event = { type: r.type, at: r.at, actorId: r.actorId, data: r.data } as ItemEvent;
      state = evolve(state, event);
      if (!wanted.delete(r.seq)) continue;
      done.push({ itemId, seq: r.seq });
      const spec = noticeFor(event, state);
      if (spec)
        causes.push({ s: state, seq: r.seq, spec, people: await resolveAudiences(db, spec.audiences, state, cache) });
    }
    if (wanted.size > 0)
      throw new Error(`item ${itemId}: events ${[...wanted].join(', ')} are in the outbox but not in the trail`);
  }

  // Preferences and group robots for everyone in the batch, in two queries.
  const prefs = new Map<string, Prefs>();
  const userIds = [...new Set(causes.flatMap((c) => c.people.map((p) => p.id)))];
  if (userIds.length > 0)
    for (const r of await db.select().from(notificationPrefs).where(inArray(notificationPrefs.userId, userIds)))
      prefs.set(r.userId, r);
  const unitsOf = new Map(causes.map((c) => [c, audienceUnits(c.spec.audiences, c.s, c.people)]));
  const allUnits = [...new Set([...unitsOf.values()].flat())];
  const targets =
    allUnits.length === 0
      ? []
      : await db
          .select({ id: webhookTargets.id, kind: webhookTargets.kind, unitId: webhookTargets.unitId })
          .from(webhookTargets)
          .where(and(inArray(webhookTargets.unitId, allUnits), eq(webhookTargets.enabled, true)));

  const noticeRows: (typeof notices.$inferInsert)[] = [];
  const planned: (typeof deliveries.$inferInsert)[] = [];
  const records = new Map<string, Extract<ItemCommand, { type: 'record_notice' }>['notices']>();
  for (const c of causes) {
    const { s, seq, spec, people } = c;
    const base = `${s.id}-${seq}`;
    const plannedBefore = planned.length;
    for (const p of people) {
      noticeRows.push({
        key: `n-${base}-${p.id}`,
        userId: p.id,
        kind: spec.kind,
        itemId: s.id,
        causeSeq: seq,
        title: spec.title,
        body: spec.body,
        createdAt: now,
      });
    }
    const plan = (
      d: Pick<DeliveryRow, 'key' | 'channel' | 'userId' | 'targetId' | 'address'> & { notBefore?: string | null },
    ) =>
      planned.push({
        ...d,
        itemId: s.id,
        causeSeq: seq,
        title: spec.title,
        body: spec.body,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
      });
    for (const p of people) {
      const pr = prefs.get(p.id) ?? DEFAULT_PREFS;
      if (pr.digest) continue; // external channels get the daily digest instead
      if (pr.channels.includes('email') && pr.email)
        plan({ key: `d-${base}-${p.id}-email`, channel: 'email', userId: p.id, targetId: null, address: pr.email });
      if (pr.channels.includes('sms') && p.phone) {
        plan({
          key: `d-${base}-${p.id}-sms`,
          channel: 'sms',
          userId: p.id,
          targetId: null,
          address: p.phone,
          notBefore: pr.smsQuietHours ? quietUntil(now) : null,
        });
      }
    }
    const units = unitsOf.get(c)!;
    for (const t of targets)
      if (units.includes(t.unitId))
        plan({ key: `d-${base}-${t.id}-webhook`, channel: 'webhook', userId: null, targetId: t.id, address: null });
    const recipients: NoticeRecipient[] = people.map((p) => ({ userId: p.id, name: p.displayName }));
    if (spec.audiences.includes('petitioner') && s.person?.phone) {
      // 事事有回音: the petitioner hears the outcome by SMS (quiet hours apply to citizens too).
      plan({
        key: `d-${base}-petitioner-sms`,
        channel: 'sms',
        userId: null,
        targetId: null,
        address: s.person.phone,
        notBefore: quietUntil(now),
      });
      recipients.push({ userId: null, name: '信访人' });
    }
    const mine = planned.slice(plannedBefore);
    const channels = [
      ...new Set([
        'inbox',
        ...mine.map((d) =>
          d.channel === 'webhook' ? `webhook:${targets.find((t) => t.id === d.targetId)?.kind}` : d.channel,
        ),
      ]),
    ];
    records.set(s.id, [...(records.get(s.id) ?? []), { causeSeq: seq, kind: spec.kind, recipients, channels }]);
    if (people.length === 0 && mine.length === 0)
      deps.log(
        `notice ${spec.kind} for item ${s.id} event ${seq}: nobody to tell (no users in the audience ${spec.audiences.join(', ')})`,
      );
  }

  // The trail (催办记录): one command per item; causes already recorded (a retried job) are skipped by the decider.
  const reqs = [...records].map(([itemId, list]) => ({
    itemId,
    actor: null,
    command: { type: 'record_notice' as const, notices: list },
  }));
  if (deps.engine.executeMany && reqs.length > 1) {
    const failed = (await deps.engine.executeMany(reqs)).find((r): r is { error: Error } => 'error' in r);
    if (failed) throw failed.error; // the job is retried; what was recorded stays recorded once
  } else {
    for (const req of reqs) await deps.engine.execute(req);
  }
  // The inbox, the planned messages and the end of the outbox rows, together.
  await db.transaction(async (tx) => {
    for (let i = 0; i < noticeRows.length; i += 1000)
      await tx
        .insert(notices)
        .values(noticeRows.slice(i, i + 1000))
        .onConflictDoNothing();
    for (let i = 0; i < planned.length; i += 1000)
      await tx
        .insert(deliveries)
        .values(planned.slice(i, i + 1000))
        .onConflictDoNothing();
    await tx
      .delete(notifyOutbox)
      .where(
        sql`(${notifyOutbox.itemId}, ${notifyOutbox.seq}) in (select * from unnest(${sql.param(done.map((d) => d.itemId))}::uuid[], ${sql.param(done.map((d) => d.seq))}::int[]))`,
      );
  });
  if (planned.length > 0)
    await enqueueDeliveries(
      deps,
      inArray(
        deliveries.key,
        planned.map((d) => d.key),
      ),
    );
  return { notices: noticeRows.length, deliveries: planned.length };
}

/** Enqueue a deliver job for each pending/failed delivery matching `where`; the key is the job id. */
/** What enqueueing a delivery needs (an HTTP-only process has these, not the notifier's channels). */
export type DeliveryDeps = Pick<NotifyDeps, 'db' | 'kit' | 'clock' | 'config'>;

export async function enqueueDeliveries(deps: DeliveryDeps, where: ReturnType<typeof and>) {
  const { db, kit, clock, config } = deps;
  const rows = await db
    .select({ id: deliveries.id, key: deliveries.key, notBefore: deliveries.notBefore })
    .from(deliveries)
    .where(and(where, inArray(deliveries.status, ['pending', 'failed'])));
  if (rows.length === 0) return 0;
  const now = clock.now().getTime();
  await kit.queue(DELIVER_QUEUE).addBulk(
    rows.map((r) => ({
      name: 'deliver',
      data: { deliveryId: r.id },
      opts: {
        jobId: r.key,
        delay: r.notBefore ? Math.max(0, Date.parse(r.notBefore) - now) : 0,
        attempts: config.attempts,
        backoff: { type: 'exponential', delay: config.backoffMs },
      },
    })),
  );
  await db
    .update(deliveries)
    .set({ enqueuedAt: new Date().toISOString() })
    .where(
      inArray(
        deliveries.id,
        rows.map((r) => r.id),
      ),
    );
  return rows.length;
}

// ---------------------------------------------------------------- deliver: one message on one channel

type DeliverOutcome = 'sent' | 'already_sent' | 'in_flight' | 'delayed' | 'cancelled';

export async function deliver(
  deps: NotifyDeps,
  deliveryId: string,
  job: Job | null,
  token?: string,
): Promise<DeliverOutcome> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const nowIso = now.toISOString();
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
  if (!row)
    throw new UnrecoverableError(`delivery ${deliveryId} does not exist (deleted, or a job from another database)`);
  if (row.status === 'sent') return 'already_sent';
  // Claim and rate check under one lock per recipient, so parallel workers cannot all slip under the limit.
  const recipient =
    row.channel === 'webhook'
      ? `t:${row.targetId}`
      : row.userId
        ? `u:${row.userId}:${row.channel}`
        : `a:${row.address}:${row.channel}`;
  const who =
    row.channel === 'webhook'
      ? eq(deliveries.targetId, row.targetId!)
      : row.userId
        ? eq(deliveries.userId, row.userId)
        : eq(deliveries.address, row.address ?? '');
  const claim = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${recipient}))`);
    const [d] = await tx
      .update(deliveries)
      .set({ status: 'sending', attempts: sql`${deliveries.attempts} + 1`, updatedAt: nowIso })
      .where(and(eq(deliveries.id, deliveryId), inArray(deliveries.status, ['pending', 'failed', 'dead'])))
      .returning();
    if (!d) return { outcome: 'in_flight' as const };
    // Quiet hours and the per-recipient rate: wait, never drop. In-flight sends count as used.
    let waitUntil = d.notBefore && Date.parse(d.notBefore) > now.getTime() ? new Date(d.notBefore).toISOString() : null;
    if (!waitUntil) {
      const hourAgo = new Date(now.getTime() - 3600_000).toISOString();
      const [r] = await tx
        .select({
          n: sql<number>`count(*)::int`,
          oldest: sql<string | null>`min(coalesce(${deliveries.sentAt}, ${deliveries.updatedAt}))`,
        })
        .from(deliveries)
        .where(
          and(
            who,
            eq(deliveries.channel, d.channel),
            sql`${deliveries.id} <> ${d.id}`,
            or(
              and(eq(deliveries.status, 'sent'), sql`${deliveries.sentAt} > ${hourAgo}`),
              eq(deliveries.status, 'sending'),
            ),
          ),
        );
      if (r && r.n >= config.ratePerHour)
        waitUntil = new Date(Math.max(now.getTime(), Date.parse(r.oldest ?? nowIso)) + 3600_000).toISOString();
    }
    if (waitUntil) {
      await tx
        .update(deliveries)
        .set({ status: 'pending', attempts: d.attempts - 1, notBefore: waitUntil, updatedAt: nowIso })
        .where(eq(deliveries.id, d.id));
      return { outcome: 'delayed' as const, waitUntil };
    }
    return { outcome: 'send' as const, d };
  });
  if (claim.outcome === 'in_flight') return 'in_flight';
  if (claim.outcome === 'delayed') {
    if (job && token) {
      await job.moveToDelayed(Date.now() + Math.max(1000, Date.parse(claim.waitUntil) - now.getTime()), token);
      throw new DelayedError();
    }
    return 'delayed';
  }
  const d = claim.d;

  // Decided at send time: a message held back (quiet hours, rate limit) or retried may have lost its
  // cause meanwhile (the item was closed, its deadline extended…). Such a message is not sent.
  const gone = await causeGoneNow(db, d);
  if (gone) {
    await db.transaction(async (tx) => {
      await tx
        .update(deliveries)
        .set({ status: 'cancelled', lastError: `未发送：${gone}`, updatedAt: nowIso })
        .where(eq(deliveries.id, d.id));
      await tx
        .insert(deliveryAttempts)
        .values({ deliveryId: d.id, at: nowIso, ok: false, detail: `发送时取消：${gone}` });
    });
    deps.log(`delivery ${d.key} (${d.channel}) cancelled: the cause no longer holds — ${gone}`);
    return 'cancelled';
  }

  try {
    const detail = await send(deps, d);
    await db.transaction(async (tx) => {
      await tx
        .update(deliveries)
        .set({ status: 'sent', sentAt: nowIso, lastError: null, updatedAt: nowIso })
        .where(eq(deliveries.id, d.id));
      await tx.insert(deliveryAttempts).values({ deliveryId: d.id, at: nowIso, ok: true, detail });
    });
    return 'sent';
  } catch (err) {
    const reason = (err as Error).message;
    const permanent = err instanceof PermanentDeliveryError;
    const attempt = (job?.attemptsMade ?? 0) + 1;
    const last = permanent || attempt >= (job?.opts.attempts ?? config.attempts);
    await db.transaction(async (tx) => {
      await tx
        .update(deliveries)
        .set({ status: last ? 'dead' : 'failed', lastError: reason, updatedAt: nowIso })
        .where(eq(deliveries.id, d.id));
      await tx.insert(deliveryAttempts).values({ deliveryId: d.id, at: nowIso, ok: false, detail: reason });
    });
    throw permanent ? new UnrecoverableError(reason) : new Error(reason);
  }
}

/** Why an item notice's cause no longer holds (see causeGone), or null; null also for notices not about an item. */
async function causeGoneNow(db: Db, d: DeliveryRow): Promise<string | null> {
  if (!d.itemId || d.causeSeq === null) return null;
  const rows = await db
    .select({
      seq: itemEvents.seq,
      type: itemEvents.type,
      at: itemEvents.at,
      actorId: itemEvents.actorId,
      data: itemEvents.data,
    })
    .from(itemEvents)
    .where(and(eq(itemEvents.itemId, d.itemId), lte(itemEvents.seq, d.causeSeq)))
    .orderBy(asc(itemEvents.seq));
  const [current] = await db.select({ state: items.state }).from(items).where(eq(items.id, d.itemId));
  if (!current || rows.length === 0) return null;
  let then: ItemState | null = null;
  let cause: ItemEvent | null = null;
  for (const r of rows) {
    cause = { type: r.type, at: r.at, actorId: r.actorId, data: r.data } as ItemEvent;
    then = evolve(then, cause);
  }
  return causeGone(cause!, then!, current.state);
}

async function send(deps: NotifyDeps, d: DeliveryRow): Promise<string> {
  const { db, config } = deps;
  switch (d.channel) {
    case 'webhook': {
      const [t] = await db.select().from(webhookTargets).where(eq(webhookTargets.id, d.targetId!));
      if (!t) throw new PermanentDeliveryError(`webhook target ${d.targetId} was removed`);
      if (!t.enabled) throw new PermanentDeliveryError(`webhook target ${t.name} is disabled`);
      const msg = d.documentId
        ? await documentMessage(
            {
              db,
              store: deps.documentStore,
              publicUrl: config.publicUrl,
              allowedHosts: config.allowedHosts,
              timeoutMs: config.timeoutMs,
            },
            t,
            { title: d.title, body: d.body },
            d.documentId,
          )
        : { title: d.title, body: d.body };
      return postWebhook(t, msg, {
        allowedHosts: config.allowedHosts,
        timeoutMs: config.timeoutMs,
        nowMs: Date.now(),
      });
    }
    case 'email':
      if (!deps.mailer) throw new PermanentDeliveryError('e-mail is not configured: set SMTP_URL (and SMTP_FROM)');
      return deps.mailer.send(d.address!, d.title, d.body);
    case 'sms':
      return `${deps.sms.name}: ${await deps.sms.send(d.address!, `${d.title} ${d.body}`)}`;
    default: {
      const _exhaustive: never = d.channel;
      throw new PermanentDeliveryError(`unknown channel ${String(_exhaustive)}`);
    }
  }
}

// ---------------------------------------------------------------- reconcile: nothing lost after downtime

/** Deliveries stuck in 'sending' (a worker died mid-send) become 'failed'; pending/failed ones whose job was lost are enqueued again. */
export async function requeueDeliveries(deps: NotifyDeps): Promise<{ unstuck: number; requeued: number }> {
  const { db } = deps;
  const stale = new Date(Date.now() - requeueAfter(deps.config)).toISOString();
  // A send takes at most the timeout; 'sending' for minutes means the worker died mid-send.
  const stuckSince = new Date(deps.clock.now().getTime() - 5 * 60_000).toISOString();
  const unstuck = await db
    .update(deliveries)
    .set({ status: 'failed', lastError: 'the worker stopped while sending; retried' })
    .where(and(eq(deliveries.status, 'sending'), lt(deliveries.updatedAt, stuckSince)))
    .returning({ id: deliveries.id });
  const requeued = await enqueueDeliveries(deps, or(isNull(deliveries.enqueuedAt), lt(deliveries.enqueuedAt, stale)));
  return { unstuck: unstuck.length, requeued };
}
