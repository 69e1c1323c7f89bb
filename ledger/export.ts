// Writing the ledger as .xlsx (exceljs streaming writer: rows leave as they are committed) or as
// CSV (UTF-8 with BOM, which Excel and WPS open correctly). Rows arrive page by page.
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excel } from './exceljs.ts';
import { LEDGER_COLUMNS, type LedgerRow, PRINTED_COLUMNS } from './columns.ts';
import { csvField, neutralise } from './safe-cell.ts';

interface LedgerWriter {
  /** Write rows; resolves when the output can take more (backpressure). */
  write(rows: LedgerRow[]): Promise<void>;
  end(): Promise<void>;
}

const waitDrain = (out: Writable) =>
  new Promise<void>((resolve, reject) => {
    if (!out.writableNeedDrain) {
      resolve();
      return;
    }
    const done = () => {
      out.off('drain', done);
      out.off('error', fail);
      out.off('close', done);
      resolve();
    };
    const fail = (e: Error) => {
      out.off('drain', done);
      out.off('close', done);
      reject(e);
    };
    out.once('drain', done).once('error', fail).once('close', done);
  });

/** Lines a value takes in a wrapped column of `width` Excel units (a Chinese character is two units). */
export function wrappedLines(v: unknown, width: number): number {
  if (typeof v !== 'string' || !v) return 1;
  const perLine = Math.max(2, width - 1.5);
  return v.split('\n').reduce((n, part) => {
    let units = 0;
    for (const c of part) units += c.charCodeAt(0) < 0x2000 ? 1.1 : 2.05;
    return n + Math.max(1, Math.ceil(units / perLine));
  }, 0);
}

const LINE_PT = 14.5; // 宋体 11 pt on its line
const FONT = { name: '宋体', size: 11 };
const thin = { style: 'thin' } as const;
const BORDER = { top: thin, bottom: thin, left: thin, right: thin };

/**
 * The ledger as printed for a meeting: landscape A3 fitted to the page's width, title and 截至日期 on
 * top, the column headers repeated on every page, wrapped cells with row heights that show all of
 * their text (set here, since Excel does not grow rows it reads from a file), page numbers in the footer.
 */
export function xlsxWriter(out: Writable, title: string, opts: { asOf?: string } = {}): LedgerWriter {
  const wb = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Zhenggai';
  const last = LEDGER_COLUMNS.length;
  const ws = wb.addWorksheet('问题台账', {
    views: [{ state: 'frozen', ySplit: HEADER_ROW, xSplit: 0 }],
    pageSetup: {
      paperSize: 8 as ExcelJS.PaperSize, // A3 (OOXML paper code 8; exceljs's enum lacks it)
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.3, footer: 0.3 },
      printTitlesRow: `${HEADER_ROW}:${HEADER_ROW}`,
      printArea: `A:${columnLetter(PRINTED_COLUMNS)}`,
    },
    headerFooter: { oddFooter: '&C第 &P 页，共 &N 页', evenFooter: '&C第 &P 页，共 &N 页' },
  });
  ws.columns = LEDGER_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  // One style object per kind, shared by every cell: exceljs caches styles by object identity, and
  // hashing a fresh style per cell costs more than writing the row itself.
  const STYLE = {
    plain: { font: FONT, border: BORDER, alignment: { vertical: 'top' } } as Partial<ExcelJS.Style>,
    wrap: { font: FONT, border: BORDER, alignment: { vertical: 'top', wrapText: true } } as Partial<ExcelJS.Style>,
    date: {
      font: FONT,
      border: BORDER,
      alignment: { vertical: 'top' },
      numFmt: 'yyyy"年"m"月"d"日"',
    } as Partial<ExcelJS.Style>,
  };
  const columnStyle = LEDGER_COLUMNS.map((c) => ('wrap' in c && c.wrap ? STYLE.wrap : STYLE.plain));
  const titleRow = ws.getRow(1);
  titleRow.getCell(1).value = neutralise(title);
  titleRow.height = 32;
  titleRow.getCell(1).font = { name: '方正小标宋简体', size: 20 };
  titleRow.getCell(1).alignment = { horizontal: 'center', vertical: 'middle' };
  ws.mergeCells(1, 1, 1, PRINTED_COLUMNS);
  titleRow.commit();
  const asOfRow = ws.getRow(2);
  if (opts.asOf) {
    const [y, m, d] = opts.asOf.split('-').map(Number);
    asOfRow.getCell(1).value = `截至日期：${y}年${m}月${d}日`;
  }
  asOfRow.getCell(1).font = FONT;
  asOfRow.getCell(1).alignment = { horizontal: 'right', vertical: 'middle' };
  asOfRow.height = 20;
  ws.mergeCells(2, 1, 2, PRINTED_COLUMNS);
  asOfRow.commit();
  const header = ws.getRow(HEADER_ROW);
  LEDGER_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { ...FONT, name: '黑体' };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
    cell.border = BORDER;
  });
  header.height = 30;
  header.commit();
  ws.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: HEADER_ROW, column: last } };
  let n = HEADER_ROW;
  // exceljs's worksheet buffer pushes into the zip without backpressure: rows committed faster than
  // zlib compresses pile up in memory. Wait for the zip's input to drain (exceljs internals: the
  // worksheet stream's pipes; if they change shape, this degrades to no waiting).
  type Internal = { once(e: 'drain', f: () => void): void; _writableState?: { length: number; needDrain: boolean } };
  const zipInput = () => (ws as unknown as { _stream?: { pipes?: Internal[] } })._stream?.pipes?.[0];
  return {
    async write(rows) {
      for (const r of rows) {
        const row = ws.getRow(++n);
        let lines = 1;
        LEDGER_COLUMNS.forEach((c, i) => {
          const v = r[c.key];
          const cell = row.getCell(i + 1);
          cell.value = typeof v === 'string' ? neutralise(v) : v;
          cell.style = v instanceof Date ? STYLE.date : columnStyle[i]!;
          if (i < PRINTED_COLUMNS && 'wrap' in c && c.wrap) lines = Math.max(lines, wrappedLines(v, c.width));
        });
        row.height = lines * LINE_PT + 4;
        row.commit();
      }
      const z = zipInput();
      if (z?._writableState?.needDrain) await new Promise<void>((resolve) => z.once('drain', resolve));
      await waitDrain(out);
    },
    async end() {
      ws.commit();
      await wb.commit();
    },
  };
}

/** Rows above the data: title, 截至日期, column headers. */
export const HEADER_ROW = 3;

const columnLetter = (n: number) => String.fromCharCode(64 + n);

export function csvWriter(out: Writable): LedgerWriter {
  out.write('\ufeff');
  out.write(`${LEDGER_COLUMNS.map((c) => csvField(c.header)).join(',')}\r\n`);
  return {
    async write(rows) {
      const text = rows.map((r) => `${LEDGER_COLUMNS.map((c) => csvField(r[c.key])).join(',')}\r\n`).join('');
      if (!out.write(text)) await waitDrain(out);
    },
    async end() {
      await new Promise<void>((resolve) => out.end(resolve));
    },
  };
}
