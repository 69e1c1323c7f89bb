// Official documents (公文): issued with a 发文字号 from a round (通报), an accountability record
// (约谈通知), an item (交办单, 督办通知, 销号审批表) or a report period (月报汇总); listed per campaign or
// subject; downloaded as .docx at once and as PDF once the background conversion has made it (202 until
// then); sent to a unit's group robot. The issuing office's style (prefix, flag, 落款) is set per office.
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { officeStyle } from '../../../db/queries/documents.ts';
import { within } from '../../../domain/access/scope.ts';
import { documentOffices, orgUnits } from '../../../db/schema.ts';
import { documentRobots } from '../../../services/document-robots.ts';
import { type DocumentView, documentService } from '../../../services/documents.ts';
import { visibleCampaignOf } from '../../../services/campaign-access.ts';
import type { AppDeps } from '../../app.ts';
import { forbidden, notFound, problemResponses } from '../../problem.ts';
import { contentDisposition } from '../evidence/http.ts';
import {
  assignmentBody,
  bulletinBody,
  documentView,
  idParams,
  interviewBody,
  listQuery,
  monthlyBody,
  periodParams,
  robotBody,
  robotSent,
  robotView,
  signoffBody,
  styleBody,
  styleView,
  supervisionBody,
} from './schema.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, clock } = deps;
  const docs = documentService({
    db,
    clock,
    store: deps.evidence?.store,
    jobs: deps.documents?.jobs,
    engine: deps.engine,
    calendar: () => deps.env.calendar(),
    log: (m) => app.log.warn(m),
  });
  const robots = documentRobots({
    db,
    clock,
    jobs: () => deps.documents?.robots,
    publicUrl: () => deps.documents?.publicUrl,
    readable: docs.readableDoc,
  });
  const view = <T extends { id: string; issuedAt: string }>(d: T) => ({
    ...d,
    issuedAt: new Date(d.issuedAt).toISOString(),
    docx: `/api/v1/documents/${d.id}.docx`,
    pdf: `/api/v1/documents/${d.id}.pdf`,
  });
  const issued = { 201: documentView, ...problemResponses };

  app.post(
    '/rounds/:id/documents/bulletin',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the round’s bulletin (通报) with the next 发文字号 of the campaign office',
        params: idParams,
        body: bulletinBody,
        response: issued,
      },
    },
    async (req, reply) => reply.code(201).send(view(await docs.issueBulletin(req.user!, req.params.id, req.body))),
  );

  app.post(
    '/accountability/:id/documents/interview',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the 约谈通知 of an accountability record',
        params: idParams,
        body: interviewBody,
        response: issued,
      },
    },
    async (req, reply) => reply.code(201).send(view(await docs.issueInterview(req.user!, req.params.id, req.body))),
  );

  app.post(
    '/items/:id/documents/assignment',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the 交办单 (整改通知书) of an assigned item',
        params: idParams,
        body: assignmentBody,
        response: issued,
      },
    },
    async (req, reply) => reply.code(201).send(view(await docs.issueAssignment(req.user!, req.params.id, req.body))),
  );

  app.post(
    '/items/:id/documents/supervision',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the 督办通知 (挂牌督办通知 when flagged) of an open item, with its reply date and 回执',
        params: idParams,
        body: supervisionBody,
        response: issued,
      },
    },
    async (req, reply) => reply.code(201).send(view(await docs.issueSupervision(req.user!, req.params.id, req.body))),
  );

  app.post(
    '/items/:id/documents/signoff',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the 销号审批表 of a signed-off item, with each signer and the date they signed',
        params: idParams,
        body: signoffBody,
        response: issued,
      },
    },
    async (req, reply) => reply.code(201).send(view(await docs.issueSignoff(req.user!, req.params.id, req.body))),
  );

  app.post(
    '/campaigns/:id/reports/:period/documents/monthly',
    {
      schema: {
        tags: ['documents'],
        summary: 'Issue the 月报汇总 of a report period: who reported on time, late or not at all, and the figures',
        params: periodParams,
        body: monthlyBody,
        response: issued,
      },
    },
    async (req, reply) =>
      reply.code(201).send(view(await docs.issueMonthly(req.user!, req.params.id, req.params.period, req.body))),
  );

  app.get(
    '/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'An issued document’s register entry, with its download links',
        params: idParams,
        response: { 200: documentView, ...problemResponses },
      },
    },
    async (req) => {
      const { content: _content, year: _year, seq: _seq, ...d } = await docs.readableDoc(req.user!, req.params.id);
      return view(d as DocumentView);
    },
  );

  app.get(
    '/documents/:id/robots',
    {
      schema: {
        tags: ['documents'],
        summary: 'The group robots the campaign office may send this document to',
        params: idParams,
        response: { 200: z.object({ robots: z.array(robotView) }), ...problemResponses },
      },
    },
    async (req) => ({ robots: await robots.targets(req.user!, req.params.id) }),
  );

  app.post(
    '/documents/:id/robot-messages',
    {
      schema: {
        tags: ['documents'],
        summary: 'Send the document to a group robot: a file (企业微信) or a link to it (钉钉, 飞书)',
        params: idParams,
        body: robotBody,
        response: { 202: robotSent, ...problemResponses },
      },
    },
    async (req, reply) => reply.code(202).send(await robots.send(req.user!, req.params.id, req.body.targetId)),
  );

  app.get(
    '/campaigns/:id/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'The register of issued documents (发文登记) of a campaign, newest first',
        params: idParams,
        querystring: listQuery,
        response: { 200: z.object({ documents: z.array(documentView) }), ...problemResponses },
      },
    },
    async (req) => {
      await visibleCampaignOf(db, req.user!, req.params.id);
      return { documents: (await docs.list(req.user!, { campaignId: req.params.id, ...req.query })).map(view) };
    },
  );

  app.get(
    '/documents/:id.docx',
    {
      schema: { tags: ['documents'], summary: 'An issued document as .docx', params: idParams, produces: [DOCX] },
    },
    async (req, reply) => {
      const d = await docs.docx(req.user!, req.params.id);
      return reply
        .type(DOCX)
        .header('content-disposition', contentDisposition('attachment', `${d.number}${d.title}.docx`))
        .send(d.bytes);
    },
  );

  app.get(
    '/documents/:id.pdf',
    {
      schema: {
        tags: ['documents'],
        summary: 'An issued document as PDF; 202 with Retry-After while the background conversion runs',
        params: idParams,
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const d = await docs.pdf(req.user!, req.params.id);
      if (!d.ready) return reply.code(202).header('retry-after', '5').send({ status: 'converting', title: d.title });
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition('attachment', `${d.title}.pdf`))
        .send(d.stream);
    },
  );

  // The issuing office's 版头 and 发文字号 prefix: its admin or its own supervisors set it.
  const mayStyle = async (u: AuthUser, unitId: string) => {
    const [unit] = await db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, unitId));
    if (!unit) throw notFound('unit');
    if (u.roles.includes('admin') || (u.roles.includes('supervisor') && within(unit.path, u.unitPath))) return;
    throw forbidden('an admin or a supervisor of the office sets its document style');
  };

  app.get(
    '/org-units/:id/document-style',
    {
      schema: {
        tags: ['documents'],
        summary: "An office's document style (saved, or derived from the org tree)",
        params: idParams,
        response: { 200: styleView, ...problemResponses },
      },
    },
    async (req) => {
      const s = await officeStyle(db, req.params.id);
      if (!s) throw notFound('unit');
      const [saved] = await db
        .select({ id: documentOffices.unitId })
        .from(documentOffices)
        .where(eq(documentOffices.unitId, req.params.id));
      return { ...s, saved: !!saved };
    },
  );

  app.put(
    '/org-units/:id/document-style',
    {
      schema: {
        tags: ['documents'],
        summary: "Set an office's 发文字号 prefix, flag, 落款 and 成文日期 style",
        params: idParams,
        body: styleBody,
        response: { 200: styleView, ...problemResponses },
      },
    },
    async (req) => {
      await mayStyle(req.user!, req.params.id);
      const b = req.body;
      const values = {
        prefix: b.prefix,
        flag: b.flag,
        fullName: b.fullName,
        printedBy: b.printedBy ?? null,
        dateStyle: b.dateStyle,
        copyTo: b.copyTo,
        note: b.note ?? null,
        updatedBy: req.user!.id,
        updatedAt: clock.now().toISOString(),
      };
      await db
        .insert(documentOffices)
        .values({ unitId: req.params.id, ...values })
        .onConflictDoUpdate({ target: documentOffices.unitId, set: values });
      return { ...(await officeStyle(db, req.params.id))!, saved: true };
    },
  );
};

export default routes;
