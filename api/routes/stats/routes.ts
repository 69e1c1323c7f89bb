// /api/v1/stats — ledger aggregates for the dashboard (驾驶舱), in the caller's scope.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ledgerStats } from '../../../db/queries/stats.ts';
import type { AppDeps } from '../../app.ts';
import { problemResponses } from '../../problem.ts';
import { visibleCampaignOf } from '../../../services/campaign-access.ts';
import { statsSchema, getStatsLedger } from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  app.get(
    '/stats/ledger',
    {
      schema: {
        tags: ['stats'],
        summary: 'Dashboard figures (驾驶舱): totals, rates, by unit, category and month — in your scope',
        querystring: getStatsLedger.querystring,
        response: { 200: statsSchema, ...problemResponses },
      },
    },
    async (req) => {
      if (req.query.campaignId) await visibleCampaignOf(db, req.user!, req.query.campaignId);
      return ledgerStats(db, req.user!, req.query);
    },
  );
};

export default routes;
