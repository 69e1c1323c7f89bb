// /api/v1 ledger import (台账导入): dry run with a row-by-row report (JSON, or the workbook with bad
// cells marked), then commit all or nothing; large commits run as a background job with progress.
import { unlink } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import multipart from '@fastify/multipart';
import { eq, getTableColumns } from 'drizzle-orm';
import { fileTypeFromFile } from 'file-type';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ITEM_SOURCES } from '../../../domain/item/types.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { within } from '../../../domain/access/scope.ts';
import { importJobs, importTemplates } from '../../../db/schema.ts';
import { setJob } from '../../../db/queries/import-jobs.ts';
import { contextFor } from '../../../ledger/import/deadline.ts';
import { cellText, FIELD_NAMES, findHeader, IMPORT_FIELDS, ledgerDate } from '../../../ledger/import/header.ts';
import { templateFromSheet } from '../../../ledger/template.ts';
import { existingItemIds, loadImportRefs } from '../../../services/import-refs.ts';
import { writeMarked } from '../../../ledger/import/marked.ts';
import { columnLetter, planImport, type RowPlan } from '../../../ledger/import/plan.ts';
import { readSheet, SheetRejected } from '../../../ledger/import/read.ts';
import { ZipRejected } from '../../../ledger/import/zip-guard.ts';
import type { ImportJobs } from '../../../services/jobs.ts';
import { ledgerImport } from '../../../services/ledger-import.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { actorOf } from '../../plugins/auth.ts';
import { notFound, Problem, problemResponses } from '../../problem.ts';
import { contentDisposition } from '../evidence/http.ts';
import { checkFileName, stageFile } from '../evidence/ingest.ts';
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
  const imports = ledgerImport({ db, engine: deps.engine, clock, jobs: limits.queue, log: app.log });
  await app.register(multipart, {
    throwFileSizeLimit: false,
    preservePath: true,
    limits: { fileSize: limits.maxFileBytes, files: 1, fields: 5, parts: 6 },
  });
  const today = () => new Date(clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);

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
      const part = await req.file();
      if (!part) throw new Problem(400, 'no_file', 'No file', 'the request carried no file part');
      const fileName = checkFileName(part.filename);
      const staged = await stageFile(part.file, fileName, stageDir, {
        remaining: limits.maxFileBytes,
        maxFileBytes: limits.maxFileBytes,
      });
      let rows;
      let merges;
      let header;
      try {
        const type = await fileTypeFromFile(staged.path);
        // A damaged .xlsx may sniff as a plain zip: let the zip guard say what is wrong with it.
        const kind =
          type?.ext === 'xlsx' || (type?.ext === 'zip' && /\.xlsx$/i.test(fileName))
            ? 'xlsx'
            : !type && /\.csv$/i.test(fileName)
              ? 'csv'
              : null;
        if (!kind) {
          throw new Problem(
            415,
            'unsupported_sheet',
            'Unsupported sheet',
            `${fileName} is ${type ? `.${type.ext}` : 'not a spreadsheet'} by its content; send .xlsx (save .xls/.et/.wps files as .xlsx first) or .csv`,
          );
        }
        ({ rows, merges } = await readSheet(staged.path, kind, limits));
      } catch (err) {
        if (err instanceof SheetRejected || err instanceof ZipRejected)
          throw new Problem(422, 'sheet_rejected', 'Sheet rejected', err.message);
        throw err;
      } finally {
        await unlink(staged.path).catch(() => {});
      }
      header = findHeader(rows, refs.campaign ? refs.template : {}, merges);
      if (!header) {
        throw new Problem(
          422,
          'header_not_found',
          'Header not found',
          '未找到表头：前 30 行中没有一行同时包含“问题描述”（或问题内容、具体问题表述）和其他台账列名；可在导入模板中指定列名',
        );
      }
      const ids = header.columns.find((c) => c.field === 'itemId');
      // Deadlines written without a year (6月底, 春节前) belong to the ledger's own year (its title or
      // 填报时间), else to today's.
      const now = today();
      const dated = ledgerDate(rows, header);
      const deadlineContext = dated
        ? { ...contextFor(now), year: dated.year, after: dated.date ?? `${dated.year}-01-01` }
        : contextFor(now);
      const plans = planImport({
        rows,
        header,
        merges,
        deadlineContext,
        units: refs.units,
        unitPrefixes: refs.unitPrefixes,
        categories: refs.categories,
        today: now,
        defaultSource: req.query.defaultSource,
        existingKeys: refs.existingKeys,
        rowKey: refs.rowKey,
        existingItemIds: ids
          ? await existingItemIds(
              db,
              refs.campaign.id,
              rows.slice(header.dataStart).map((r) => cellText(r?.[ids.index])),
            )
          : new Set(),
      });
      const report = reportOf(fileName, header, plans);
      if (header.missing.length) {
        report.warnings.push(`未找到列：${header.missing.map((f) => FIELD_NAMES[f]).join('、')}（对应数据将不导入）`);
      }
      const [job] = await db
        .insert(importJobs)
        .values({
          campaignId: refs.campaign.id,
          userId: user.id,
          fileName,
          mode: req.query.mode,
          status: 'done',
          totalRows: plans.length,
          processedRows: plans.length,
          report,
          finishedAt: clock.now().toISOString(),
        })
        .returning({ id: importJobs.id });
      const jobId = job!.id;

      if (req.query.mode === 'dry_run') {
        if (req.query.format === 'xlsx') {
          const out = new PassThrough();
          void writeMarked(out, rows, plans, header.headerRows).catch((err) => {
            req.log.error({ err }, 'marked workbook failed');
            out.destroy(err as Error);
          });
          return reply
            .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header(
              'content-disposition',
              contentDisposition('attachment', `校验结果-${fileName.replace(/\.(csv|xlsx)$/i, '')}.xlsx`),
            )
            .header('x-import-job', jobId)
            .send(out);
        }
        return { jobId, mode: 'dry_run', ...report };
      }

      if (report.totals.errors > 0) {
        await setJob(db, jobId, { status: 'failed', error: `${report.totals.errors} 行有错误，未导入` });
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
      }
      const out = await imports.commit(
        {
          actor: actorOf(user),
          jobId,
          today: now,
          campaign: refs.campaign,
          leadOf: refs.leadOf,
          fileName,
        },
        plans,
        report.totals.ok,
      );
      if (req.query.saveLayout === 'true') {
        // The office's layout, for the export in its own form (ledger/template.ts).
        const layout = templateFromSheet(rows, merges, header) as unknown as Record<string, unknown>;
        const at = clock.now().toISOString();
        await db
          .insert(importTemplates)
          .values({ campaignId: refs.campaign.id, mapping: refs.template, layout, updatedBy: user.id, updatedAt: at })
          .onConflictDoUpdate({
            target: importTemplates.campaignId,
            set: { layout, updatedBy: user.id, updatedAt: at },
          });
      }
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
      await db
        .insert(importTemplates)
        .values({ campaignId: refs.campaign.id, mapping, updatedBy: user.id, updatedAt: clock.now().toISOString() })
        .onConflictDoUpdate({
          target: importTemplates.campaignId,
          set: { mapping, updatedBy: user.id, updatedAt: clock.now().toISOString() },
        });
      return { mapping };
    },
  );
};

