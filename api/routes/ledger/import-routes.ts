// /api/v1 ledger import (台账导入): dry run with a row-by-row report (JSON, or the workbook with bad
// cells marked), then commit all or nothing; large commits run as a background job with progress.
import { unlink } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import multipart from '@fastify/multipart';
import { eq, getTableColumns } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ITEM_SOURCES } from '../../../domain/item/types.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { saveMapping } from '../../../db/queries/import-templates.ts';
import { within } from '../../../domain/access/scope.ts';
import { importJobs } from '../../../db/schema.ts';
import { FIELD_NAMES, IMPORT_FIELDS } from '../../../ledger/import/header.ts';
import { loadImportRefs } from '../../../services/import-refs.ts';
import type { ImportJobs } from '../../../services/jobs.ts';
import { ledgerImport, type SheetImported } from '../../../services/ledger-import.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { actorOf } from '../../plugins/auth.ts';
import { notFound, Problem, problemResponses } from '../../problem.ts';
import { contentDisposition } from '../evidence/http.ts';
import { checkFileName, mapMultipartError, stageFile } from '../evidence/ingest.ts';
import { refusedPartName, watchPartNames } from '../evidence/part-names.ts';
import { type ImportReport, importReportView } from './schema.ts';

export { SYNC_COMMIT_ROWS } from '../../../services/ledger-import.ts';

