// Writing the ledger as .xlsx (exceljs streaming writer: rows leave as they are committed) or as
// CSV (UTF-8 with BOM, which Excel and WPS open correctly). Rows arrive page by page.
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { LEDGER_COLUMNS, type LedgerRow } from './columns.ts';
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

export function xlsxWriter(out: Writable, title: string): LedgerWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Zhenggai';
  const ws = wb.addWorksheet('问题台账', {
    views: [{ state: 'frozen', ySplit: 2, xSplit: 0 }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 },
  });
  ws.columns = LEDGER_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  // One style object per kind, shared by every cell: exceljs caches styles by object identity, and
  // hashing a fresh style per cell costs more than writing the row itself.
  const STYLE = {
    plain: { alignment: { vertical: 'top' } } as Partial<ExcelJS.Style>,
    wrap: { alignment: { vertical: 'top', wrapText: true } } as Partial<ExcelJS.Style>,
    date: { alignment: { vertical: 'top' }, numFmt: 'yyyy-mm-dd' } as Partial<ExcelJS.Style>,
  };
  const columnStyle = LEDGER_COLUMNS.map((c) => ('wrap' in c && c.wrap ? STYLE.wrap : STYLE.plain));
  const last = LEDGER_COLUMNS.length;
  const titleRow = ws.getRow(1);
  titleRow.getCell(1).value = neutralise(title);
  titleRow.height = 30;
  titleRow.getCell(1).font = { name: '宋体', size: 16, bold: true };
  titleRow.getCell(1).alignment = { horizontal: 'center', vertical: 'middle' };
  ws.mergeCells(1, 1, 1, last);
  titleRow.commit();
  const header = ws.getRow(2);
  LEDGER_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { name: '宋体', size: 11, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
    cell.border = {
      top: { style: 'thin' },
      bottom: { style: 'thin' },
      left: { style: 'thin' },
      right: { style: 'thin' },
    };
  });
  header.height = 28;
  header.commit();
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: last } };
  let n = 2;
  // exceljs's worksheet buffer pushes into the zip without backpressure: rows committed faster than
  // zlib compresses pile up in memory. Wait for the zip's input to drain (exceljs internals: the
  // worksheet stream's pipes; if they change shape, this degrades to no waiting).
  type Internal = { once(e: 'drain', f: () => void): void; _writableState?: { length: number; needDrain: boolean } };
  const zipInput = () => (ws as unknown as { _stream?: { pipes?: Internal[] } })._stream?.pipes?.[0];
  return {
    async write(rows) {
      for (const r of rows) {
        const row = ws.getRow(++n);
        LEDGER_COLUMNS.forEach((c, i) => {
          const v = r[c.key];
          const cell = row.getCell(i + 1);
          cell.value = typeof v === 'string' ? neutralise(v) : v;
          cell.style = v instanceof Date ? STYLE.date : columnStyle[i]!;
        });
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
