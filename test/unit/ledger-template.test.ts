// The office's layout kept as a template and used for the export: title, 填报 line, merged header
// rows and column order come out as they went in, and the exported ledger reads back to the same
// items, statuses (with the office's words) and deadlines.
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { STATUS_LABELS } from '../../ledger/columns.ts';
import { contextFor } from '../../ledger/import/deadline.ts';
import { findHeader, ledgerDate } from '../../ledger/import/header.ts';
import { planImport, type PlannedItem } from '../../ledger/import/plan.ts';
import { readSheet, type Grid } from '../../ledger/import/read.ts';
import { ledgerRow } from '../../ledger/rows.ts';
import { templateFromSheet, writeWithTemplate } from '../../ledger/template.ts';

const DIR = join(import.meta.dirname, '../fixtures/ledgers');
const limits = { maxRows: 1000, maxColumns: 60, maxUncompressedBytes: 50_000_000 };
const units = ['朝阳村', '南陈村', '镇劳保所', '镇乡村振兴办'].map((name, i) => ({
  id: `u${i}`,
  name,
  path: `/t/u${i}/`,
}));
const categories = ['重点人群未参保', '饮水安全', '住房安全'].map((name, i) => ({ id: `c${i}`, code: `c${i}`, name }));

function planOf(grid: Grid) {
  const header = findHeader(grid.rows, {}, grid.merges)!;
  const ld = ledgerDate(grid.rows, header);
  const plans = planImport({
    rows: grid.rows,
    header,
    merges: grid.merges,
    units,
    unitPrefixes: ['朝阳镇'],
    categories,
    today: '2026-03-02',
    deadlineContext: ld
      ? { ...contextFor('2026-03-02'), year: ld.year, after: ld.date ?? `${ld.year}-01-01` }
      : undefined,
    defaultSource: 'inspection',
    existingKeys: new Set(),
    existingItemIds: new Set(),
    rowKey: (p) => p.join('|'),
  });
  return { header, items: plans.filter((p) => p.item).map((p) => p.item!) };
}

/** What the database would hand the export for an item imported from this plan. */
function exported(it: PlannedItem, i: number) {
  const status = it.status?.state === 'reported' || !it.status ? 'assigned' : it.status.state;
  return {
    row: ledgerRow({
      id: `00000000-0000-4000-8000-00000000000${i}`,
      seqNo: i + 1,
      source: it.source,
      title: it.title,
      description: it.description,
      status,
      deadline: it.deadline?.kind === 'date' ? it.deadline.date : null,
      overdue: it.overdue,
      flagged: false,
      closedAt: status === 'closed' ? '2024-04-18T02:00:00.000Z' : null,
      categoryName: categories.find((c) => c.id === it.categoryId)?.name ?? null,
      responsibleName: it.unit?.name ?? null,
      measures: it.measures,
      mode: it.deadline?.kind === 'immediate' ? 'immediate' : 'phased',
      location: null,
      flagReason: null,
      deadlineProvisional: false,
      extensionsGranted: 0,
      qualityWarnings: null,
      openEvidenceWarnings: 0,
      progress: it.progress,
      head: null,
      importedStatus: it.status?.original ?? null,
      importedDeadline: it.deadline?.original ?? null,
    }),
    original: it.original,
  };
}

async function roundTrip(file: string) {
  const grid = await readSheet(join(DIR, file), 'xlsx', limits);
  const first = planOf(grid);
  const template = templateFromSheet(grid.rows, grid.merges, first.header);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeWithTemplate(out, template, null, [first.items.map(exported)]);
  const dir = await mkdtemp(join(tmpdir(), 'tpl-'));
  await writeFile(join(dir, 'out.xlsx'), Buffer.concat(chunks));
  const back = await readSheet(join(dir, 'out.xlsx'), 'xlsx', limits);
  return { grid, first, template, back, second: planOf(back) };
}

describe('export through the office template', () => {
  it('01 township: the title, 填报 line, two merged header rows and the column order come back as they were', async () => {
    const { grid, back, first, second } = await roundTrip('01-township-two-row.xlsx');
    expect(back.rows.slice(0, 4).map((r) => r.map((c) => c ?? ''))).toEqual(
      grid.rows.slice(0, 4).map((r) => r.map((c) => c ?? '')),
    );
    const sort = (ms: typeof grid.merges) => ms.map((m) => [m.top, m.left, m.bottom, m.right].join()).sort();
    expect(sort(back.merges)).toEqual(sort(grid.merges.filter((m) => m.bottom < first.header.dataStart)));
    expect(second.header.columns.map((c) => [c.path, c.field])).toEqual(
      first.header.columns.map((c) => [c.path, c.field]),
    );
  });
  it('01 township: items, statuses with the office words, deadlines and units read back the same', async () => {
    const { first, second } = await roundTrip('01-township-two-row.xlsx');
    const view = (it: PlannedItem) => ({
      description: it.description,
      unit: it.unit?.name,
      state: it.status?.state,
      partial: it.status?.partial,
      standing: it.standing,
      deadline: it.deadline?.kind === 'date' ? it.deadline.date : it.deadline?.kind,
    });
    expect(second.items.map(view)).toEqual(first.items.map(view));
    // The office's words beside ours: 整改中 (逾期) is ours, 已完成；整改中；已完成并长期坚持 theirs.
    expect(second.items[1]!.status!.original).toBe(
      `${STATUS_LABELS.in_progress}（逾期）（原：已完成；整改中；已完成并长期坚持）`,
    );
  });
  it('08 five header rows with a column-number row: the numbering row is kept in the layout, not read as data', async () => {
    const { back, first, second, template } = await roundTrip('08-five-row-header.xlsx');
    expect(template.top).toHaveLength(6);
    expect(back.rows[5]!.slice(0, 3)).toEqual([1, 2, 3]);
    expect(second.header.dataStart).toBe(6);
    expect(second.items.map((i) => i.status?.state)).toEqual(first.items.map((i) => i.status?.state));
    expect(back.rows[6]![8]).toEqual(new Date('2024-04-18T00:00:00.000Z')); // 销号时间: our 是否销号/销号时间
  });
  it('02 three header levels: a column we do not keep (责任领导) repeats the words it was imported with', async () => {
    const { back, first, second } = await roundTrip('02-inspection-three-level.xlsx');
    expect(back.rows[4]![4]).toBe('王副镇长');
    expect(second.header.headerRows).toEqual(first.header.headerRows);
    expect(second.items.map((i) => i.description)).toEqual(first.items.map((i) => i.description));
  });
});
