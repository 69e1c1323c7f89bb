// The uploaded sheet sent back with its bad cells marked: red fill and a note per problem, and a
// 校验结果 column at the end of each data row.
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excel } from '../exceljs.ts';
import { neutralise } from '../safe-cell.ts';
import { cellText } from './header.ts';
import type { Cell } from './read.ts';
import type { RowPlan } from './plan.ts';

const letterIndex = (col: string) => [...col].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);

export async function writeMarked(
  out: Writable,
  rows: Cell[][],
  plans: RowPlan[],
  headerRows: number[],
): Promise<void> {
  const wb = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('校验结果');
  const width = Math.max(1, ...rows.map((r) => r.length));
  const byRow = new Map(plans.map((p) => [p.row, p]));
  // Problems and warnings by the row they are on (a problem merged over rows may be wrong on a later row).
  const cells = new Map<number, { column: string; message: string; warning: boolean }[]>();
  for (const plan of plans)
    for (const [list, warning] of [
      [plan.problems, false],
      [plan.warnings ?? [], true],
    ] as const)
      for (const p of list) {
        if (p.column === '-') continue;
        const r = p.row ?? plan.row;
        cells.set(r, [...(cells.get(r) ?? []), { column: p.column, message: p.message, warning }]);
      }
  const resultCol = width + 1;
  for (let i = 0; i < rows.length; i++) {
    const row = ws.getRow(i + 1);
    (rows[i] ?? []).forEach((c, j) => {
      const cell = row.getCell(j + 1);
      cell.value =
        c instanceof Date
          ? c
          : typeof c === 'number'
            ? c
            : neutralise(cellText(c) || (c && typeof c === 'object' && 'formula' in c ? `=${c.formula}` : ''));
      if (c instanceof Date) cell.numFmt = 'yyyy-mm-dd';
    });
    if (headerRows.includes(i)) row.getCell(resultCol).value = '校验结果';
    for (const p of cells.get(i + 1) ?? []) {
      const cell = row.getCell(letterIndex(p.column));
      // Errors red, warnings (e.g. a problem under two 专项) yellow; the note says why.
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: p.warning ? 'FFFFEB9C' : 'FFFFC7CE' } };
      cell.font = { color: { argb: p.warning ? 'FF9C5700' : 'FF9C0006' } };
      cell.note = p.message;
    }
    const plan = byRow.get(i + 1);
    if (plan) {
      const text =
        plan.status === 'error'
          ? `错误：${plan.problems.map((p) => `${p.column}列 ${p.message}`).join('；')}`
          : plan.status === 'duplicate'
            ? `跳过：${plan.notes.join('；')}`
            : `可导入${plan.notes.length ? `（${plan.notes.join('；')}）` : ''}`;
      const rc = row.getCell(resultCol);
      rc.value = neutralise(text);
      if (plan.status === 'error') rc.font = { color: { argb: 'FF9C0006' }, bold: true };
    }
    row.commit();
  }
  ws.commit();
  await wb.commit();
}
