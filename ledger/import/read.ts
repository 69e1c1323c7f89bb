// Reading an uploaded sheet into a grid of cells, within bounds: the first worksheet of an .xlsx
// (exceljs streaming reader, after the zip guard) or a CSV (UTF-8, with or without BOM, or GB18030
// as Excel on Chinese Windows saves it).
import { readFile } from 'node:fs/promises';
import type ExcelJS from 'exceljs';
import { excel } from '../exceljs.ts';
import { readMerges } from './merges.ts';
import { checkZip } from './zip-guard.ts';

export type Cell = string | number | Date | boolean | { formula: string; result: unknown } | null;
/** A merged range, 0-based and inclusive. */
export interface Merge {
  top: number;
  left: number;
  bottom: number;
  right: number;
}
export interface Grid {
  /** rows[i] is spreadsheet row i+1; cells[j] is column j+1. */
  rows: Cell[][];
  sheetName: string;
  merges: Merge[];
}

export class SheetRejected extends Error {}

export interface ReadLimits {
  maxRows: number;
  maxColumns: number;
  maxUncompressedBytes: number;
}

export async function readSheet(path: string, kind: 'xlsx' | 'csv', limits: ReadLimits): Promise<Grid> {
  return kind === 'xlsx' ? readXlsx(path, limits) : readCsv(path, limits);
}

async function readXlsx(path: string, limits: ReadLimits): Promise<Grid> {
  await checkZip(path, { maxUncompressedBytes: limits.maxUncompressedBytes });
  const reader = new (excel().stream.xlsx.WorkbookReader)(path, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'emit',
  });
  for await (const ws of reader) {
    const rows: Cell[][] = [];
    const sheetName = (ws as unknown as { name?: string }).name ?? 'Sheet1';
    for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
      if (row.number > limits.maxRows + 30) {
        throw new SheetRejected(
          `表格超过 ${limits.maxRows} 行上限（读取到第 ${row.number} 行时停止），请拆分后分批导入`,
        );
      }
      const values = row.values as Cell[]; // 1-based: values[0] is empty
      if (values.length - 1 > limits.maxColumns) {
        const used = values.slice(limits.maxColumns + 1).some((v) => v !== null && v !== undefined && v !== '');
        if (used) throw new SheetRejected(`第 ${row.number} 行超过 ${limits.maxColumns} 列上限`);
      }
      const cells = values.slice(1, limits.maxColumns + 1).map(normalise);
      rows[row.number - 1] = cells;
    }
    for (let i = 0; i < rows.length; i++) rows[i] ??= [];
    const id = (ws as unknown as { id?: number }).id;
    const merges = id ? await readMerges(path, `xl/worksheets/sheet${id}.xml`) : [];
    return { rows, sheetName, merges };
  }
  throw new SheetRejected('工作簿中没有工作表');
}

function normalise(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('richText' in o && Array.isArray(o.richText))
      return (o.richText as { text: string }[]).map((t) => t.text).join('');
    if ('formula' in o || 'sharedFormula' in o)
      return { formula: String(o.formula ?? o.sharedFormula), result: o.result ?? null };
    if ('text' in o) return String(o.text);
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

async function readCsv(path: string, limits: ReadLimits): Promise<Grid> {
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('gb18030').decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: Cell[][] = [];
  let row: Cell[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    if (row.length >= limits.maxColumns) {
      if (field.trim() !== '') throw new SheetRejected(`第 ${rows.length + 1} 行超过 ${limits.maxColumns} 列上限`);
    } else row.push(field === '' ? null : field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
    if (rows.length > limits.maxRows + 30)
      throw new SheetRejected(`表格超过 ${limits.maxRows} 行上限，请拆分后分批导入`);
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') endRow();
    else if (ch === '\r') {
      if (text[i + 1] !== '\n') endRow();
    } else field += ch;
  }
  if (field !== '' || row.length) endRow();
  return { rows, sheetName: 'CSV', merges: [] };
}
