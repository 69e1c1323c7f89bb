// Ten ledger layouts the way offices publish them (test/fixtures/ledgers, made by make.ts): each read
// from the file, its header block found and flattened, and its problems planned with the statuses,
// deadlines and original words the sheet says — no database, the pure import path.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextFor } from '../../ledger/import/deadline.ts';
import { findHeader, ledgerDate } from '../../ledger/import/header.ts';
import { type PlanInput, planImport, type RowPlan } from '../../ledger/import/plan.ts';
import { readSheet } from '../../ledger/import/read.ts';

const DIR = join(import.meta.dirname, '../fixtures/ledgers');
const TODAY = '2026-03-02';
const units = ['朝阳村', '南陈村', '镇劳保所', '镇乡村振兴办', '镇督查考评办'].map((name, i) => ({
  id: `u${i}`,
  name,
  path: `/t/u${i}/`,
}));
const categories = ['重点人群未参保', '饮水安全', '住房安全'].map((name, i) => ({ id: `c${i}`, code: `c${i}`, name }));

async function plan(file: string, extra: Partial<PlanInput> = {}) {
  const grid = await readSheet(join(DIR, file), file.endsWith('.csv') ? 'csv' : 'xlsx', {
    maxRows: 1000,
    maxColumns: 60,
    maxUncompressedBytes: 50_000_000,
  });
  const header = findHeader(grid.rows, {}, grid.merges);
  if (!header) throw new Error(`no header in ${file}`);
  const ld = ledgerDate(grid.rows, header);
  const plans = planImport({
    rows: grid.rows,
    header,
    merges: grid.merges,
    units,
    unitPrefixes: ['朝阳镇'],
    categories,
    today: TODAY,
    deadlineContext: ld ? { ...contextFor(TODAY), year: ld.year, after: ld.date ?? `${ld.year}-01-01` } : undefined,
    defaultSource: 'inspection',
    existingKeys: new Set(),
    existingItemIds: new Set(),
    rowKey: (p) => p.join('|'),
    ...extra,
  });
  const fields = Object.fromEntries(header.columns.map((c) => [c.header, c.field]));
  return { header, plans, fields, byRow: (r: number) => plans.find((p) => p.row === r) as RowPlan };
}
const due = (p: RowPlan) => (p.item?.deadline?.kind === 'date' ? p.item.deadline.date : p.item?.deadline?.kind);

describe('01 township ledger: two-row header with 整改情况 over three columns, one problem over three rows', () => {
  it('reads the header block as paths and never as data', async () => {
    const { header, fields } = await plan('01-township-two-row.xlsx');
    expect(header.headerRows).toEqual([2, 3]);
    expect(header.dataStart).toBe(4);
    expect(header.columns.find((c) => c.field === 'deadline')?.path).toEqual(['整改情况', '完成时限']);
    expect(fields).toMatchObject({
      专项: 'category',
      问题描述: 'description',
      完成情况: 'status',
      整改措施: 'measures',
    });
  });
  it('makes one item with three milestones from the merged rows, least advanced status, standing obligation', async () => {
    const { plans, byRow } = await plan('01-township-two-row.xlsx');
    expect(plans.map((p) => p.row)).toEqual([5, 6, 9, 10]);
    const water = byRow(6).item!;
    expect(water.rows).toEqual([6, 7, 8]);
    expect(water.milestones.map((m) => [m.dueOn, m.done])).toEqual([
      ['2022-06-30', true],
      ['2022-09-30', false],
      ['2022-06-30', true],
    ]);
    expect(water.measures).toBe('1. 更换主管道800米\n2. 新建蓄水池一座\n3. 建立管护制度，落实管护员');
    expect(water.status).toMatchObject({ state: 'in_progress', original: '已完成；整改中；已完成并长期坚持' });
    expect(water.standing).toBe(true);
    expect(water.overdue).toBe(true); // 2022-09-30 passed with a step still open: history, not an error
    expect(water.original['完成时限']).toBe('2022.6.30\n2022年9月底\n2022年6月底前完成，长期坚持');
  });
  it('statuses and deadlines as written', async () => {
    const { byRow } = await plan('01-township-two-row.xlsx');
    expect(byRow(5).item).toMatchObject({ status: { state: 'closed', signedOff: false, original: '已完成' } });
    expect(due(byRow(5))).toBe('2022-06-30');
    expect(byRow(9).item?.deadline).toEqual({ kind: 'immediate', original: '立行立改' });
    expect(byRow(9).item?.unit?.name).toBe('朝阳村'); // 朝阳镇朝阳村
    expect(byRow(10).item).toMatchObject({ status: { state: 'in_progress', partial: 'basic', original: '基本完成' } });
    expect(due(byRow(10))).toBe('2022-06-30'); // "6月底" in a ledger filled in 2022
  });
});

