// /api/v1/stats — ledger aggregates for the dashboard (驾驶舱), in the caller's scope.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ledgerStats } from '../../../db/queries/stats.ts';
import type { AppDeps } from '../../app.ts';
import { problemResponses } from '../../problem.ts';
import { visibleCampaignOf } from '../../../services/campaign-access.ts';
import { statsSchema, getStatsLedger } from './schema.ts';
import { shareAnswers } from '../../shared-answers.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  // The figures depend on the reader's scope and the filters only: the same ones asked at once are computed once.
  const computing = shareAnswers<Awaited<ReturnType<typeof ledgerStats>>>();
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
      const user = req.user!;
      const f = req.query;
      if (f.campaignId) await visibleCampaignOf(db, user, f.campaignId);
      return computing(JSON.stringify([user.scopePath, f.campaignId, f.categoryId]), () => ledgerStats(db, user, f));
    },
  );
};

export default routes;
