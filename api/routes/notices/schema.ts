// Request and response shapes for notices, deliveries and notification preferences (zod), beside routes.ts which says what each route does.
import { z } from 'zod';

export const noticeSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    itemId: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notice' });

const deliverySchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    status: z.string(),
    address: z.string().nullable(),
    targetId: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    notBefore: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    log: z.array(z.object({ at: z.string(), ok: z.boolean(), detail: z.string() })),
  })
  .meta({ id: 'Delivery' });

export const prefsSchema = z
  .object({
    channels: z.array(z.enum(['email', 'sms'])),
    email: z.string().nullable(),
    smsQuietHours: z.boolean(),
    digest: z.boolean(),
  })
  .meta({ id: 'NotificationPreferences' });

/** GET /notices */
export const getNotices = {
  querystring: z.strictObject({
    unread: z.enum(['true', 'false']).optional(),
    kind: z
      .string()
      .regex(/^[a-z_]{1,40}$/, 'a notice kind such as deadline_missed')
      .optional()
      .describe('only notices of this kind (assigned, deadline_missed, escalated, report_due, …)'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'a cursor from nextCursor')
      .optional(),
  }),
  reply200: z.object({ notices: z.array(noticeSchema), nextCursor: z.string().nullable() }),
};

/** GET /notices/unread-count */
export const getNoticesUnreadCount = {
  reply200: z.object({ unread: z.number().int() }),
};

/** POST /notices/:id/read */
export const postNoticesByIdRead = {
  params: z.object({ id: z.uuid() }),
};

/** POST /notices/read-all */
export const postNoticesReadAll = {
  reply200: z.object({ marked: z.number().int() }),
};

/** GET /notices/:id/deliveries */
export const getNoticesByIdDeliveries = {
  params: z.object({ id: z.uuid() }),
  reply200: z.object({ deliveries: z.array(deliverySchema) }),
};

/** PUT /me/notification-preferences */
export const putMeNotificationPreferences = {
  body: z
    .strictObject({
      channels: z.array(z.enum(['email', 'sms'])).max(2),
      email: z.email().max(200).nullable().optional(),
      smsQuietHours: z.boolean().default(true),
      digest: z.boolean().default(false),
    })
    .refine((b) => !b.channels.includes('email') || !!b.email, {
      message: 'the email channel needs an email address',
      path: ['email'],
    }),
};
