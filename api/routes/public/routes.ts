// /api/v1/public — the public side (公示 · 互联网+监督), no sign-in: each route says `public: true` to the
// deny-by-default auth plugin. A campaign whose public side is off answers 404 on every route here.
// Also the office's moderation queue of objections (signed in).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getAttachment } from '../../../db/queries/evidence.ts';
import {
  countHit,
  fileObjection,
  noticeItem,
  noticeList,
  objectionQueue,
  PUBLIC_LIMITS,
  publicSummary,
  addressHash,
} from '../../../services/public-side.ts';
import { campaignAccess, isOffice } from '../../../services/campaign-access.ts';
import type { AppDeps } from '../../app.ts';
import { forbidden, notFound, Problem, problemResponses } from '../../problem.ts';
import { readLimiter, sendCached } from './guard.ts';
import {
  campaignParams,
  noticeParams,
  objectionBody,
  objectionQueue as objectionQueueSchema,
  objectionReceipt,
  publicNotice,
  publicNoticeList,
  publicSummary as publicSummarySchema,
} from './schema.ts';

const open = { public: true } as const;

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, engine, clock, env } = deps;
  const limit = readLimiter();
  const access = campaignAccess({ db, calendar: () => env.calendar() });

  app.get(
    '/public/campaigns/:id',
    {
      config: open,
      schema: {
        tags: ['public'],
        summary: "A campaign's public summary: counts per village and category, published rankings (no sign-in)",
        params: campaignParams,
        response: { 200: publicSummarySchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      limit(req);
      return sendCached(req, reply, await publicSummary(db, req.params.id), 60);
    },
  );

  app.get(
    '/public/campaigns/:id/notices',
    {
      config: open,
      schema: {
        tags: ['public'],
        summary: 'Sign-offs in their public notice (公示), personal data masked (no sign-in)',
        params: campaignParams,
        response: { 200: publicNoticeList, ...problemResponses },
      },
    },
    async (req, reply) => {
      limit(req);
      return sendCached(req, reply, { notices: await noticeList(db, req.params.id) }, 30);
    },
  );

  app.get(
    '/public/campaigns/:id/notices/:itemId',
    {
      config: open,
      schema: {
        tags: ['public'],
        summary: 'One sign-off in its public notice (公示), personal data masked (no sign-in)',
        params: noticeParams,
        response: { 200: publicNotice, ...problemResponses },
      },
    },
    async (req, reply) => {
      limit(req);
      return sendCached(req, reply, await noticeItem(db, req.params.id, req.params.itemId), 30);
    },
  );

  app.get(
    '/public/campaigns/:id/notices/:itemId/photos/:attachmentId',
    {
      config: open,
      schema: {
        tags: ['public'],
        summary: 'A photo the office chose to show in the 公示, as its re-encoded thumbnail (no metadata)',
        params: noticeParams.extend({ attachmentId: z.uuid() }),
      },
    },
    async (req, reply) => {
      limit(req);
      const n = await noticeItem(db, req.params.id, req.params.itemId);
      const a = n.evidence.includes(req.params.attachmentId) ? await getAttachment(db, req.params.attachmentId) : null;
      // Only a chosen photo of this very item, and only its thumbnail: the original keeps its EXIF (GPS).
      if (!a || a.itemId !== n.id || !a.thumbnailKey || !deps.evidence) throw notFound('photo');
      const body = await deps.evidence.store.get(a.thumbnailKey);
      return reply
        .header('content-type', 'image/webp')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=86400')
        .header('etag', `"${a.sha256}-t"`)
        .send(body);
    },
  );

  app.post(
    '/public/campaigns/:id/notices/:itemId/objections',
    {
      config: open,
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['public'],
        summary: 'File an objection (异议) to a sign-off in its 公示: it holds the sign-off until the office answers',
        params: noticeParams,
        body: objectionBody,
        response: { 201: objectionReceipt, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { id, itemId } = req.params;
      const wait = await countHit(
        db,
        `objection:${addressHash(req.ip, id)}`,
        PUBLIC_LIMITS.objectionsPerWindow,
        PUBLIC_LIMITS.objectionWindowMs,
        clock.now(),
      );
      if (wait > 0)
        throw new Problem(
          429,
          'too_many_requests',
          'Too many objections',
          `提交过于频繁，请 ${Math.ceil(wait / 60)} 分钟后再试`,
          {
            retryAfter: wait,
          },
        );
      const r = await fileObjection(
        { db, engine, clock },
        { campaignId: id, itemId, contact: req.body.contact, text: req.body.text, address: req.ip },
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...r, message: '异议已收到。公示期间销号暂停，办理结果将通过您留下的联系方式告知。' });
    },
  );

  app.get(
    '/campaigns/:id/objections',
    {
      schema: {
        tags: ['public'],
        summary: "The office's moderation queue of objections (异议), with the filers' contacts (signed in)",
        params: campaignParams,
        response: { 200: objectionQueueSchema, ...problemResponses },
      },
    },
    async (req) => {
      const user = req.user!;
      const c = await access.visibleCampaign(user, req.params.id);
      // The whole queue is the office's; a lead reviewer sees the objections on each item it reviews.
      if (!isOffice(user, c)) throw forbidden('the campaign office keeps the objection queue');
      const rows = await objectionQueue(db, c.id);
      return { objections: rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) };
    },
  );
};

export default routes;
