// /api/v1/admin — webhook targets (group robots; admins only, hosts on the allow-list only) and the
// queues: depth, failed and dead jobs, retrying a dead job.
import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { unitById } from '../../../db/queries/org.ts';
import { webhookTargets, type WebhookTargetRow } from '../../../db/schema.ts';
import { webhookUrlProblem } from '../../../services/webhook-url.ts';
import type { QueueView } from '../../../services/jobs.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { notFound, Problem, problemResponses } from '../../problem.ts';
import {
  targetSchema,
  getAdminWebhooks,
  postAdminWebhooks,
  patchAdminWebhooksById,
  deleteAdminWebhooksById,
  getAdminQueues,
  getAdminEngine,
  getAdminQueuesByNameDead,
  postAdminQueuesByNameDeadByJobIdRetry,
} from './schema.ts';

// The robot's key is a credential: show only where it points.
const view = (t: WebhookTargetRow) => ({
  id: t.id,
  unitId: t.unitId,
  kind: t.kind,
  name: t.name,
  url: redact(t.url),
  signed: !!t.secret,
  enabled: t.enabled,
  createdAt: new Date(t.createdAt).toISOString(),
});
function redact(url: string): string {
  const u = new URL(url);
  for (const k of ['key', 'access_token']) if (u.searchParams.has(k)) u.searchParams.set(k, '***');
  if (/\/hook\//.test(u.pathname)) u.pathname = u.pathname.replace(/\/hook\/.*/, '/hook/***');
  return u.toString();
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, queues, webhookAllowedHosts, stuckWorkflows }) => {
  const allowed = webhookAllowedHosts ?? [];
  const kit = (): QueueView => {
    if (!queues) throw new Problem(503, 'unavailable', 'Queues not running', 'this process runs no background work');
    return queues;
  };
  const known = (name: string) => {
    if (!kit().names().includes(name)) throw notFound(`queue ${name}`);
    return name;
  };
  const checkUrl = (url: string) => {
    const why = webhookUrlProblem(url, allowed);
    if (why)
      throw new Problem(422, 'webhook_host_not_allowed', 'Webhook target refused', `the webhook URL ${why}`, {
        errors: [{ path: 'body.url', message: why }],
      });
  };

  app.get(
    '/admin/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary: 'Group-robot webhook targets',
        response: { 200: getAdminWebhooks.reply200, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      return { webhooks: (await db.select().from(webhookTargets).orderBy(asc(webhookTargets.createdAt))).map(view) };
    },
  );

  app.post(
    '/admin/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a group robot of a unit (WeCom, DingTalk, Feishu); its host must be on WEBHOOK_ALLOWED_HOSTS',
        body: postAdminWebhooks.body,
        response: { 201: targetSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      const b = req.body;
      checkUrl(b.url);
      if (!(await unitById(db, b.unitId))) throw notFound('unit');
      const [row] = await db
        .insert(webhookTargets)
        .values({
          unitId: b.unitId,
          kind: b.kind,
          name: b.name,
          url: b.url,
          secret: b.secret ?? null,
          createdBy: req.user!.id,
        })
        .returning();
      return reply.code(201).send(view(row!));
    },
  );

  app.patch(
    '/admin/webhooks/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change or disable a webhook target',
        params: patchAdminWebhooksById.params,
        body: patchAdminWebhooksById.body,
        response: { 200: targetSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      if (req.body.url !== undefined) checkUrl(req.body.url);
      const [row] = await db
        .update(webhookTargets)
        .set(req.body)
        .where(eq(webhookTargets.id, req.params.id))
        .returning();
      if (!row) throw notFound('webhook target');
      return view(row);
    },
  );

  app.delete(
    '/admin/webhooks/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a webhook target',
        params: deleteAdminWebhooksById.params,
        response: { 204: deleteAdminWebhooksById.reply204, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      const r = await db
        .delete(webhookTargets)
        .where(eq(webhookTargets.id, req.params.id))
        .returning({ id: webhookTargets.id });
      if (r.length === 0) throw notFound('webhook target');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/queues',
    {
      schema: {
        tags: ['admin'],
        summary: 'Queue depth, failed (dead-lettered) and delayed jobs per queue',
        response: {
          200: getAdminQueues.reply200,
          ...problemResponses,
        },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      const k = kit();
      const names = k.names().sort();
      return {
        backend: k.backend,
        queues: await Promise.all(names.map(async (name) => ({ name, counts: await k.counts(name) }))),
      };
    },
  );

  app.get(
    '/admin/engine',
    {
      schema: {
        tags: ['admin'],
        summary: 'The lifecycle engine, and item workflows Temporal reports stuck (e.g. a determinism failure)',
        response: {
          200: getAdminEngine.reply200,
          ...problemResponses,
        },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      if (!stuckWorkflows) return { engine: 'local' as const, stuck: [] };
      return { engine: 'temporal' as const, stuck: await stuckWorkflows() };
    },
  );

  app.get(
    '/admin/queues/:name/dead',
    {
      schema: {
        tags: ['admin'],
        summary: 'Dead letters: jobs that failed their last attempt or could not run (with the reason)',
        params: getAdminQueuesByNameDead.params,
        querystring: getAdminQueuesByNameDead.querystring,
        response: {
          200: getAdminQueuesByNameDead.reply200,
          ...problemResponses,
        },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      return { dead: await kit().dead(known(req.params.name), req.query) };
    },
  );

  app.post(
    '/admin/queues/:name/dead/:jobId/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Run a dead job again (its attempts start over)',
        params: postAdminQueuesByNameDeadByJobIdRetry.params,
        response: { 202: postAdminQueuesByNameDeadByJobIdRetry.reply202, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      const r = await kit().retryDead(known(req.params.name), req.params.jobId);
      if (!r) throw notFound(`dead job ${req.params.jobId}`);
      return reply.code(202).send({ status: r });
    },
  );
};

export default routes;
