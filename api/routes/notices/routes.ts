// /api/v1/notices — the in-app inbox (list, unread count, mark read), the delivery log of a notice,
// and /api/v1/me/notification-preferences (channels, SMS quiet hours, daily digest).
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { deliveries, deliveryAttempts, notices, notificationPrefs } from '../../../db/schema.ts';
import type { AppDeps } from '../../app.ts';
import { notFound, problemResponses } from '../../problem.ts';
import {
  noticeSchema,
  prefsSchema,
  getNotices,
  getNoticesUnreadCount,
  postNoticesByIdRead,
  postNoticesReadAll,
  getNoticesByIdDeliveries,
  putMeNotificationPreferences,
} from './schema.ts';

/** Instants leave as ISO 8601 (drizzle hands timestamptz over as PostgreSQL's text). */
const iso = <T extends string | null>(v: T): T => (v === null ? v : new Date(v).toISOString()) as T;
const view = (n: {
  id: string;
  kind: string;
  itemId: string | null;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}) => ({
  id: n.id,
  kind: n.kind,
  itemId: n.itemId,
  title: n.title,
  body: n.body,
  createdAt: iso(n.createdAt),
  readAt: iso(n.readAt),
});

const noticeColumns = {
  id: notices.id,
  kind: notices.kind,
  itemId: notices.itemId,
  title: notices.title,
  body: notices.body,
  createdAt: notices.createdAt,
  readAt: notices.readAt,
};

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, clock }) => {
  app.get(
    '/notices',
    {
      schema: {
        tags: ['notices'],
        summary: 'My inbox, newest first',
        querystring: getNotices.querystring,
        response: {
          200: getNotices.reply200,
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await db
        .select({ ...noticeColumns, seq: notices.seq })
        .from(notices)
        .where(
          and(
            eq(notices.userId, req.user!.id),
            q.unread === 'true' ? isNull(notices.readAt) : undefined,
            q.kind ? eq(notices.kind, q.kind) : undefined,
            q.before ? lt(notices.seq, Number(q.before)) : undefined,
          ),
        )
        .orderBy(desc(notices.seq))
        .limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { notices: page.map(view), nextCursor: rows.length > q.limit && last ? String(last.seq) : null };
    },
  );

  app.get(
    '/notices/unread-count',
    {
      schema: {
        tags: ['notices'],
        summary: 'How many of my notices are unread',
        response: { 200: getNoticesUnreadCount.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const [r] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(notices)
        .where(and(eq(notices.userId, req.user!.id), isNull(notices.readAt)));
      return { unread: r?.n ?? 0 };
    },
  );

  app.post(
    '/notices/:id/read',
    {
      schema: {
        tags: ['notices'],
        summary: 'Mark one notice read',
        params: postNoticesByIdRead.params,
        response: { 200: noticeSchema, ...problemResponses },
      },
    },
    async (req) => {
      const mine = and(eq(notices.id, req.params.id), eq(notices.userId, req.user!.id));
      await db
        .update(notices)
        .set({ readAt: clock.now().toISOString() })
        .where(and(mine, isNull(notices.readAt)));
      const [row] = await db.select(noticeColumns).from(notices).where(mine);
      if (!row) throw notFound('notice');
      return view(row);
    },
  );

  app.post(
    '/notices/read-all',
    {
      schema: {
        tags: ['notices'],
        summary: 'Mark all my notices read',
        response: { 200: postNoticesReadAll.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const r = await db
        .update(notices)
        .set({ readAt: clock.now().toISOString() })
        .where(and(eq(notices.userId, req.user!.id), isNull(notices.readAt)))
        .returning({ id: notices.id });
      return { marked: r.length };
    },
  );

  app.get(
    '/notices/:id/deliveries',
    {
      schema: {
        tags: ['notices'],
        summary: 'Delivery log of a notice: each channel, its status and every attempt',
        params: getNoticesByIdDeliveries.params,
        response: { 200: getNoticesByIdDeliveries.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const [n] = await db
        .select()
        .from(notices)
        .where(and(eq(notices.id, req.params.id), eq(notices.userId, req.user!.id)));
      if (!n) throw notFound('notice');
      // The messages sent for the same cause to this user, and to the group robots of that cause.
      const cause =
        n.itemId && n.causeSeq !== null
          ? and(
              eq(deliveries.itemId, n.itemId),
              eq(deliveries.causeSeq, n.causeSeq),
              or(eq(deliveries.userId, n.userId), isNull(deliveries.userId)),
            )
          : eq(deliveries.noticeKey, n.key);
      const rows = await db
        .select()
        .from(deliveries)
        .where(cause)
        .orderBy(asc(deliveries.channel), asc(deliveries.key));
      const log =
        rows.length === 0
          ? []
          : await db
              .select()
              .from(deliveryAttempts)
              .where(
                inArray(
                  deliveryAttempts.deliveryId,
                  rows.map((r) => r.id),
                ),
              )
              .orderBy(asc(deliveryAttempts.id));
      return {
        deliveries: rows.map((d) => ({
          id: d.id,
          channel: d.channel,
          status: d.status,
          targetId: d.targetId,
          attempts: d.attempts,
          lastError: d.lastError,
          notBefore: iso(d.notBefore),
          createdAt: iso(d.createdAt),
          sentAt: iso(d.sentAt),
          // Phone numbers in the log are masked; the user sees their own e-mail address.
          address: d.channel === 'sms' && d.address ? d.address.replace(/^(.{3}).*(.{4})$/, '$1****$2') : d.address,
          log: log.filter((a) => a.deliveryId === d.id).map((a) => ({ at: iso(a.at), ok: a.ok, detail: a.detail })),
        })),
      };
    },
  );

  app.get(
    '/me/notification-preferences',
    {
      schema: {
        tags: ['notices'],
        summary: 'My notification preferences',
        response: { 200: prefsSchema, ...problemResponses },
      },
    },
    async (req) => {
      const [p] = await db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, req.user!.id));
      return p
        ? {
            channels: p.channels as ('email' | 'sms')[],
            email: p.email,
            smsQuietHours: p.smsQuietHours,
            digest: p.digest,
          }
        : { channels: [], email: null, smsQuietHours: true, digest: false };
    },
  );

  app.put(
    '/me/notification-preferences',
    {
      schema: {
        tags: ['notices'],
        summary: 'Set my notification preferences (the inbox is always on)',
        body: putMeNotificationPreferences.body,
        response: { 200: prefsSchema, ...problemResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const row = {
        channels: [...new Set(b.channels)],
        email: b.email ?? null,
        smsQuietHours: b.smsQuietHours,
        digest: b.digest,
        updatedAt: clock.now().toISOString(),
      };
      await db
        .insert(notificationPrefs)
        .values({ userId: req.user!.id, ...row })
        .onConflictDoUpdate({ target: notificationPrefs.userId, set: row });
      return { channels: row.channels, email: row.email, smsQuietHours: row.smsQuietHours, digest: row.digest };
    },
  );
};

export default routes;
