// The dry run's row-by-row report, as the import job keeps it and the API answers it: the header
// found, the totals, and for each problem its status, per-cell problems and warnings, notes and a
// preview of the item (with the office's own words for its status and deadline). Pure.
import { FIELD_NAMES, type HeaderMatch, type ImportField } from './header.ts';
import { columnLetter, type Problem, type RowPlan } from './plan.ts';

export interface ImportReport {
  fileName: string;
  header: {
    rows: number[];
    dataStartRow: number;
    columns: { column: string; header: string; field: ImportField | null; fieldName: string | null }[];
  };
  totals: { rows: number; ok: number; errors: number; duplicates: number };
  warnings: string[];
  rows: {
    row: number;
    status: RowPlan['status'];
    problems: Problem[];
    warnings: Problem[];
    notes: string[];
    preview?: {
      title: string;
      unit: string | null;
      deadline: string | null;
      status: string | null;
      statusWords: string | null;
      deadlineWords: string | null;
      rows: number[];
    };
  }[];
}

export function reportOf(fileName: string, header: HeaderMatch, plans: RowPlan[]): ImportReport {
  const report: ImportReport = {
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
    warnings: [],
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
  if (header.missing.length)
    report.warnings.push(`未找到列：${header.missing.map((f) => FIELD_NAMES[f]).join('、')}（对应数据将不导入）`);
  return report;
}
