// /api/v1 campaign oversight from the seeds: concentrated screening rounds (集中排查, 003 §二(一)) and
// verification rounds with a seeded draw (核查抽样, 001 §三(五)). The office writes; everyone who sees
// the whole campaign reads.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_SAMPLING_RATES } from '../../../domain/sampling/draw.ts';
import { shanghaiDate } from '../../../domain/calendar/calendar.ts';
import { screeningService } from '../../../services/screenings.ts';
import { verificationService } from '../../../services/verification.ts';
import type { AppDeps } from '../../app.ts';
import { forbidden, problemResponses } from '../../problem.ts';
import { dateString } from '../../schemas/common.ts';
import { campaignAccess, isOffice, seesAll } from '../../../services/campaign-access.ts';

const campaignParams = z.object({ id: z.uuid() });

const screeningView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    name: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    scopeUnitIds: z.array(z.string()),
    conductedBy: z.string(),
    unitResults: z.array(
      z.object({
        unitId: z.string(),
        result: z.enum(['problems_found', 'no_problem_found']),
        note: z.string().optional(),
      }),
    ),
    itemsFound: z.number().int(),
    itemsByUnit: z.record(z.string(), z.number().int()),
  })
  .meta({ id: 'ScreeningRound' });

const stageView = z.object({ population: z.number().int(), size: z.number().int(), chosen: z.array(z.string()) });
const verificationView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    name: z.string(),
    seed: z.string(),
    villageRate: z.number(),
    householdRate: z.number(),
    draw: z.object({
      rates: z.object({ villageRate: z.number(), householdRate: z.number() }),
      villages: stageView,
      households: stageView,
      itemIds: z.array(z.string()),
    }),
    dueBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'VerificationRound' });

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, env, engine, clock }) => {
  const access = campaignAccess({ db, calendar: () => env.calendar() });
  const screenings = screeningService({ db });
  const verification = verificationService({ db, engine, now: () => clock.now().toISOString() });
  const today = () => shanghaiDate(clock.now().toISOString());
  const readable = async (user: NonNullable<Parameters<typeof isOffice>[0]>, id: string) => {
    const c = await access.visibleCampaign(user, id);
    if (!seesAll(user, c)) throw forbidden('the campaign office and oversight roles read this');
    return c;
  };
  const writable = async (user: NonNullable<Parameters<typeof isOffice>[0]>, id: string) => {
    const c = await access.visibleCampaign(user, id);
    if (!isOffice(user, c)) throw forbidden('only the campaign office records this');
    return c;
  };

  app.post(
    '/campaigns/:id/screenings',
    {
      schema: {
        tags: ['oversight'],
        summary: '集中排查: record a concentrated screening round (dates, scope, who screened)',
        params: campaignParams,
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          startsOn: dateString,
          endsOn: dateString,
          scopeUnitIds: z.array(z.uuid()).min(1).max(500),
          conductedBy: z.string().trim().min(1).max(200),
        }),
        response: { 201: screeningView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const c = await writable(req.user!, req.params.id);
      const row = await screenings.create({ ...c, areaPath: c.areaPath }, req.body, req.user!.id);
      return reply.status(201).send(row);
    },
  );

  app.get(
    '/campaigns/:id/screenings',
    {
      schema: {
        tags: ['oversight'],
        summary: "A campaign's screening rounds with the items each found, and the two-a-year warning (003 §二(一))",
        params: campaignParams,
        response: {
          200: z.object({
            rounds: z.array(screeningView),
            warnings: z.array(
              z.object({
                code: z.literal('too_few_screenings'),
                year: z.number().int(),
                done: z.number().int(),
                required: z.number().int(),
                daysLeft: z.number().int(),
                message: z.string(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const c = await readable(req.user!, req.params.id);
      return screenings.list(c.id, today());
    },
  );

  app.put(
    '/campaigns/:id/screenings/:roundId/units/:unitId',
    {
      schema: {
        tags: ['oversight'],
        summary: "A unit's result in a screening round: problems found, or no problem found (无问题)",
        params: z.object({ id: z.uuid(), roundId: z.uuid(), unitId: z.uuid() }),
        body: z.strictObject({
          result: z.enum(['problems_found', 'no_problem_found']),
          note: z.string().trim().max(500).optional(),
        }),
        response: { 200: screeningView.omit({ itemsFound: true, itemsByUnit: true }), ...problemResponses },
      },
    },
    async (req) => {
      const c = await writable(req.user!, req.params.id);
      const { result, note } = req.body;
      return screenings.recordUnitResult(c.id, req.params.roundId, {
        unitId: req.params.unitId,
        result,
        ...(note ? { note } : {}),
      });
    },
  );

  app.post(
    '/campaigns/:id/verification-rounds',
    {
      schema: {
        tags: ['oversight'],
        summary: '核查抽样: draw villages and households (default 20 % / 10 %) with a recorded seed; each is rechecked',
        params: campaignParams,
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          seed: z.string().trim().min(1).max(100).optional(),
          villageRate: z.number().gt(0).max(1).default(DEFAULT_SAMPLING_RATES.villageRate),
          householdRate: z.number().gt(0).max(1).default(DEFAULT_SAMPLING_RATES.householdRate),
          dueBy: dateString,
        }),
        response: { 201: verificationView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const c = await writable(req.user!, req.params.id);
      const b = req.body;
      const row = await verification.create(
        c.id,
        {
          name: b.name,
          seed: b.seed,
          rates: { villageRate: b.villageRate, householdRate: b.householdRate },
          dueBy: b.dueBy,
        },
        req.user!.id,
      );
      return reply.status(201).send(row);
    },
  );

  app.get(
    '/campaigns/:id/verification-rounds/:roundId',
    {
      schema: {
        tags: ['oversight'],
        summary: "A verification round's draw and each sampled household's result (its recheck)",
        params: z.object({ id: z.uuid(), roundId: z.uuid() }),
        response: {
          200: z.object({
            round: verificationView,
            lines: z.array(
              z.object({
                itemId: z.string(),
                title: z.string(),
                unitId: z.string().nullable(),
                unitName: z.string().nullable(),
                result: z.enum(['passed', 'failed', 'pending']),
                findings: z.string().nullable(),
                at: z.string().nullable(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const c = await readable(req.user!, req.params.id);
      return verification.results(c.id, req.params.roundId);
    },
  );
};

export default routes;
