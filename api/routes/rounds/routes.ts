// /api/v1 acceptance rounds (阶段验收): create with focus categories and scheme, look-back selection,
// score sheets, the ranking (live preview for the office; published and frozen for everyone in
// scope), publish and corrections, the bulletin (JSON and .docx), and accountability records.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  roundFormulaSchema,
  schemeSchema,
  scoreLineSchema,
  DEFAULT_SCHEME,
  DEFAULT_SCORE_LINES,
  type Scheme,
} from '../../../domain/ranking/scheme.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { buildBulletin } from '../../../services/bulletin.ts';
import { createCheckpoint } from '../../../services/trail/checkpoint.ts';
import { within } from '../../../domain/access/scope.ts';
import { reportConfig } from '../../../db/queries/reports.ts';
import { latestRanking, roundById, type Ranking } from '../../../db/queries/rounds.ts';
import { lookBackService } from '../../../services/look-back.ts';
import { roundScoreService } from '../../../services/round-scores.ts';
import { campaignAccess, isOffice, seesAll } from '../../../services/campaign-access.ts';
import { roundService } from '../../../services/rounds.ts';
import { accountabilityRecords, acceptanceRounds, categories, orgUnits, type RoundRow } from '../../../db/schema.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { answerInTransaction, sendCommitted } from '../../plugins/idempotency.ts';
import { forbidden, invalid, notFound, Problem, problemResponses } from '../../problem.ts';
import { documentService } from '../../../services/documents.ts';
import { dateString } from '../../schemas/common.ts';
import {
  bulletinView,
  focusProposal,
  idParams,
  publishedView,
  rankingView,
  roundView,
  scoreSheetView,
  selectionView,
  unitParams,
} from './schema.ts';
import { focusWarnings, proposeFocus } from '../../../domain/ranking/focus.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, env, engine, clock, trailSigner }) => {
  const access = campaignAccess({ db, calendar: () => env.calendar() });
  const rounds = roundService({ db });
  const lookBack = lookBackService({ db, engine });
  const scores = roundScoreService({ db });
  const now = () => clock.now().toISOString();

  async function roundFor(u: AuthUser, id: string) {
    const round = await roundById(db, id);
    if (!round) throw notFound('round');
    const c = await access.visibleCampaign(u, round.campaignId).catch(() => {
      throw notFound('round');
    });
    return { round, c };
  }
  async function cycleOf(campaignId: string) {
    const cfg = await reportConfig(db, campaignId);
    if (!cfg)
      throw new Problem(
        409,
        'no_report_cycle',
        'No report cycle',
        'set the campaign report cycle (its reporting units are the units ranked) before rounds',
      );
    return cfg;
  }
  async function campaignCategories(campaignId: string) {
    return db
      .select({ id: categories.id, name: categories.name, focusQuarters: categories.focusQuarters })
      .from(categories)
      .where(eq(categories.campaignId, campaignId))
      .orderBy(asc(categories.sortOrder));
  }
  /** 003 §三(四): the quarter's proposed focus, with the categories' names. */
  function proposalOf(periodEnd: string, all: Awaited<ReturnType<typeof campaignCategories>>) {
    const p = proposeFocus(periodEnd, all);
    const names = new Map(all.map((c) => [c.id, c.name]));
    return { ...p, categories: p.categoryIds.map((id) => names.get(id) ?? id) };
  }
  async function view(r: RoundRow) {
    const all = await campaignCategories(r.campaignId);
    const names = new Map(all.map((c) => [c.id, c.name]));
    const focusProposal = proposalOf(r.periodEnd, all);
    return {
      ...r,
      focusCategories: all.filter((c) => r.focusCategoryIds.includes(c.id)).map((c) => c.name),
      focusProposal,
      focusWarnings: focusWarnings(focusProposal, { categoryIds: r.focusCategoryIds, lookBack: r.lookBack }, names),
    };
  }
  /** A unit sees its own line of a published ranking; the office and oversight roles see all. */
  async function scoped(u: AuthUser, all: boolean, ranking: Ranking): Promise<Ranking> {
    if (all) return ranking;
    const ids = ranking.groups.flatMap((g) => g.lines.map((l) => l.unitId));
    const units = ids.length
      ? await db.select({ id: orgUnits.id, path: orgUnits.path }).from(orgUnits).where(inArray(orgUnits.id, ids))
      : [];
    const mine = new Set(units.filter((x) => within(x.path, u.unitPath)).map((x) => x.id));
    return {
      ...ranking,
      groups: ranking.groups
        .map((g) => ({ ...g, lines: g.lines.filter((l) => mine.has(l.unitId)) }))
        .filter((g) => g.lines.length > 0),
    };
  }

  app.post(
    '/campaigns/:id/rounds',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Create an acceptance round (阶段验收) with focus categories and its scoring scheme',
        params: idParams,
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          periodStart: dateString,
          periodEnd: dateString,
          focusCategoryIds: z.array(z.uuid()).min(1).max(50),
          lookBack: z.boolean().default(false),
          scheme: z.unknown().optional(),
          formula: z
            .unknown()
            .optional()
            .describe(
              'a published formula (评分办法) with its standings — peer groups, tie-break, praise top N, name bottom N — to score the round with instead of the weighted indicators',
            ),
          scoreLines: z.unknown().optional(),
        }),
        response: { 201: roundView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const c = await access.visibleCampaign(u, req.params.id);
      if (!isOffice(u, c)) throw forbidden('only the campaign office creates rounds');
      const b = req.body;
      if (b.periodEnd < b.periodStart)
        throw new Problem(422, 'rule_violated', 'Rule violated', 'the round ends before it starts', {
          errors: [{ path: 'body.periodEnd', message: 'before periodStart' }],
        });
      const scheme = schemeSchema.safeParse(b.scheme ?? DEFAULT_SCHEME);
      if (!scheme.success) invalid('invalid_scheme', 'the scoring scheme breaks a rule', scheme.error, 'body.scheme');
      if (b.formula !== undefined) {
        const formula = roundFormulaSchema.safeParse(b.formula);
        if (!formula.success)
          invalid('invalid_formula', 'the scoring formula breaks a rule', formula.error, 'body.formula');
        scheme.data.formula = formula.data;
        scheme.data.version = formula.data.formula.version;
      }
      const lines = z
        .array(scoreLineSchema)
        .max(30)
        .safeParse(b.scoreLines ?? DEFAULT_SCORE_LINES);
      if (!lines.success)
        invalid('invalid_score_lines', 'the score sheet lines break a rule', lines.error, 'body.scoreLines');
      if (new Set(lines.data.map((l) => l.key)).size !== lines.data.length)
        throw new Problem(422, 'invalid_score_lines', 'Rule violated', 'score line keys must be unique');
      const cats = await db
        .select({ id: categories.id })
        .from(categories)
        .where(and(eq(categories.campaignId, c.id), inArray(categories.id, b.focusCategoryIds)));
      if (cats.length !== new Set(b.focusCategoryIds).size) {
        throw new Problem(
          422,
          'unknown_category',
          'Rule violated',
          'a focus category is not a category of this campaign',
          { errors: [{ path: 'body.focusCategoryIds', message: 'not in this campaign' }] },
        );
      }
      await cycleOf(c.id);
      const row = await rounds.createRound(
        {
          campaignId: c.id,
          name: b.name,
          periodStart: b.periodStart,
          periodEnd: b.periodEnd,
          focusCategoryIds: [...new Set(b.focusCategoryIds)],
          lookBack: b.lookBack,
          scheme: scheme.data as Scheme,
          scoreLines: lines.data,
          createdBy: u.id,
        },
        answerInTransaction(req, reply, 201, view),
      );
      reply.code(201).header('location', `/api/v1/rounds/${row.id}`);
      return sendCommitted(req, reply, await view(row));
    },
  );

  app.get(
    '/campaigns/:id/rounds/focus-proposal',
    {
      schema: {
        tags: ['rounds'],
        summary: '003 §三(四): the focus categories a round ending on periodEnd should take (Q4: 回头看 over all)',
        params: idParams,
        querystring: z.object({ periodEnd: dateString }),
        response: { 200: focusProposal, ...problemResponses },
      },
    },
    async (req) => {
      const c = await access.visibleCampaign(req.user!, req.params.id);
      return proposalOf(req.query.periodEnd, await campaignCategories(c.id));
    },
  );

  app.get(
    '/campaigns/:id/rounds',
    {
      schema: {
        tags: ['rounds'],
        params: idParams,
        response: { 200: z.object({ rounds: z.array(roundView) }), ...problemResponses },
      },
    },
    async (req) => {
      const c = await access.visibleCampaign(req.user!, req.params.id);
      const rows = await db
        .select()
        .from(acceptanceRounds)
        .where(eq(acceptanceRounds.campaignId, c.id))
        .orderBy(asc(acceptanceRounds.periodStart));
      return { rounds: await Promise.all(rows.map(view)) };
    },
  );

  app.get(
    '/rounds/:id',
    { schema: { tags: ['rounds'], params: idParams, response: { 200: roundView, ...problemResponses } } },
    async (req) => view((await roundFor(req.user!, req.params.id)).round),
  );

  app.post(
    '/rounds/:id/look-back',
    {
      schema: {
        tags: ['rounds'],
        summary: '回头看: select closed items of the focus categories again for recheck (seeded, reproducible)',
        params: idParams,
        body: z.strictObject({ rate: z.number().gt(0).max(1), seed: z.string().min(1).max(100), dueBy: dateString }),
        response: { 200: selectionView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const { round, c } = await roundFor(u, req.params.id);
      if (!isOffice(u, c)) throw forbidden('only the campaign office selects items for a look-back');
      return lookBack.select(round, { ...req.body, now: now() });
    },
  );

  app.get(
    '/rounds/:id/scores/:unitId',
    {
      schema: {
        tags: ['rounds'],
        summary: "A unit's recorded score sheet (the acceptance team), to review or amend it",
        params: unitParams,
        response: {
          // An unranked unit's sheet not yet recorded is an empty sheet (scoredAt null), not a 404: the
          // form opens on it the same way for every unit of the round.
          200: scoreSheetView.extend({ scoredBy: z.string().nullable(), scoredAt: z.string().nullable() }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const u = req.user!;
      requireRole(u, ['inspector', 'supervisor', 'admin']);
      const { round, c } = await roundFor(u, req.params.id);
      if (!seesAll(u, c)) throw forbidden('score sheets are read by the acceptance team of the campaign');
      const sheet = await scores.sheet(round, req.params.unitId);
      if (!sheet) {
        const cfg = await cycleOf(c.id);
        if (!cfg.cycle.reportingUnitIds.includes(req.params.unitId))
          throw notFound(`unit ${req.params.unitId} in round ${round.id}`);
        const empty = { lines: {}, veto: false, vetoReason: null, note: null, scoredBy: null, scoredAt: null };
        return { roundId: round.id, unitId: req.params.unitId, ...empty };
      }
      return {
        roundId: sheet.roundId,
        unitId: sheet.unitId,
        lines: sheet.lines,
        veto: sheet.veto,
        vetoReason: sheet.vetoReason,
        note: sheet.note,
        scoredBy: sheet.scoredBy,
        scoredAt: sheet.scoredAt,
      };
    },
  );

  app.put(
    '/rounds/:id/scores/:unitId',
    {
      schema: {
        tags: ['rounds'],
        summary: "Record a unit's score sheet (inspector)",
        params: unitParams,
        body: z.strictObject({
          lines: z.record(z.string(), z.number().finite().min(0)),
          veto: z.boolean().default(false),
          vetoReason: z.string().trim().min(1).max(1000).optional(),
          note: z.string().trim().max(2000).optional(),
        }),
        response: { 200: scoreSheetView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      requireRole(u, ['inspector', 'supervisor', 'admin']);
      const { round, c } = await roundFor(u, req.params.id);
      if (!seesAll(u, c)) throw forbidden('score sheets are recorded by the acceptance team of the campaign');
      const cfg = await cycleOf(c.id);
      return scores.record({
        round,
        reportingUnitIds: cfg.cycle.reportingUnitIds,
        unitId: req.params.unitId,
        scorer: u,
        sheet: req.body,
        now: now(),
      });
    },
  );

  app.get(
    '/rounds/:id/ranking',
    {
      schema: {
        tags: ['rounds'],
        summary: 'The ranking with each score explained (numerator, denominator, weight, contribution per indicator)',
        params: idParams,
        querystring: z.object({ live: z.enum(['true', 'false']).default('false') }),
        response: { 200: rankingView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const { round, c } = await roundFor(u, req.params.id);
      const published = await latestRanking(db, round.id);
      if (published && req.query.live !== 'true') {
        return {
          ...(await scoped(u, seesAll(u, c), published.result as Ranking)),
          published: true,
          version: published.version,
          correction: published.reason,
        };
      }
      if (!seesAll(u, c)) throw notFound('ranking');
      const cfg = await cycleOf(c.id);
      const ranking = await rounds.computeRanking(round, cfg.cycle, await env.calendar(), now());
      return { ...ranking, published: false, version: null, correction: null };
    },
  );

  const publish = (path: string, summary: string, body: z.ZodType) =>
    app.post(
      `/rounds/:id/${path}`,
      {
        schema: {
          tags: ['rounds'],
          summary,
          params: idParams,
          body,
          response: {
            200: publishedView,
            ...problemResponses,
          },
        },
      },
      async (req, reply) => {
        const u = req.user!;
        const { round, c } = await roundFor(u, req.params.id);
        if (!isOffice(u, c)) throw forbidden('only the campaign office publishes rankings');
        const answer = (o: { version: number; triggered: string[]; ranking: Ranking }) => ({
          version: o.version,
          accountabilityRecordIds: o.triggered,
          ranking: o.ranking,
        });
        const cfg = await cycleOf(c.id);
        const reason = (req.body as { reason?: string }).reason ?? null;
        const out = await rounds.publishRound({
          round,
          cycle: cfg.cycle,
          cal: await env.calendar(),
          accountability: cfg.accountability,
          actorId: u.id,
          now: now(),
          correction: reason,
          // A correction retried after a crash must not publish a second version: the answer commits with it.
          alongside: answerInTransaction(req, reply, 200, answer),
        });
        // The bulletin fixes the trail it was made from: a signed checkpoint of the campaign, printed in it.
        if (trailSigner) {
          await createCheckpoint(db, trailSigner, {
            campaignId: c.id,
            at: now(),
            reason: 'bulletin',
            roundId: round.id,
            roundVersion: out.version,
          });
        }
        return sendCommitted(req, reply, answer(out));
      },
    );
  publish(
    'publish',
    'Publish the ranking: frozen as of the period end; publishing again is refused',
    z.strictObject({}),
  );
  publish(
    'corrections',
    'Publish a corrected ranking as a new version, with its reason',
    z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
  );

  /**
   * The bulletin is sent to every unit it ranks and to the lead offices (牵头责任部门), so besides those
   * who read the whole campaign, a user whose unit is ranked in it, or a lead, reads it once published.
   */
  async function bulletinOf(u: AuthUser, id: string, version?: number) {
    const { round, c } = await roundFor(u, id);
    const all = seesAll(u, c);
    const published = await latestRanking(db, round.id, version);
    if (!published) {
      if (!all) throw notFound('bulletin');
      throw new Problem(409, 'round_not_published', 'Not published', 'the bulletin exists once the round is published');
    }
    const ranked = async () => (await scoped(u, false, published.result as Ranking)).groups.length > 0;
    if (!all && !u.roles.includes('lead') && !(await ranked())) throw notFound('bulletin');
    return buildBulletin(db, round, published);
  }
  const bulletinQuery = z.object({ version: z.coerce.number().int().min(1).optional() });
  app.get(
    '/rounds/:id/bulletin',
    {
      schema: {
        tags: ['rounds'],
        summary: 'The bulletin (通报) as JSON',
        params: idParams,
        querystring: bulletinQuery,
        response: { 200: bulletinView, ...problemResponses },
      },
    },
    async (req) => bulletinOf(req.user!, req.params.id, req.query.version),
  );

  app.get(
    '/rounds/:id/bulletin.docx',
    {
      schema: {
        tags: ['rounds'],
        summary: 'The bulletin (通报) as a Word document for review: GB/T 9704 layout, 文号 left blank until issued',
        params: idParams,
        querystring: bulletinQuery,
        produces: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      },
    },
    async (req, reply) => {
      const b = await bulletinOf(req.user!, req.params.id, req.query.version);
      const buf = await documentService({ db, clock }).draftBulletinDocx(
        b,
        (await roundFor(req.user!, req.params.id)).round.campaignId,
      );
      return reply
        .type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
        .header(
          'content-disposition',
          `attachment; filename="bulletin.docx"; filename*=UTF-8''${encodeURIComponent(`${b.title}.docx`)}`,
        )
        .send(buf);
    },
  );

  const recordView = z
    .object({
      id: z.string(),
      unitId: z.string(),
      unitName: z.string(),
      ruleId: z.string(),
      action: z.string(),
      title: z.string(),
      actionTitle: z.string(),
      roundIds: z.array(z.string()),
      firedAtRoundId: z.string(),
      status: z.string(),
      note: z.string().nullable(),
      attachments: z.array(z.string()),
      doneAt: z.string().nullable(),
      createdAt: z.string(),
    })
    .meta({ id: 'AccountabilityRecord' });
  const recordOut = (x: { r: typeof accountabilityRecords.$inferSelect; name: string }) => ({
    ...x.r,
    unitName: x.name,
  });

  app.get(
    '/campaigns/:id/accountability',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Accountability records (问责): triggered rules and their follow-up',
        params: idParams,
        response: { 200: z.object({ records: z.array(recordView) }), ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const c = await access.visibleCampaign(u, req.params.id);
      const rows = await db
        .select({ r: accountabilityRecords, name: orgUnits.name })
        .from(accountabilityRecords)
        .innerJoin(orgUnits, eq(orgUnits.id, accountabilityRecords.unitId))
        .where(
          and(
            eq(accountabilityRecords.campaignId, c.id),
            seesAll(u, c) ? undefined : sql`${accountabilityRecords.unitPath} like ${`${u.unitPath}%`}`,
          ),
        )
        .orderBy(asc(accountabilityRecords.createdAt), asc(orgUnits.path));
      return { records: rows.map(recordOut) };
    },
  );

  app.post(
    '/accountability/:id/done',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Close an accountability record with a note (and attachments)',
        params: idParams,
        body: z.strictObject({
          note: z.string().trim().min(1).max(5000),
          attachments: z.array(z.string().min(1).max(200)).max(20).default([]),
        }),
        response: { 200: recordView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const [row] = await db
        .select({ r: accountabilityRecords, name: orgUnits.name })
        .from(accountabilityRecords)
        .innerJoin(orgUnits, eq(orgUnits.id, accountabilityRecords.unitId))
        .where(eq(accountabilityRecords.id, req.params.id));
      if (!row) throw notFound('accountability record');
      const c = await access.visibleCampaign(u, row.r.campaignId).catch(() => {
        throw notFound('accountability record');
      });
      if (!seesAll(u, c) && !within(row.r.unitPath, u.unitPath)) throw notFound('accountability record');
      if (!isOffice(u, c)) throw forbidden('the campaign office tracks accountability records');
      if (row.r.status === 'done')
        throw new Problem(409, 'already_done', 'Rule violated', `the record was closed at ${row.r.doneAt}`);
      const [out] = await db
        .update(accountabilityRecords)
        .set({ status: 'done', note: req.body.note, attachments: req.body.attachments, doneBy: u.id, doneAt: now() })
        .where(and(eq(accountabilityRecords.id, row.r.id), eq(accountabilityRecords.status, 'open')))
        .returning();
      if (!out) throw new Problem(409, 'already_done', 'Rule violated', 'the record was closed meanwhile');
      return recordOut({ r: out, name: row.name });
    },
  );
};

export default routes;
