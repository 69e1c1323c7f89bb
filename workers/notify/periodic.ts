// Periodic notification work: the daily digest per user, and re-deriving wake-ups so that nothing
// due is skipped after downtime or after settings and calendar changes.
import { and, asc, eq, gt, inArray, isNull, like, notInArray, or, sql } from 'drizzle-orm';
import { shanghaiDate } from '../../domain/calendar/calendar.ts';
import { nextWake } from '../../domain/item/next-wake.ts';
import { userById } from '../../db/queries/auth.ts';
import { visibleTo } from '../../db/queries/items.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { deliveries, items, notices, notificationPrefs } from '../../db/schema.ts';
import type { EngineEnv } from '../../workflows/engine-env.ts';
import { reaimWakeups } from '../../workflows/ledger.ts';
import { enqueueDeliveries, type NotifyDeps } from './notifier.ts';

/** One digest per user who chose it: open items in their scope that are overdue or due within 3 days. */
export async function runDigest(deps: NotifyDeps): Promise<{ users: number; sent: number }> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  const today = shanghaiDate(now);
  const soon = new Date(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10);
  const chosen = await db.select().from(notificationPrefs).where(eq(notificationPrefs.digest, true));
  let sent = 0;
  for (const p of chosen) {
    const u = await userById(db, p.userId);
    if (!u) continue;
    const due = await digestDueQuery(db, u, soon);
    const [unread] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(notices)
      .where(
        and(
          eq(notices.userId, u.id),
          isNull(notices.readAt),
          gt(notices.createdAt, new Date(Date.parse(now) - 86_400_000).toISOString()),
        ),
      );
    if (due.length === 0 && (unread?.n ?? 0) === 0) continue;
    const overdue = due.filter((d) => d.overdue).length;
    const title = `【每日汇总】${today}：逾期 ${overdue} 件，3 日内到期 ${due.length - overdue} 件`;
    const lines = due.slice(0, 30).map((d) => `${d.overdue ? '逾期' : '将到期'} ${d.deadline ?? ''} ${d.title}`);
    const body = [
      ...lines,
      ...(due.length > 30 ? [`……另有 ${due.length - 30} 件`] : []),
      `过去 24 小时未读通知 ${unread?.n ?? 0} 条。`,
    ].join('\n');
    const key = `digest-${u.id}-${today}`;
    await db
      .insert(notices)
      .values({ key, userId: u.id, kind: 'daily_digest', itemId: null, causeSeq: null, title, body, createdAt: now })
      .onConflictDoNothing();
    if (p.channels.includes('email') && p.email) {
      await db
        .insert(deliveries)
        .values({
          key: `d-${key}-email`,
          channel: 'email',
          userId: u.id,
          targetId: null,
          address: p.email,
          itemId: null,
          causeSeq: null,
          noticeKey: key,
          title,
          body,
          status: 'pending',
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing();
      await enqueueDeliveries(deps, eq(deliveries.noticeKey, key));
    }
    sent++;
  }
  return { users: chosen.length, sent };
}

/**
 * A user's open items overdue or due by `soon`, the digest's lines. It leaves out items the user's unit
 * only reported: the LIKEs say which rows; the list's scope index (visibleTo, a superset) finds the
 * candidates without reading every row.
 */
export function digestDueQuery(db: DbOrTx, u: { scopePath: string | null }, soon: string) {
  const scope =
    u.scopePath === null
      ? undefined
      : and(
          visibleTo(u),
          or(
            like(items.responsibleUnitPath, `${u.scopePath}%`),
            like(items.leadUnitPath, `${u.scopePath}%`),
            like(items.ownerUnitPath, `${u.scopePath}%`),
          ),
        );
  return db
    .select({ title: items.title, deadline: items.deadline, overdue: items.overdue })
    .from(items)
    .where(
      and(
        inArray(items.status, ['assigned', 'in_progress']),
        or(eq(items.overdue, true), sql`${items.deadline} <= ${soon}`),
        scope,
      ),
    )
    .orderBy(asc(items.deadline))
    .limit(200);
}

/**
 * Recompute every open item's next wake-up from the domain and fix the rows that disagree (a campaign's
 * settings or the calendar changed, a row was restored from a backup…). The sweep then ticks what is due,
 * however long the process was down: nothing due is skipped.
 */
export async function rederiveWakeups(
  db: Db,
  env: EngineEnv,
  opts: { batchSize?: number; pauseMs?: number } = {},
): Promise<{ checked: number; fixed: number }> {
  const batch = opts.batchSize ?? 1000;
  // A pause between batches leaves the event loop and the pool to requests: on a county's 100,000 open
  // items this is a background pass of a minute or so, not a stall.
  const pauseMs = opts.pauseMs ?? 25;
  let after = '00000000-0000-0000-0000-000000000000';
  let checked = 0,
    fixed = 0;
  for (;;) {
    const rows = await db
      .select({
        id: items.id,
        state: items.state,
        version: items.version,
        wake: items.nextWakeAt,
        campaignId: items.campaignId,
      })
      .from(items)
      .where(and(gt(items.id, after), notInArray(items.status, ['verified', 'dismissed'])))
      .orderBy(asc(items.id))
      .limit(batch);
    if (rows.length === 0) break;
    const calendar = await env.calendar();
    const updates: { id: string; version: number; wake: string | null }[] = [];
    for (const r of rows) {
      const wake = nextWake(r.state, { settings: await env.settings(r.campaignId), calendar });
      const stored = r.wake === null ? null : new Date(r.wake).toISOString();
      if (wake !== stored) updates.push({ id: r.id, version: r.version, wake });
    }
    if (updates.length > 0) {
      // Only rows still at the version read: a command meanwhile has set its own wake-up from the newer state.
      await reaimWakeups(db, updates);
    }
    checked += rows.length;
    fixed += updates.length;
    after = rows[rows.length - 1]!.id;
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return { checked, fixed };
}