describe('02 巡察整改台账: three header levels, 是/否 answers, 否 without a reason', () => {
  it('three levels flatten into paths; 是否按期完成 answers the status', async () => {
    const { header, byRow, fields } = await plan('02-inspection-three-level.xlsx');
    expect(header.headerRows).toEqual([1, 2, 3]);
    expect(header.columns.find((c) => c.field === 'onTime')?.path).toEqual([
      '整改落实情况',
      '完成情况',
      '是否按期完成',
    ]);
    expect(fields).toMatchObject({
      具体问题: 'description',
      问题类别: 'category',
      责任部门: 'unit',
      责任领导: 'leader',
    });
    expect(byRow(5).item).toMatchObject({ status: { state: 'closed', original: '是' }, unit: { name: '镇劳保所' } });
    expect(due(byRow(5))).toBe('2021-06-30'); // the title's year
    expect(due(byRow(7))).toBe('2021-09-30'); // 第三季度
    expect(byRow(8).item).toMatchObject({ deadline: { kind: 'long_term' }, standing: true });
  });
  it('reports 否 without 未完成原因 on the reason cell', async () => {
    const { byRow } = await plan('02-inspection-three-level.xlsx');
    expect(byRow(6).status).toBe('error');
    expect(byRow(6).problems).toEqual([
      expect.objectContaining({ column: 'K', field: 'delayReason', message: expect.stringContaining('未完成原因') }),
    ]);
    expect(byRow(7).status).toBe('ok'); // 否 with a reason
  });
});

describe('03 审计整改台账: 问题编号 and 问题金额 beside the problem', () => {
  it('recognises columns by whole words: the number is a reference, the amount an amount', async () => {
    const { fields, byRow } = await plan('03-audit-prefix-trap.xlsx');
    expect(fields).toMatchObject({ 问题编号: 'ref', 审计发现问题: 'description', '问题金额（万元）': 'amount' });
    expect(byRow(3).item).toMatchObject({ description: '朝阳村集体资金未按规定公开', ref: 'SJ-2022-01' });
    expect(due(byRow(3))).toBe('2022-09-30'); // a date cell
    expect(byRow(4).item).toMatchObject({ status: { state: 'in_progress', partial: 'phased', original: '部分整改' } });
    expect(due(byRow(4))).toBe('2022-12-31'); // Excel serial 44926
    expect(byRow(5).item).toMatchObject({ status: { state: 'in_progress', original: '未整改' }, overdue: true });
  });
});

describe('04 环保督察信访件一览表: no deadline column, 是否属实, 阶段性办结', () => {
  it('imports without deadlines, dismisses what was found untrue, keeps the findings', async () => {
    const { header, byRow, fields } = await plan('04-env-petitions.xlsx');
    expect(header.missing).toEqual(['deadline']);
    expect(fields).toMatchObject({
      交办问题基本情况: 'description',
      是否属实: 'verified',
      是否办结: 'status',
      行政区域: 'unit',
    });
    expect(byRow(3).item).toMatchObject({ status: { state: 'in_progress', partial: 'phased' }, deadline: null });
    expect(byRow(3).notes).toContain('无整改时限：仅登记，待交办');
    expect(byRow(4).item).toMatchObject({ status: { state: 'dismissed', original: '不属实；已办结' } });
    expect(byRow(5).item?.progress).toBe('属实');
    expect(byRow(5).item?.ref).toBe('D3SX202506280059');
  });
});

describe('05 12345 工单 (GB18030 CSV): times with the dates', () => {
  it('reads 办理时限 with its time, 办结情况 as the status, the 工单编号 as reference', async () => {
    const { byRow } = await plan('05-hotline-12345-gb18030.csv');
    expect(due(byRow(2))).toBe('2022-03-22');
    expect(byRow(2).item).toMatchObject({
      ref: '202203150012',
      status: { state: 'closed' },
      original: { 办理时限: '2022-03-22 17:00:00' },
    });
    expect(byRow(3).item).toMatchObject({ status: { state: 'in_progress', original: '办理中' }, overdue: true });
    expect(byRow(4).item?.unit?.name).toBe('朝阳村');
  });
});

describe('06 村级节点台账: one problem over four milestone rows, the year only in the title', () => {
  it('makes milestones on 上旬/中旬/下旬/月底 of the title year', async () => {
    const { byRow } = await plan('06-village-milestones.xlsx');
    const pond = byRow(4).item!;
    expect(pond.milestones.map((m) => [m.title, m.dueOn, m.done])).toEqual([
      ['清运垃圾', '2023-03-10', true],
      ['清淤', '2023-04-20', true],
      ['护坡绿化', '2023-05-31', false],
      ['验收', '2023-06-30', false],
    ]);
    expect(due(byRow(4))).toBe('2023-06-30');
    expect(pond.status?.state).toBe('in_progress');
    expect(due(byRow(8))).toBe('2023-06-30'); // 2023年第二季度
  });
});