export interface ImportLimits {
  maxRows: number;
  maxColumns: number;
  maxUncompressedBytes: number;
  maxFileBytes: number;
  /** The imports queue (workers/imports.ts): large commits run there. Without it, in this process. */
  queue?: ImportJobs;
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, clock } = deps;
  const stageDir = deps.evidence?.stageDir;
  const limits = deps.imports;
  if (!stageDir || !limits) throw new Error('ledger import needs deps.evidence.stageDir and deps.imports');
  const imports = ledgerImport({
    db,
    engine: deps.engine,
    clock,
    calendar: () => deps.env.calendar(),
    jobs: limits.queue,
    log: app.log,
  });
  await app.register(multipart, {
    throwFileSizeLimit: false,
    preservePath: true,
    limits: { fileSize: limits.maxFileBytes, files: 1, fields: 5, parts: 6 },
  });

  async function refsFor(user: AuthUser, campaignId: string) {
    const refs = await loadImportRefs(db, campaignId);
    if (
      !refs ||
      !(
        user.scopePath === null ||
        within(refs.campaign.ownerPath, user.scopePath) ||
        within(refs.campaign.areaPath, user.scopePath)
      )
    )
      throw notFound('campaign');
    return refs;
  }

  app.post(
    '/campaigns/:id/imports',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Import a problem list (.xlsx or .csv): dry run first, then commit (all or nothing)',
        params: z.object({ id: z.uuid() }),
        querystring: z.strictObject({
          mode: z.enum(['dry_run', 'commit']).default('dry_run'),
          format: z
            .enum(['json', 'xlsx'])
            .default('json')
            .describe('xlsx: the dry run as the workbook with bad cells marked'),
          defaultSource: z.enum(ITEM_SOURCES).default('third_party').describe('问题来源 for rows that give none'),
          saveLayout: z
            .enum(['true', 'false'])
            .default('false')
            .describe('on commit: keep this ledger’s layout for GET /ledger/export?layout=office'),
        }),
      },
    },
    async (req, reply) => {
      const user = req.user!;
      requireRole(user, ['supervisor']);
      const refs = await refsFor(user, req.params.id);
      if (!req.isMultipart())
        throw new Problem(
          415,
          'unsupported_media_type',
          'Unsupported media type',
          'send the sheet as multipart/form-data (one file part)',
        );
      // One sheet per request, read to the end: a second file, or a part the parser dropped for a line
      // break in its name, refuses the request before anything is kept.
      const refusedName = watchPartNames(req.raw, req.headers['content-type']);
      const parts = req.files();
      const first = await parts.next().catch((err) => {
        throw mapMultipartError(err);
      });
      if (first.done) {
        const dropped = refusedName();
        throw dropped !== null
          ? refusedPartName(dropped)
          : new Problem(400, 'no_file', 'No file', 'the request carried no file part');
      }
      const fileName = checkFileName(first.value.filename);
      const staged = await stageFile(first.value.file, fileName, stageDir, {
        remaining: limits.maxFileBytes,
        maxFileBytes: limits.maxFileBytes,
      });
      try {
        if (!(await parts.next()).done)
          throw new Problem(413, 'too_many_files', 'Too many files', 'send one sheet per request');
        const dropped = refusedName();
        if (dropped !== null) throw refusedPartName(dropped);
      } catch (err) {
        await unlink(staged.path).catch(() => {});
        throw mapMultipartError(err);
      }
      let out: SheetImported;
      try {
        // An Idempotency-Key covers the sheet's bytes too: the same key with another sheet is refused.
        if (req.claimUpload && (await req.claimUpload([staged]))) return reply;
        out = await imports.importSheet({
          user: { id: user.id, actor: actorOf(user) },
          refs,
          file: { path: staged.path, name: fileName },
          mode: req.query.mode,
          defaultSource: req.query.defaultSource,
          saveLayout: req.query.saveLayout === 'true',
          limits,
        });
      } finally {
        await unlink(staged.path).catch(() => {});
      }
      const { jobId, report } = out;
      if (out.mode === 'dry_run') {
        if (req.query.format === 'xlsx') {
          const body = new PassThrough();
          void out.marked(body).catch((err) => {
            req.log.error({ err }, 'marked workbook failed');
            body.destroy(err as Error);
          });
          return reply
            .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header(
              'content-disposition',
              contentDisposition('attachment', `校验结果-${fileName.replace(/\.(csv|xlsx)$/i, '')}.xlsx`),
            )
            .header('x-import-job', jobId)
            .send(body);
        }
        return { jobId, mode: 'dry_run', ...report };
      }
      if ('refused' in out)
        return reply
          .code(422)
          .type('application/problem+json; charset=utf-8')
          .send({
            type: 'https://zhenggai.dev/problems/import_has_errors',
            title: 'Import has errors',
            status: 422,
            code: 'import_has_errors',
            detail: `${report.totals.errors} 行有错误，整批未导入；请按报告修改后重新导入`,
            jobId,
            ...report,
          });
      if (out.status === 'done') return { jobId, mode: 'commit', status: 'done', created: out.created, ...report };
      return reply
        .code(202)
        .header('location', `/api/v1/imports/${jobId}`)
        .send({ jobId, mode: 'commit', status: out.status, ...report });
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        tags: ['ledger'],
        summary: 'An import job: status, progress and its row-by-row report',
        params: z.object({ id: z.uuid() }),
        response: {
          200: z
            .object({
              jobId: z.string(),
              campaignId: z.string(),
              fileName: z.string(),
              mode: z.string(),
              status: z.string(),
              totalRows: z.number().nullable(),
              processedRows: z.number().nullable(),
              createdItems: z.number().nullable(),
              attempts: z.number(),
              error: z.string().nullable(),
              createdAt: z.string(),
              finishedAt: z.string().nullable(),
              report: importReportView.nullable(),
            })
            .meta({ id: 'ImportJob' }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const { plan: _plan, ...columns } = getTableColumns(importJobs); // the stored plan can be megabytes: not on every poll
      const [job] = await db.select(columns).from(importJobs).where(eq(importJobs.id, req.params.id));
      const user = req.user!;
      if (
        !job ||
        (job.userId !== user.id &&
          !(await refsFor(user, job.campaignId).then(
            () => true,
            () => false,
          )))
      )
        throw notFound('import');
      return {
        jobId: job.id,
        campaignId: job.campaignId,
        fileName: job.fileName,
        mode: job.mode,
        status: job.status,
        totalRows: job.totalRows,
        processedRows: job.processedRows,
        createdItems: job.createdItems,
        attempts: job.attempts,
        error: job.error,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        // Written once, by reportOf below, when the job row is inserted.
        report: job.report as ImportReport | null,
      };
    },
  );

  app.get(
    '/campaigns/:id/import-template',
    {
      schema: { tags: ['ledger'], summary: "The campaign's saved column mapping", params: z.object({ id: z.uuid() }) },
    },
    async (req) => {
      const refs = await refsFor(req.user!, req.params.id);
      return { mapping: refs.template, fields: FIELD_NAMES };
    },
  );

  app.put(
    '/campaigns/:id/import-template',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Save the column mapping (field → the header text this office uses)',
        params: z.object({ id: z.uuid() }),
        body: z.strictObject({ mapping: z.partialRecord(z.enum(IMPORT_FIELDS), z.string().trim().min(1).max(100)) }),
      },
    },
    async (req) => {
      const user = req.user!;
      requireRole(user, ['supervisor']);
      const refs = await refsFor(user, req.params.id);
      const mapping = req.body.mapping as Record<string, string>;
      await saveMapping(db, { campaignId: refs.campaign.id, mapping, by: user.id, at: clock.now().toISOString() });
      return { mapping };
    },
  );
};

export default routes;
