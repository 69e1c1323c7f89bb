// Request and response shapes for admin (webhook targets, queues) (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { WEBHOOK_KINDS } from '../../../db/schema.ts';
import { text } from '../../schemas/common.ts';

export const targetSchema = z
  .object({
    id: z.string(),
    unitId: z.string(),
    kind: z.enum(WEBHOOK_KINDS),
    name: z.string(),
    url: z.string(),
    signed: z.boolean(),
    enabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookTarget' });

const queueName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'a queue name');

/** GET /admin/webhooks */
export const getAdminWebhooks = {
  reply200: z.object({ webhooks: z.array(targetSchema) }),
};

/** POST /admin/webhooks */
export const postAdminWebhooks = {
  body: z.strictObject({
    unitId: z.uuid(),
    kind: z.enum(WEBHOOK_KINDS),
    name: text(100),
    url: z.string().trim().min(1).max(1000),
    secret: z.string().trim().min(1).max(200).nullable().optional(),
  }),
};

/** PATCH /admin/webhooks/:id */
export const patchAdminWebhooksById = {
  params: z.object({ id: z.uuid() }),
  body: z.strictObject({
    name: text(100).optional(),
    url: z.string().trim().min(1).max(1000).optional(),
    secret: z.string().trim().min(1).max(200).nullable().optional(),
    enabled: z.boolean().optional(),
  }),
};

/** DELETE /admin/webhooks/:id */
export const deleteAdminWebhooksById = {
  params: z.object({ id: z.uuid() }),
  reply204: z.null(),
};

const countsSchema = z.object({
  waiting: z.number(),
  active: z.number(),
  delayed: z.number(),
  failed: z.number(),
  completed: z.number(),
  prioritized: z.number(),
});

/** GET /admin/queues */
export const getAdminQueues = {
  reply200: z.object({ backend: z.string(), queues: z.array(z.object({ name: z.string(), counts: countsSchema })) }),
};

/** GET /admin/engine */
export const getAdminEngine = {
  reply200: z.object({
    engine: z.enum(['local', 'temporal']),
    stuck: z.array(z.object({ workflowId: z.string(), problems: z.array(z.string()), nondeterministic: z.boolean() })),
  }),
};

/** GET /admin/queues/:name/dead */
export const getAdminQueuesByNameDead = {
  params: z.object({ name: queueName }),
  querystring: z.strictObject({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  reply200: z.object({
    dead: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        reason: z.string(),
        attemptsMade: z.number(),
        failedAt: z.string().nullable(),
        data: z.unknown(),
      }),
    ),
  }),
};

/** POST /admin/queues/:name/dead/:jobId/retry */
export const postAdminQueuesByNameDeadByJobIdRetry = {
  params: z.object({ name: queueName, jobId: z.string().min(1).max(300) }),
  reply202: z.object({ status: z.literal('retried') }),
};
