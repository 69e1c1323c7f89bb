// The office's own ledger layout (台账模板): the rows above its data (title, 填报 line, header rows of
// one to five levels, a column-number row), their merges and widths, and which column holds what.
// Taken from a ledger the office uploads, kept as plain JSON, and used to write the export in that
// same form, so the ledger goes upward the way the county asked for it. Pure apart from the writer.
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excel } from './exceljs.ts';
import { LEDGER_COLUMNS, type LedgerColumnKey, type LedgerRow } from './columns.ts';
import { cellText, type HeaderMatch } from './import/header.ts';
import type { Cell, Merge } from './import/read.ts';
import { neutralise } from './safe-cell.ts';

export interface LedgerTemplate {
  /** Every row above the data, as text (dates and numbers as shown). */
  top: string[][];
  /** Merged ranges inside `top`, 0-based. */
  merges: Merge[];
  /** Per column: the export field it holds, or the header whose original words it repeats. */
  columns: ({ field: LedgerColumnKey } | { header: string } | null)[];
  widths: number[];
  /** The row of `top` that holds the title: replaced by the export's title when asked. */
  titleRow: number | null;
}

const EXPORT_KEYS = new Set<string>(LEDGER_COLUMNS.map((c) => c.key));

/** The template of an uploaded ledger: everything above `header.dataStart`, columns by their field. */
export function templateFromSheet(rows: Cell[][], merges: Merge[], header: HeaderMatch): LedgerTemplate {
  const width = Math.max(
    ...header.columns.map((c) => c.index + 1),
    ...rows.slice(0, header.dataStart).map((r) => r?.length ?? 0),
  );
  const top = rows.slice(0, header.dataStart).map((r) => Array.from({ length: width }, (_, j) => cellText(r?.[j])));
  const byIndex = new Map(header.columns.map((c) => [c.index, c]));
  const columns = Array.from({ length: width }, (_, j) => {
    const c = byIndex.get(j);
    if (!c) return null;
    return c.field && EXPORT_KEYS.has(c.field) ? { field: c.field as LedgerColumnKey } : { header: c.header };
  });
  const first = header.headerRows[0] ?? 0;
  const titleRow = first > 0 && top[0]!.filter((t) => t !== '').length === 1 ? 0 : null;
  return {
    top,
    merges: merges.filter((m) => m.bottom < header.dataStart),
    columns,
    widths: columns.map((c) => (c && 'field' in c ? (LEDGER_COLUMNS.find((l) => l.key === c.field)?.width ?? 14) : 14)),
    titleRow,
  };
}

export interface TemplateRow {
  row: LedgerRow;
  /** The words the item was imported with, by header (imported_rows.original). */
  original?: Record<string, string>;
}

/** Write the ledger in the office's layout (exceljs streaming writer). */
export async function writeWithTemplate(
  out: Writable,
  template: LedgerTemplate,
  title: string | null,
  rows: AsyncIterable<TemplateRow[]> | Iterable<TemplateRow[]>,
): Promise<void> {
  const wb = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('问题台账', {
    views: [{ state: 'frozen', ySplit: template.top.length, xSplit: 0 }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 },
  });
  ws.columns = template.widths.map((w) => ({ width: w }));
  const thin = { style: 'thin' as const };
  const border = { top: thin, left: thin, bottom: thin, right: thin };
  const head: Partial<ExcelJS.Style> = {
    font: { name: '宋体', size: 11, bold: true },
    alignment: { horizontal: 'center', vertical: 'middle', wrapText: true },
    border,
  };
  const body: Partial<ExcelJS.Style> = { alignment: { vertical: 'top', wrapText: true }, border };
  const date: Partial<ExcelJS.Style> = { ...body, numFmt: 'yyyy-mm-dd' };
  // Merges first: the streaming writer needs them before the rows they cover are committed.
  for (const m of template.merges) ws.mergeCells(m.top + 1, m.left + 1, m.bottom + 1, m.right + 1);
  template.top.forEach((texts, i) => {
    const row = ws.getRow(i + 1);
    texts.forEach((t, j) => {
      const v = i === template.titleRow && title && t !== '' ? title : t;
      if (v === '') return;
      const cell = row.getCell(j + 1);
      cell.value = /^\d+$/.test(v) && i > (template.titleRow ?? -1) ? Number(v) : neutralise(v);
      cell.style = i === template.titleRow ? { ...head, font: { name: '宋体', size: 16, bold: true } } : head;
    });
    row.commit();
  });
  let n = template.top.length;
  for await (const page of rows) {
    for (const { row: r, original } of page) {
      const row = ws.getRow(++n);
      template.columns.forEach((c, j) => {
        if (!c) return;
        const v = 'field' in c ? r[c.field] : (original?.[c.header] ?? null);
        const cell = row.getCell(j + 1);
        cell.value = typeof v === 'string' ? neutralise(v) : v;
        cell.style = v instanceof Date ? date : body;
      });
      row.commit();
    }
  }
  ws.commit();
  await wb.commit();
}
