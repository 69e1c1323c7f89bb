// /api/v1/admin/trail — verify the whole database against its signed checkpoints, and sign one now.
// Admins run the system; 纪检/审计 (viewers) read the verdict too, since holding the trail is their job.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createCheckpoint } from '../../../services/trail/checkpoint.ts';
import { verifyDatabase } from '../../../services/trail/verify.ts';
import { visibleCampaignOf } from '../../../services/campaign-access.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { Problem, problemResponses } from '../../problem.ts';

const problem = z.object({
  kind: z.string(),
  campaignId: z.string().optional(),
  itemId: z.string().optional(),
  ledgerNo: z.number().int().optional(),
  seq: z.number().int().optional(),
  checkpointNo: z.number().int().optional(),
  message: z.string(),
});
const verdict = z
  .object({
    ok: z.boolean(),
    items: z.number().int(),
    events: z.number().int(),
    checkpoints: z.number().int(),
    keyId: z.string(),
    problems: z.array(problem),
  })
  .meta({ id: 'TrailVerdict' });
const checkpoint = z
  .object({
    campaignId: z.string(),
    no: z.number().int(),
    at: z.string(),
    items: z.number().int(),
    headsDigest: z.string(),
    keyId: z.string(),
    signature: z.string(),
  })
  .meta({ id: 'TrailCheckpoint' });

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, trailSigner, clock }) => {
  const signer = () => {
    if (!trailSigner)
      throw new Problem(503, 'unavailable', 'No trail key', 'this process was started without the trail key');
    return trailSigner;
  };
  app.get(
    '/admin/trail/verify',
    {
      schema: {
        tags: ['admin'],
        summary: 'Verify every item chain, ledger row and signed checkpoint; names each divergent item and event',
        querystring: z.object({ campaignId: z.uuid().optional() }),
        response: { 200: verdict, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin', 'viewer']);
      if (req.query.campaignId) await visibleCampaignOf(db, req.user!, req.query.campaignId);
      const s = signer();
      return { ...(await verifyDatabase(db, s, { campaignId: req.query.campaignId })), keyId: s.keyId };
    },
  );
  app.post(
    '/admin/trail/checkpoints',
    {
      schema: {
        tags: ['admin'],
        summary: "Sign a checkpoint of a campaign's trail now (the hourly job does this by itself)",
        body: z.object({ campaignId: z.uuid() }),
        response: { 201: checkpoint, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      const c = await createCheckpoint(db, signer(), {
        campaignId: req.body.campaignId,
        at: clock.now().toISOString(),
        reason: 'manual',
      }).catch((err: Error & { code?: string }) => {
        if (err.code === '23503') throw new Problem(404, 'not_found', 'Not found', 'campaign does not exist');
        throw err;
      });
      return reply.code(201).send({
        campaignId: c!.campaignId,
        no: c!.no,
        at: c!.at,
        items: c!.items,
        headsDigest: c!.headsDigest,
        keyId: c!.keyId,
        signature: c!.signature,
      });
    },
  );
};

export default routes;
