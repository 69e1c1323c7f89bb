// /api/v1/campaigns/:id/report-config, the report board per period, one unit's report and its
// commands (draft, submit, return, accept), and its statistics recomputed as of any instant.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountabilitySchema, DEFAULT_ACCOUNTABILITY } from '../../../domain/accountability/rules.ts';
import { cyclePeriods, reportCycleSchema } from '../../../domain/report/cycle.ts';
import { allowedReportCommands } from '../../../domain/report/lifecycle.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { reportAttachments } from '../../../db/queries/evidence.ts';
import { reportBoard, type reportConfig, reportRow, stateOf } from '../../../db/queries/reports.ts';
import type { ReportRow } from '../../../db/schema.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { actorOf } from '../../plugins/auth.ts';
import { answerInTransaction, sendCommitted } from '../../plugins/idempotency.ts';
import { forbidden, Problem, problemResponses } from '../../problem.ts';
import { campaignAccess, type CampaignScope, isOffice, seesAll, writesFor } from '../../../services/campaign-access.ts';
import { type ReportAction, reportService } from '../../../services/reports.ts';
import { parseIfMatch } from '../../if-match.ts';
import { invalid } from '../../problem.ts';
import {
  campaignParams,
  reportParams,
  narrative,
  attachments,
  ifMatch,
  configView,
  reportView,
  boardView,
  reportStatsView,
} from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, env, clock }) => {
  const now = () => clock.now().toISOString();

  const access = campaignAccess({ db, calendar: () => env.calendar() });
  const reportsOf = reportService({ db });
  const configOf = (c: CampaignScope) => access.reportConfigOf(c);
  const periodOf = async (c: CampaignScope, period: string, known?: Awaited<ReturnType<typeof reportConfig>>) =>
    access.reportPeriodOf(c, period, known);
  const unitOf = (u: AuthUser, c: CampaignScope, unitId: string, reportingUnitIds: string[]) =>
    access.reportingUnitOf(u, c, unitId, reportingUnitIds);
  /** A report cites files uploaded for this unit's reports (POST …/units/:unitId/attachments), nothing else. */
  async function checkReportFiles(ids: string[], unitId: string) {
    const found = await reportAttachments(
      db,
      unitId,
      ids.filter((id) => z.uuid().safeParse(id).success),
    );
    const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !found.some((f) => f.id === id));
    if (missing.length) {
      throw new Problem(
        422,
        'unknown_attachment',
        'Unknown attachment',
        "a report cites only files uploaded for this unit's reports",
        {
          errors: missing.map(({ i }) => ({
            path: `body.attachments.${i}`,
            message: "not a file uploaded for this unit's report",
          })),
        },
      );
    }
  }
  const view = (
    row: ReportRow | undefined,
    p: { period: string; title: string; dueAt: string },
    c: CampaignScope,
    unit: { id: string; name: string; path: string },
    u: AuthUser,
  ) => {
    const s = stateOf(row);
    // What this caller may do now: as the unit (draft, submit) and/or as the office (return, accept) —
    // an office supervisor who also leads a reporting department (镇乡村振兴办) does both.
    const allowed = [
      ...(writesFor(u, unit) ? allowedReportCommands(s, 'unit') : []),
      ...(isOffice(u, c)
        ? allowedReportCommands(s, 'office', { actorId: u.id, actorUnitPath: u.unitPath, unitPath: unit.path })
        : []),
    ];
    return {
      campaignId: c.id,
      period: p.period,
      title: p.title,
      unitId: unit.id,
      unitName: unit.name,
      status: s.status,
      version: s.version,
      dueAt: p.dueAt,
      late: s.late,
      firstSubmittedAt: s.firstSubmittedAt,
      submittedAt: s.submittedAt,
      acceptedAt: s.acceptedAt,
      returnCount: s.returnCount,
      narrative: s.narrative,
      attachments: s.attachments,
      stats: s.stats,
      history: row?.history ?? [],
      allowedCommands: allowed,
    };
  };

  app.get(
    '/campaigns/:id/report-config',
    {
      schema: {
        tags: ['reports'],
        summary: 'The report cycle (月报) and accountability rules',
        params: campaignParams,
        response: { 200: configView, ...problemResponses },
      },
    },
    async (req) => {
      const c = await access.visibleCampaign(req.user!, req.params.id);
      const cfg = await configOf(c);
      const until = (c.endsOn ?? `${Number(cfg.cycle.firstMonth.slice(0, 4))}-12-31`).slice(0, 7);
      return {
        campaignId: c.id,
        cycle: cfg.cycle,
        accountability: cfg.accountability,
        periods: cyclePeriods(cfg.cycle, until, await env.calendar()),
      };
    },
  );

  app.put(
    '/campaigns/:id/report-config',
    {
      schema: {
        tags: ['reports'],
        summary: 'Set the report cycle and accountability rules (campaign office)',
        params: campaignParams,
        body: z.strictObject({ cycle: z.unknown(), accountability: z.unknown().optional() }),
        response: { 200: configView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const c = await access.visibleCampaign(u, req.params.id);
      if (!isOffice(u, c)) throw forbidden('only the campaign office sets its report cycle');
      const cycle = reportCycleSchema.safeParse(req.body.cycle);
      if (!cycle.success) invalid('invalid_report_cycle', 'the report cycle breaks a rule', cycle.error, 'body.cycle');
      const acc = accountabilitySchema.safeParse(req.body.accountability ?? DEFAULT_ACCOUNTABILITY);
      if (!acc.success)
        invalid(
          'invalid_accountability_rules',
          'the accountability rules break a rule',
          acc.error,
          'body.accountability',
        );
      await reportsOf.setConfig({ campaign: c, cycle: cycle.data, accountability: acc.data, now: now() });
      const until = (c.endsOn ?? `${cycle.data.firstMonth.slice(0, 4)}-12-31`).slice(0, 7);
      return {
        campaignId: c.id,
        cycle: cycle.data,
        accountability: acc.data,
        periods: cyclePeriods(cycle.data, until, await env.calendar()),
      };
    },
  );

  app.get(
    '/campaigns/:id/reports/:period',
    {
      schema: {
        tags: ['reports'],
        summary: 'The board of a period: who has reported, who is late, who has not',
        params: z.object({ id: z.uuid(), period: z.string().max(50) }),
        response: { 200: boardView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      // Two round trips: the campaign with its cycle, then the board.
      const { config, ...c } = await access.visibleCampaignWithConfig(u, req.params.id);
      const { cfg, p } = await periodOf(c, req.params.period, config);
      const units = await reportBoard(db, c.id, cfg.cycle, p, now(), seesAll(u, c) ? null : u.unitPath);
      const counts: Record<string, number> = {};
      for (const x of units) counts[x.standing] = (counts[x.standing] ?? 0) + 1;
      return { period: p, counts, units };
    },
  );

  app.get(
    '/campaigns/:id/reports/:period/units/:unitId',
    {
      schema: {
        tags: ['reports'],
        summary: "One unit's report for a period",
        params: reportParams,
        response: { 200: reportView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const u = req.user!;
      const c = await access.visibleCampaign(u, req.params.id);
      const { cfg, p } = await periodOf(c, req.params.period);
      const unit = await unitOf(u, c, req.params.unitId, cfg.cycle.reportingUnitIds);
      const row = await reportRow(db, c.id, p.period, unit.id);
      reply.header('etag', `"${row?.version ?? 0}"`);
      return view(row, p, c, unit, u);
    },
  );

  app.get(
    '/campaigns/:id/reports/:period/units/:unitId/stats',
    {
      schema: {
        tags: ['reports'],
        summary:
          "The period's statistics recomputed from the event trail as of an instant (default: the frozen snapshot's instant, or now)",
        params: reportParams,
        querystring: z.object({ asOf: z.iso.datetime().optional() }),
        response: { 200: reportStatsView, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const c = await access.visibleCampaign(u, req.params.id);
      const { cfg, p } = await periodOf(c, req.params.period);
      const unit = await unitOf(u, c, req.params.unitId, cfg.cycle.reportingUnitIds);
      return reportsOf.stats({ campaignId: c.id, period: p, unit, asOf: req.query.asOf, now: now() });
    },
  );

  const act = (type: 'save_draft' | 'submit' | 'return' | 'accept', body: z.ZodType, path: string, summary: string) =>
    app.post(
      `/campaigns/:id/reports/:period/units/:unitId/${path}`,
      {
        schema: {
          tags: ['reports'],
          summary,
          params: reportParams,
          headers: ifMatch,
          body,
          response: { 200: reportView, ...problemResponses },
        },
      },
      async (req, reply) => {
        const u = req.user!;
        const c = await access.visibleCampaign(u, req.params.id);
        const { cfg, p } = await periodOf(c, req.params.period);
        const unit = await unitOf(u, c, req.params.unitId, cfg.cycle.reportingUnitIds);
        const byUnit = type === 'save_draft' || type === 'submit';
        if (byUnit && !writesFor(u, unit)) {
          throw forbidden('only a handler or lead of the reporting unit writes and submits its report');
        }
        if (!byUnit && !isOffice(u, c)) throw forbidden('only the campaign office returns or accepts reports');
        const b = req.body as Record<string, unknown>;
        if (Array.isArray(b.attachments) && b.attachments.length)
          await checkReportFiles(b.attachments as string[], unit.id);
        const row = await reportsOf.act(
          {
            campaignId: c.id,
            period: p,
            unit: { id: unit.id, path: unit.path },
            actorId: actorOf(u).userId,
            actorUnitPath: u.unitPath,
            as: byUnit ? 'unit' : 'office',
            now: now(),
            expectedVersion: parseIfMatch(req.headers['if-match']),
            command: { type, ...b } as ReportAction['command'],
          },
          answerInTransaction(req, reply, 200, (r: ReportRow) => view(r, p, c, unit, u)),
        );
        reply.header('etag', `"${row.version}"`);
        return sendCommitted(req, reply, view(row, p, c, unit, u));
      },
    );

  act(
    'save_draft',
    z.strictObject({ narrative, attachments: attachments.optional() }),
    'draft',
    'Save the report as a draft (本月进展, 存在问题, 下步计划)',
  );
  act(
    'submit',
    z.strictObject({ narrative: narrative.optional(), attachments: attachments.optional() }),
    'submit',
    'Submit the report; its statistics are computed from the ledger and frozen',
  );
  act(
    'return',
    z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
    'return',
    'Return the report for corrections (office)',
  );
  act(
    'accept',
    z.strictObject({ note: z.string().trim().max(2000).optional() }),
    'accept',
    'Accept the report (office)',
  );
};

export default routes;
