// /api/v1/items — report, list, detail, audit, and one endpoint per lifecycle command.
import { parseIfMatch } from '../../if-match.ts';
import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  actorRule,
  allowedCommands,
  canSeePersonalData,
  approvalStartsNotice,
  chainFor,
  seenVersionStands,
  stateRule,
} from '../../../domain/item/index.ts';
import { markObjection, objectionQueue } from '../../../services/public-side.ts';
import type { ItemCommand, UnitRef } from '../../../domain/item/types.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { verifyItem } from '../../../services/trail/verify.ts';
import { countItems, getVisibleItem, itemTimeline, listItems } from '../../../db/queries/items.ts';
import { importedRowOf } from '../../../db/queries/import-jobs.ts';
import { createNameCache } from '../../../db/queries/names.ts';
import { shareAnswers } from '../../shared-answers.ts';
import { related, within } from '../../../domain/access/scope.ts';
import { unitById } from '../../../db/queries/org.ts';
import { campaigns, categories, items, orgUnits } from '../../../db/schema.ts';
import { assertCitable, citedEvidence, runEvidenceGuard } from '../evidence/guard-runner.ts';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { badRequest, notFound, Problem, problemResponses } from '../../problem.ts';
import { type CommandOutcome, VersionConflict } from '../../../workflows/engine.ts';
import { answered } from '../../plugins/idempotency.ts';
import { screeningService } from '../../../services/screenings.ts';
import {
  auditVerdict,
  commandBodies,
  commandResult,
  itemDetail,
  itemPage,
  milestoneCompleteBody,
  reportBody,
} from './schema.ts';
import { idParams, listQuery } from '../../schemas/common.ts';
import { ifMatch, milestoneParams } from './schema.ts';
import { assertCampaignVisible } from '../../../services/campaign-access.ts';
import { eventDataFor, itemView, openableRelated, scheduleView, warningsOf } from './view.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, engine, env, clock, evidence }) => {
  const me = (req: { user: AuthUser | null }) => req.user!;

  const names = createNameCache(db);
  // count=true totals, per reader scope and filter, up to 5 s old (api/shared-answers.ts).
  const totals = shareAnswers<number>({ keepMs: 5_000 });

  /** Run a command and answer with the item as it now stands. The engine checks the caller's scope
   * inside its transaction: out-of-scope items answer 404, exactly as missing ones do. With an
   * Idempotency-Key the answer is stored with the command's own write (exactly once); the route sends
   * the string returned here as is. */
  async function run(
    http: { req: FastifyRequest; reply: FastifyReply; status: 200 | 201 },
    user: AuthUser,
    itemId: string,
    command: ItemCommand,
    ifMatchHeader: string | undefined,
  ): Promise<{ version: number; body: string }> {
    const { req, reply, status } = http;
    const expectedVersion = parseIfMatch(ifMatchHeader);
    const actor = actorOf(user);
    if (citedEvidence(command)) {
      // Evidence is checked against the item before the command: a stale If-Match is said first,
      // then the decider's state and role rules (the engine refuses those), then unknown evidence.
      const before = await getVisibleItem(db, user, itemId);
      if (!before) throw notFound('item');
      if (expectedVersion !== undefined && !seenVersionStands(before.state, expectedVersion)) {
        throw new VersionConflict(itemId, expectedVersion, before.state.version);
      }
      if (stateRule(before.state, command.type) === null && actorRule(before.state, actor, command.type) === null) {
        await assertCitable(db, itemId, command);
      }
    }
    const shape = async (out: CommandOutcome) => {
      const s = out.state;
      const [categoryName, responsibleName] = await Promise.all([
        names.category(s.categoryId),
        names.unit(s.responsibleUnit?.id),
      ]);
      const row = {
        state: s,
        seqNo: out.ledgerNo,
        updatedAt: clock.now().toISOString(),
        categoryName,
        responsibleName,
      };
      const result = {
        ...itemView(row, actor, await openableRelated(db, user, warningsOf([s]))),
        events: out.events.map((e) => ({ seq: e.seq, type: e.event.type, at: e.event.at })),
      };
      return reply.serializeInput(result, String(status)) as string;
    };
    const idem = req.idempotency;
    const requestId = idem ? requestIdOf(idem) : undefined;
    // The body the engine stored with the command (the last one rendered is the one that committed).
    let stored: string | undefined;
    const answer = idem
      ? {
          userId: idem.userId,
          key: idem.key,
          render: async (o: CommandOutcome) => ({ status, body: (stored = await shape(o)) }),
        }
      : undefined;
    let out = await engine.execute({
      itemId,
      command,
      actor,
      expectedVersion,
      scopePath: user.scopePath,
      requestId,
      answer,
    });
    if (citedEvidence(command)) {
      await runEvidenceGuard({ db, engine, jobs: evidence?.jobs }, itemId, command, out.events, app.log);
      const [now] = await db.select({ state: items.state }).from(items).where(eq(items.id, itemId));
      // The guard's warnings moved the item on: answer as it now stands (stored when sent).
      if (now && now.state.version !== out.state.version) {
        out = { ...out, state: now.state };
        stored = undefined;
      }
    }
    if (stored !== undefined) {
      answered(req, { status, body: stored });
      return { version: out.state.version, body: stored };
    }
    // Temporal (which stores no answer with the command), or an answer changed since: stored when sent.
    return { version: out.state.version, body: await shape(out) };
  }

  /** A unit given by id, which must lie in the campaign's area. */
  async function unitInCampaign(unitId: string, campaignId: string, field: string): Promise<UnitRef> {
    const [c] = await db
      .select({ areaPath: orgUnits.path })
      .from(campaigns)
      .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
      .where(eq(campaigns.id, campaignId));
    const unit = await unitById(db, unitId);
    if (!unit || !c || !within(unit.path, c.areaPath)) {
      throw new Problem(
        422,
        'rule_violated',
        'Unit outside the campaign',
        `the unit is not part of this campaign's area`,
        { errors: [{ path: `body.${field}`, message: 'unknown unit, or outside the campaign area' }] },
      );
    }
    return { id: unit.id, path: unit.path };
  }

  app.post(
    '/items',
    {
      schema: {
        tags: ['items'],
        summary: 'Report a problem (登记问题)',
        body: reportBody,
        response: { 201: commandResult, ...problemResponses },
      },
    },
    async (req, reply) => {
      const user = me(req);
      const actor = actorOf(user);
      const b = req.body;
      const [c] = await db
        .select({ c: campaigns, ownerPath: orgUnits.path })
        .from(campaigns)
        .innerJoin(orgUnits, eq(orgUnits.id, campaigns.ownerUnitId))
        .where(eq(campaigns.id, b.campaignId));
      const area = c ? await unitById(db, c.c.areaUnitId) : null;
      if (!c || !area || !(actor.roles.includes('admin') || related(actor.unitPath, area.path)))
        throw notFound('campaign');
      let leadUnit: UnitRef | null = null;
      if (b.categoryId) {
        const [cat] = await db
          .select({ campaignId: categories.campaignId, leadPath: orgUnits.path, leadId: orgUnits.id })
          .from(categories)
          .innerJoin(orgUnits, eq(orgUnits.id, categories.leadUnitId))
          .where(eq(categories.id, b.categoryId));
        if (!cat || cat.campaignId !== b.campaignId) {
          throw badRequest('validation_failed', 'the category does not belong to this campaign', [
            { path: 'body.categoryId', message: 'not a category of this campaign' },
          ]);
        }
        leadUnit = { id: cat.leadId, path: cat.leadPath };
      }
      if (b.screeningRoundId) await screeningService({ db }).assertRoundOf(b.campaignId, b.screeningRoundId);
      // With an Idempotency-Key the new item's id comes from it, so a retry after `applied: "unknown"` can
      // never report the item twice (the runtime finds it reported and answers the first outcome or 409).
      const itemId = req.idempotency ? uuidOf(requestIdOf(req.idempotency)) : randomUUID();
      const result = await run(
        { req, reply, status: 201 },
        user,
        itemId,
        {
          type: 'report',
          itemId,
          campaignId: b.campaignId,
          categoryId: b.categoryId ?? null,
          source: b.source,
          title: b.title,
          description: b.description,
          person: b.person ?? null,
          location: b.location ?? null,
          monitoredSince: b.monitoredSince ?? null,
          screeningRoundId: b.screeningRoundId ?? null,
          reportingUnit: { id: actor.unitId, path: actor.unitPath },
          ownerUnit: { id: c.c.ownerUnitId, path: c.ownerPath },
          leadUnit,
        },
        undefined,
      );
      return reply
        .code(201)
        .header('etag', `"${result.version}"`)
        .header('location', `/api/v1/items/${itemId}`)
        .type(JSON_TYPE)
        .send(result.body as never); // already serialized by the route's schema (run)
    },
  );

  app.get(
    '/items',
    {
      schema: {
        tags: ['items'],
        summary: 'The ledger (问题台账), filtered and paged',
        querystring: listQuery,
        response: { 200: itemPage, ...problemResponses },
      },
    },
    async (req) => {
      const user = me(req);
      const actor = actorOf(user);
      const q = req.query;
      if (q.campaignId) await assertCampaignVisible(db, user, q.campaignId);
      let unitPath: string | undefined;
      if (q.unitId) {
        const u = await unitById(db, q.unitId);
        // An unknown unit filters to nothing, like a unit with no items.
        unitPath = u?.path ?? '/no-such-unit/';
      }
      const filters = {
        campaignId: q.campaignId,
        categoryId: q.categoryId,
        unitPath,
        status: q.status,
        source: q.source,
        overdue: q.overdue,
        flagged: q.flagged,
        supervisionLevel: q.supervisionLevel,
        deadlineFrom: q.deadlineFrom,
        deadlineTo: q.deadlineTo,
        q: q.q,
      };
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
      const [page, total] = await Promise.all([
        listItems(db, user, filters, { sort: q.sort, order: q.order, limit: q.limit, cursor }),
        q.count === 'true'
          ? totals(JSON.stringify([user.scopePath, filters]), () => countItems(db, user, filters))
          : Promise.resolve(undefined),
      ]);
      const openable = await openableRelated(db, user, warningsOf(page.rows.map((r) => r.state)));
      return {
        items: page.rows.map((r) => itemView(r, actor, openable)),
        nextCursor: page.next ? encodeCursor(q.sort, page.next) : null,
        ...(total !== undefined ? { total } : {}),
      };
    },
  );

  app.get(
    '/items/:id',
    {
      schema: {
        tags: ['items'],
        summary: 'One item with its full timeline',
        params: idParams,
        response: { 200: itemDetail, ...problemResponses },
      },
    },
    async (req, reply) => {
      const user = me(req);
      const actor = actorOf(user);
      const row = await getVisibleItem(db, user, req.params.id);
      if (!row) throw notFound('item');
      const [timeline, settings, calendar, importedRow] = await Promise.all([
        itemTimeline(db, req.params.id),
        env.settings(row.state.campaignId),
        env.calendar(),
        // The office's row can name people (户主, 身份证号): only for roles that see personal data.
        canSeePersonalData(actor.roles) ? importedRowOf(db, row.state.campaignId, row.state.id) : null,
      ]);
      reply.header('etag', `"${row.state.version}"`);
      const raised = timeline
        .filter((e) => e.type === 'EvidenceWarningRaised')
        .map((e) => e.data as { related?: unknown });
      const openable = await openableRelated(db, user, [...warningsOf([row.state]), ...raised]);
      const objections = row.state.publicNotice?.objections.length
        ? await objectionQueue(db, row.state.campaignId, row.state.id)
        : [];
      return {
        ...itemView(row, actor, openable),
        publicNoticeOnApproval: approvalStartsNotice(row.state, settings),
        signOffSteps: chainFor(row.state, settings).map((step, i) => ({
          id: step.id,
          name: step.name,
          decided: i < (row.state.signOff?.approvals.length ?? 0),
        })),
        objectionContacts: canSeePersonalData(actor.roles)
          ? Object.fromEntries(objections.map((o) => [o.id, o.contact]))
          : {},
        allowedCommands: allowedCommands(row.state, actor, {
          now: clock.now().toISOString(),
          actor,
          settings,
          calendar,
        }),
        importedRow,
        schedule: scheduleView(row.state, { settings, calendar }),
        timeline: timeline.map((e) => ({
          seq: e.seq,
          type: e.type,
          at: new Date(e.at).toISOString(),
          actor: e.actorId ? { id: e.actorId, name: e.actorName } : null,
          data: eventDataFor(e.type, e.data, actor, openable),
          hash: e.hash,
        })),
      };
    },
  );

  app.get(
    '/items/:id/audit',
    {
      schema: {
        tags: ['items'],
        summary: "Verify the item's hash-chained trail",
        params: idParams,
        response: { 200: auditVerdict, ...problemResponses },
      },
    },
    async (req) => {
      if (!(await getVisibleItem(db, me(req), req.params.id))) throw notFound('item');
      const v = await verifyItem(db, req.params.id);
      if (!v) throw notFound('item');
      return { ...v, problems: v.problems.map((p) => p.message) };
    },
  );

  // One endpoint per lifecycle command. The body is validated here; the rules live in the decider.
  // Most commands need nothing but their body; the two that name a unit check it against the item's campaign.
  const campaignOf = async (itemId: string, user: AuthUser) => {
    const row = await getVisibleItem(db, user, itemId);
    if (!row) throw notFound('item');
    return row.state.campaignId;
  };
  const commands: {
    [K in keyof typeof commandBodies]: (
      body: z.infer<(typeof commandBodies)[K]>,
      itemId: string,
      user: AuthUser,
    ) => Promise<ItemCommand>;
  } = {
    assign: async (b, id, user) => ({
      type: 'assign',
      responsibleUnit: await unitInCampaign(b.responsibleUnitId, await campaignOf(id, user), 'responsibleUnitId'),
      measures: b.measures,
      mode: b.mode,
      deadline: b.deadline,
      days: b.days,
      milestones: b.milestones?.map((m, i) => ({ id: `m${i + 1}`, title: m.title, dueOn: m.dueOn })),
    }),
    accept: async () => ({ type: 'accept' }),
    progress: async (b) => ({
      type: 'record_progress',
      note: b.note,
      substantive: b.substantive,
      evidence: b.evidence,
    }),
    'request-extension': async (b) => ({ type: 'request_extension', newDeadline: b.newDeadline, reason: b.reason }),
    'decide-extension': async (b) => ({ type: 'decide_extension', approve: b.approve, note: b.note }),
    transfer: async (b, id, user) => ({
      type: 'transfer',
      responsibleUnit: await unitInCampaign(b.responsibleUnitId, await campaignOf(id, user), 'responsibleUnitId'),
      reason: b.reason,
    }),
    submit: async (b) => ({ type: 'submit', summary: b.summary, evidence: b.evidence }),
    approve: async (b) => ({ type: 'approve', note: b.note, publicEvidence: b.publicEvidence }),
    'resolve-objection': async (b) => ({
      type: 'resolve_objection',
      objectionId: b.objectionId,
      upheld: b.upheld,
      note: b.note,
    }),
    reject: async (b) => ({ type: 'reject', reason: b.reason }),
    recheck: async (b) => ({
      type: 'recheck',
      passed: b.passed,
      findings: b.findings,
      evidence: b.evidence,
      deadline: b.deadline,
    }),
    dismiss: async (b) => ({ type: 'dismiss', reason: b.reason }),
    flag: async (b) => ({ type: 'flag', reason: b.reason, level: b.level, dueOn: b.dueOn }),
    unflag: async (b) => ({ type: 'unflag', reason: b.reason }),
    comments: async (b) => ({ type: 'comment', text: b.text }),
  };

  for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
    app.post(
      `/items/:id/${name}`,
      {
        schema: {
          tags: ['item commands'],
          summary: `Item command: ${name}`,
          params: idParams,
          headers: ifMatch,
          body: commandBodies[name],
          response: { 200: commandResult, ...problemResponses },
        },
      },
      async (req, reply) => {
        const user = me(req);
        const build = commands[name] as (b: unknown, id: string, user: AuthUser) => Promise<ItemCommand>;
        const command = await build(req.body, req.params.id, user);
        const result = await run({ req, reply, status: 200 }, user, req.params.id, command, req.headers['if-match']);
        // The moderation queue follows the trail: the answer is the item's event, the row repeats it.
        if (command.type === 'resolve_objection') await markObjection(db, command.objectionId, command.upheld);
        return sendSerialized(reply.header('etag', `"${result.version}"`), result.body);
      },
    );
  }

  app.post(
    '/items/:id/milestones/:milestoneId/complete',
    {
      schema: {
        tags: ['item commands'],
        summary: 'Item command: complete a milestone (时间节点)',
        headers: ifMatch,
        params: milestoneParams,
        body: milestoneCompleteBody,
        response: { 200: commandResult, ...problemResponses },
      },
    },
    async (req, reply) => {
      const result = await run(
        { req, reply, status: 200 },
        me(req),
        req.params.id,
        {
          type: 'complete_milestone',
          milestoneId: req.params.milestoneId,
          note: req.body.note,
          evidence: req.body.evidence,
        },
        req.headers['if-match'],
      );
      return sendSerialized(reply.header('etag', `"${result.version}"`), result.body);
    },
  );
};