describe('07 one row per unit; festivals and relative years', () => {
  it('keeps the second unit and the 配合单位 with the item; 春节前 and 国庆节前 from the calendar', async () => {
    const { byRow } = await plan('07-multi-unit-festivals.xlsx');
    const land = byRow(3).item!;
    expect(land.unit?.name).toBe('朝阳村');
    expect(land.coUnits).toEqual(['镇劳保所', '镇乡村振兴办', '南陈村']);
    // 春节前 in a 2022 ledger: the 2022 Spring Festival holiday began 2022-01-31; 2023年春节前: 2023-01-21.
    expect(land.milestones.map((m) => m.dueOn)).toEqual(['2022-01-30', '2023-01-20']);
    expect(land.status).toMatchObject({ state: 'closed', signedOff: true, original: '已销号' });
    expect(due(byRow(5))).toBe('2022-09-30'); // 国庆节前: the holiday began 2022-10-01
    expect(due(byRow(6))).toBe('2023-06-30'); // 明年6月底
    expect(byRow(6).item?.status?.partial).toBe('basic');
  });
});

describe('08 five rows above the data: title, 填报 line, three header levels, a column-number row', () => {
  it('skips the numbering row; 状态 and 销号时间 under 完成情况', async () => {
    const { header, byRow } = await plan('08-five-row-header.xlsx');
    expect(header.headerRows).toEqual([2, 3, 4]);
    expect(header.dataStart).toBe(6); // row 6 is 1 2 3 … 10
    expect(header.columns.find((c) => c.field === 'closed')?.path).toEqual(['整改情况', '完成情况', '销号时间']);
    expect(byRow(7).item?.status).toMatchObject({ state: 'closed', signedOff: true });
    expect(byRow(8).item).toMatchObject({ source: 'hotline', status: { state: 'in_progress' } });
    expect(due(byRow(8))).toBe('2024-05-20');
    expect(byRow(9).item).toMatchObject({ source: 'screening', deadline: { kind: 'immediate' } });
  });
});

describe('09 columns that start alike, and a problem under two 专项', () => {
  it('问题编号/问题类型/问题金额 do not capture the description; two categories are reported', async () => {
    const { fields, byRow } = await plan('09-prefix-columns.xlsx');
    expect(fields).toEqual({
      问题编号: 'ref',
      问题类型: 'category',
      问题金额: 'amount',
      问题内容: 'description',
      问题来源: 'source',
      责任单位: 'unit',
      整改措施: 'measures',
      整改期限: 'deadline',
      整改进度: 'progress',
      完成状态: 'status',
    });
    const p = byRow(2);
    expect(p.status).toBe('ok');
    expect(p.item).toMatchObject({ description: '朝阳村五组饮水井与危房相邻，存在安全隐患', categoryId: 'c1' });
    expect(p.warnings).toEqual([
      expect.objectContaining({ column: 'B', field: 'category', message: expect.stringContaining('2 个专项') }),
    ]);
    expect(p.item?.remarks).toContain('另属专项：住房安全');
  });
});

describe('10 an old ledger (2020): overdue history, not refusals', () => {
  it('imports every row; open ones overdue, 是否销号 with a date closes', async () => {
    const { plans, byRow } = await plan('10-old-ledger-2020.xlsx');
    expect(plans.every((p) => p.status === 'ok')).toBe(true);
    expect(byRow(3).item).toMatchObject({ overdue: true, status: { state: 'in_progress', original: '否' } });
    expect(byRow(3).notes[0]).toBe('整改时限 2020-09-30 已过：按逾期导入（原文「2020.9.30」）');
    expect(byRow(4).item).toMatchObject({ overdue: false, status: { state: 'closed', signedOff: true } });
    expect(due(byRow(4))).toBe('2020-12-31');
    expect(due(byRow(5))).toBe('2020-12-31'); // 年底 of the title year
  });
});

describe('11 rules: required cells, 否 without a reason, unknown status, unknown 专项', () => {
  it('reports every broken rule on its own cell', async () => {
    const { byRow } = await plan('11-rules-and-required.xlsx', { required: ['person'] });
    expect(byRow(2).problems.map((p) => [p.column, p.field])).toEqual([['I', 'delayReason']]);
    expect(byRow(3).problems).toEqual([
      expect.objectContaining({ column: 'E', field: 'person', message: '必填项「责任人」为空' }),
    ]);
    expect(byRow(4).problems.map((p) => [p.column, p.value])).toEqual([
      ['C', '兜底保障'],
      ['J', '搁置'],
    ]);
  });
});
