// Request shapes for the ledger export (zod), beside routes.ts, and the import report import-routes.ts answers.
import { z } from 'zod';
import { IMPORT_FIELDS } from '../../../ledger/import/header.ts';
import { listQuery } from '../../schemas/common.ts';

/** The list's filters, without paging: the export is every matching row. */
export const exportQuery = listQuery.omit({ cursor: true, limit: true, count: true, sort: true, order: true }).extend({
  format: z.enum(['xlsx', 'csv']).default('xlsx'),
  /** office: the campaign's own layout (saved from a ledger it imported), xlsx only. */
  layout: z.enum(['standard', 'office']).default('standard'),
});

/** The dry run's row-by-row report (ledger/import/report.ts), kept on the import job. */
const importField = z.enum(IMPORT_FIELDS).nullable();
/** A cell the dry run reports: on the problem's first row unless `row` says another. */
const cellProblem = z.object({
  row: z.number().optional(),
  column: z.string(),
  field: importField,
  value: z.string(),
  message: z.string(),
});
export const importReportView = z
  .object({
    fileName: z.string(),
    header: z.object({
      rows: z.array(z.number()),
      dataStartRow: z.number(),
      columns: z.array(
        z.object({ column: z.string(), header: z.string(), field: importField, fieldName: z.string().nullable() }),
      ),
    }),
    totals: z.object({ rows: z.number(), ok: z.number(), errors: z.number(), duplicates: z.number() }),
    warnings: z.array(z.string()),
    rows: z.array(
      z.object({
        row: z.number(),
        status: z.enum(['ok', 'error', 'duplicate']),
        problems: z.array(cellProblem),
        warnings: z.array(cellProblem).optional(),
        notes: z.array(z.string()),
        preview: z
          .object({
            title: z.string(),
            unit: z.string().nullable(),
            deadline: z.string().nullable(),
            status: z.string().nullable().optional(),
            statusWords: z.string().nullable().optional(),
            deadlineWords: z.string().nullable().optional(),
            rows: z.array(z.number()).optional(),
          })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'ImportReport' });
export type ImportReport = z.infer<typeof importReportView>;