function reportOf(
  fileName: string,
  header: NonNullable<ReturnType<typeof findHeader>>,
  plans: RowPlan[],
): ImportReport {
  return {
    fileName,
    header: {
      rows: header.headerRows.map((r) => r + 1),
      dataStartRow: header.dataStart + 1,
      columns: header.columns.map((c) => ({
        column: columnLetter(c.index),
        header: c.header,
        field: c.field,
        fieldName: c.field ? FIELD_NAMES[c.field] : null,
      })),
    },
    totals: {
      rows: plans.length,
      ok: plans.filter((p) => p.status === 'ok').length,
      errors: plans.filter((p) => p.status === 'error').length,
      duplicates: plans.filter((p) => p.status === 'duplicate').length,
    },
    warnings: [] as string[],
    rows: plans.map((p) => ({
      row: p.row,
      status: p.status,
      problems: p.problems,
      warnings: p.warnings,
      notes: p.notes,
      ...(p.item
        ? {
            preview: {
              title: p.item.title,
              unit: p.item.unit?.name ?? null,
              deadline: p.item.deadline?.kind === 'date' ? p.item.deadline.date : (p.item.deadline?.kind ?? null),
              status: p.item.status?.state ?? null,
              statusWords: p.item.status?.original ?? null,
              deadlineWords: p.item.deadline && p.item.deadline.kind !== 'invalid' ? p.item.deadline.original : null,
              rows: p.item.rows,
            },
          }
        : {}),
    })),
  };
}

export default routes;