/** Answers are serialized by `run` (the stored and the sent text are one); the string is sent as is. */
const JSON_TYPE = 'application/json; charset=utf-8';
const sendSerialized = (reply: FastifyReply, body: string) => reply.type(JSON_TYPE).send(body);

/** A request's id for the engine: the same for every retry of one user's Idempotency-Key, opaque otherwise. */
function requestIdOf(idem: { userId: string; key: string }): string {
  return createHash('sha256').update(`${idem.userId}\n${idem.key}`).digest('hex').slice(0, 32);
}

/** A UUID (version 8: custom) made from 32 hex digits. */
function uuidOf(hex32: string): string {
  const h = `${hex32.slice(0, 12)}8${hex32.slice(13, 16)}${((Number.parseInt(hex32[16]!, 16) & 0x3) | 0x8).toString(16)}${hex32.slice(17)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function encodeCursor(sort: string, c: { v: string | number; id: string }) {
  return Buffer.from(JSON.stringify({ s: sort, v: c.v, id: c.id })).toString('base64url');
}

function decodeCursor(raw: string, sort: string): { v: string | number; id: string } {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { s?: unknown; v?: unknown; id?: unknown };
    // The value must have the sort column's type, or PostgreSQL would refuse the comparison.
    const okValue =
      sort === 'seqNo'
        ? typeof c.v === 'number' && Number.isInteger(c.v)
        : typeof c.v === 'string' &&
          c.v.length < 64 &&
          /^\d{4}-\d{2}-\d{2}([ T][\d:.]+([+-]\d{2}(:?\d{2})?|Z)?)?$/.test(c.v) &&
          !Number.isNaN(Date.parse(c.v));
    if (c.s === sort && okValue && typeof c.id === 'string' && z.uuid().safeParse(c.id).success)
      return { v: c.v as string | number, id: c.id };
  } catch {
    /* fall through */
  }
  throw badRequest(
    'invalid_cursor',
    'the cursor is not one this list gave out (or the sort changed); start again without it',
  );
}

export default routes;
