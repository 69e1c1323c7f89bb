// The ledger in Excel: import workbooks other programs made (LibreOffice fixtures with merged headers,
// spacer rows, dates as text/serials/cells, formulas, GB18030 CSV), dry run → report (JSON and the
// marked workbook) → all-or-nothing commit → no duplicates on re-import; export (.xlsx and CSV) and
// the round trip export → import with nothing lost.
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { campaigns, categories } from '../../db/schema.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import { assign, build, multipartBody, report, type World } from '../support/app.ts';

const FIX = join(import.meta.dirname, '../fixtures/ledger');
let w: World;

async function postSheet(campaignId: string, name: string, bytes: Buffer, query = 'mode=dry_run', user = 'super') {
  const { body, contentType } = multipartBody([{ name, bytes }]);
  const res = await w.app.inject({
    method: 'POST',
    url: `/api/v1/campaigns/${campaignId}/imports?${query}`,
    payload: body,
    headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': contentType },
  });
  let parsed: any = null;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = res.rawPayload;
  }
  return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.rawPayload };
}
const fixture = (f: string) => readFile(join(FIX, f));
const itemCount = async () => Number((await w.db.execute(sql`select count(*)::int n from items`)).rows[0]!.n);

beforeAll(async () => {
  w = await build();
});

describe('import: a third-party list made in LibreOffice (merged two-row header, spacer rows)', () => {
  it('dry run: finds the header, reads every kind of deadline, resolves units, reports bad cells in Chinese', async () => {
    const r = await postSheet(w.campaignId, '第三方评估反馈问题.xlsx', await fixture('third-party-findings.xlsx'));
    expect(r.status).toBe(200);
    expect(r.body.header).toMatchObject({ rows: [4, 5], dataStartRow: 6 });
    const fields = Object.fromEntries(
      r.body.header.columns.map((c: { header: string; field: string }) => [c.header, c.field]),
    );
    expect(fields).toMatchObject({
      具体问题表述: 'description',
      牵头责任单位: 'unit',
      整改措施: 'measures',
      完成时限: 'deadline',
      责任人: 'person',
      专项类别: 'category',
    });
    expect(r.body.totals).toEqual({ rows: 7, ok: 6, errors: 1, duplicates: 0 });
    const byRow = Object.fromEntries(r.body.rows.map((x: { row: number }) => [x.row, x]));
    expect(byRow[7].preview).toMatchObject({
      title: '朝阳村王某户脱贫人口未参加城乡居民医保',
      unit: '朝阳村',
      deadline: '2026-09-30',
    });
    expect(byRow[7].notes).toContain('整改时限「2026年9月底前」按 2026-09-30 计');
    expect(byRow[8].preview).toMatchObject({ unit: '南陈村', deadline: '2026-06-30' }); // 朝阳镇南陈村, a date cell
    expect(byRow[9].preview.deadline).toBe('immediate');
    expect(byRow[11].preview.deadline).toBe('long_term');
    expect(byRow[12].preview.deadline).toBe('2026-10-31'); // Excel serial 46326
    expect(byRow[13].preview.deadline).toBe('2026-07-15'); // text 2026/7/15
    const bad = byRow[14];
    expect(bad.status).toBe('error');
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          column: 'C',
          value: '重点人群未参保险',
          message: expect.stringContaining('是否为「重点人群未参保」'),
        }),
        expect.objectContaining({ column: 'E', value: '朝杨村', message: expect.stringContaining('是否为「朝阳村」') }),
        expect.objectContaining({ column: 'G', value: '尽快', message: expect.stringContaining('无法识别的整改时限') }),
      ]),
    );
  });

  it('commit refuses the whole file while one row is wrong, writing nothing', async () => {
    const before = await itemCount();
    const r = await postSheet(w.campaignId, 'x.xlsx', await fixture('third-party-findings.xlsx'), 'mode=commit');
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'import_has_errors', totals: { errors: 1 } });
    expect(await itemCount()).toBe(before);
  });

  it('the dry run as the workbook, bad cells marked red with a note, a 校验结果 column', async () => {
    const r = await postSheet(
      w.campaignId,
      'x.xlsx',
      await fixture('third-party-findings.xlsx'),
      'mode=dry_run&format=xlsx',
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.raw as never);
    const ws = wb.worksheets[0]!;
    const e14 = ws.getCell('E14');
    expect(e14.value).toBe('朝杨村');
    expect((e14.fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
    expect(JSON.stringify(e14.note)).toContain('是否为「朝阳村」');
    expect(ws.getCell('J4').value).toBe('校验结果');
    expect(String(ws.getCell('J14').value)).toMatch(/^错误：/);
    expect(String(ws.getCell('J7').value)).toMatch(/^可导入/);
  });

  it('after fixing the row, commits every item in one go, with modes and deadlines as written, and keeps the original text', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(FIX, 'third-party-findings.xlsx'));
    const ws = wb.worksheets[0]!;
    ws.getCell('C14').value = '重点人群未参保';
    ws.getCell('E14').value = '朝阳村';
    ws.getCell('G14').value = '2026年8月底';
    const dir = await mkdtemp(join(tmpdir(), 'zg-ledger-'));
    await wb.xlsx.writeFile(join(dir, 'fixed.xlsx'));
    const r = await postSheet(w.campaignId, '修改后.xlsx', await readFile(join(dir, 'fixed.xlsx')), 'mode=commit');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', created: 7 });
    const list = (await w.call('super', 'GET', `/api/v1/items?campaignId=${w.campaignId}&limit=50`)).body
      .items as any[];
    const find = (t: string) => list.find((i) => i.title.startsWith(t));
    expect(find('朝阳村王某户')).toMatchObject({
      status: 'assigned',
      mode: 'phased',
      deadline: '2026-09-30',
      source: 'third_party',
      responsibleUnit: { name: '朝阳村' },
      measures: '入户动员参保，落实分类资助',
    });
    expect(find('朝阳村赵某户')).toMatchObject({ mode: 'immediate', source: 'inspection' });
    expect(find('南陈村群众反映')).toMatchObject({
      mode: 'phased',
      deadline: '2026-12-31',
      source: 'petition',
      categoryId: null,
    });
    const orig = await w.db.execute(
      sql`select original from imported_rows where original->>'完成时限' = '2026年9月底前'`,
    );
    expect(orig.rows).toHaveLength(1);

    // Importing the same rows again creates nothing.
    const again = await postSheet(w.campaignId, '修改后.xlsx', await readFile(join(dir, 'fixed.xlsx')), 'mode=commit');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: 0, totals: { ok: 0, duplicates: 7 } });
  });
});

describe('import: other spellings, CSV in GB18030, formulas, a saved template', () => {
  it('maps 问题内容 / 主办单位 / 整改举措 / 整改期限, and reads the same rows from a GB18030 CSV as duplicates after commit', async () => {
    const r = await postSheet(w.campaignId, 'synonyms.xlsx', await fixture('synonyms.xlsx'), 'mode=commit');
    expect(r.status).toBe(200);
    expect(r.body.created).toBe(2);
    expect(r.body.rows.map((x: any) => x.preview.deadline)).toEqual(['2026-06-30', '2026-09-30']);
    const csv = await postSheet(w.campaignId, 'synonyms.csv', await fixture('synonyms-gb18030.csv'));
    expect(csv.status).toBe(200);
    expect(csv.body.totals).toEqual({ rows: 2, ok: 0, errors: 0, duplicates: 2 });
  });

  it('a formula in every cell: the header is read from cached results, every data cell is reported', async () => {
    const r = await postSheet(w.campaignId, 'formulas.xlsx', await fixture('formulas.xlsx'));
    expect(r.status).toBe(200);
    expect(r.body.totals).toMatchObject({ rows: 5, errors: 5 });
    for (const row of r.body.rows) {
      expect(row.problems.map((p: any) => p.column)).toEqual(['B', 'C', 'D']);
      expect(row.problems[0].message).toContain('粘贴为数值');
    }
  });

  it('uses a campaign template for a header no synonym knows', async () => {
    const csv = Buffer.from('\ufeff序号,群众诉求,落实单位,办结日期\r\n1,南陈村路灯不亮,南陈村,2026-05-31\r\n');
    expect((await postSheet(w.campaignId, 'a.csv', csv)).status).toBe(422);
    const t = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/import-template`, {
      mapping: { description: '群众诉求', unit: '落实单位', deadline: '办结日期' },
    });
    expect(t.status).toBe(200);
    const r = await postSheet(w.campaignId, 'a.csv', csv);
    expect(r.status).toBe(200);
    expect(r.body.rows[0]).toMatchObject({ status: 'ok', preview: { unit: '南陈村', deadline: '2026-05-31' } });
    expect(
      (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/import-template`)).body.mapping,
    ).toMatchObject({ description: '群众诉求' });
  });
});

describe('export', () => {
  it('writes the customary columns under a merged title, frozen header, real dates, formula injection neutralised', async () => {
    const id = await report(w, 'super', {
      title: '=HYPERLINK("http://evil","点我")',
      description: '@SUM(1+1)*cmd|" /C calc"!A0',
    });
    await assign(w, id, {
      measures: '-2+3 整改',
      deadline: '2026-04-30',
      mode: 'phased',
      milestones: [{ title: '完成', dueOn: '2026-04-30' }],
    });
    const res = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?campaignId=${w.campaignId}&format=xlsx`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as never);
    const ws = wb.worksheets[0]!;
    expect(ws.getCell('A1').value).toBe('朝阳镇专项整治问题台账');
    expect(ws.model.merges).toContain('A1:L1');
    expect(ws.getCell('A2').value).toMatch(/^截至日期：\d{4}年\d{1,2}月\d{1,2}日$/);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    expect(ws.pageSetup).toMatchObject({
      orientation: 'landscape',
      paperSize: 8,
      fitToWidth: 1,
      printTitlesRow: '3:3',
    });
    expect(ws.getRow(3).values).toEqual([
      undefined,
      '序号',
      '问题来源',
      '专项/类别',
      '问题描述',
      '责任单位',
      '责任人',
      '整改措施',
      '整改时限',
      '整改进展',
      '整改状态',
      '是否销号/销号时间',
      '备注',
      '问题标题',
      '系统编号',
    ]);
    expect(ws.getColumn(4).width).toBeGreaterThanOrEqual(30);
    const rows: ExcelJS.Row[] = [];
    ws.eachRow((r, n) => {
      if (n > 3) rows.push(r);
    });
    const row = rows.find((r) => r.getCell(14).value === id)!;
    if (!row) throw new Error(`item ${id} not in the export: ${JSON.stringify(rows.map((r) => r.getCell(14).value))}`);
    expect(row.getCell(13).value).toBe('\'=HYPERLINK("http://evil","点我")');
    expect(row).toBeDefined();
    expect(row.getCell(4).value).toBe('\'@SUM(1+1)*cmd|" /C calc"!A0');
    expect(row.getCell(7).value).toBe("'-2+3 整改");
    expect(row.getCell(8).value).toBeInstanceOf(Date);
    expect((row.getCell(8).value as Date).toISOString()).toBe('2026-04-30T00:00:00.000Z');
    // No formula anywhere in the sheet.
    expect(JSON.stringify(ws.getSheetValues())).not.toContain('"formula"');

    const csv = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?campaignId=${w.campaignId}&format=csv`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const text = csv.rawPayload.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.split('\r\n')[0]).toBe(
      '\ufeff序号,问题来源,专项/类别,问题描述,责任单位,责任人,整改措施,整改时限,整改进展,整改状态,是否销号/销号时间,备注,问题标题,系统编号',
    );
    expect(text).toContain(`"'=HYPERLINK(""http://evil"",""点我"")"`);
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it("follows the list's filters and scope: a village exports only its own items", async () => {
    const res = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?format=csv&status=assigned`,
      headers: { authorization: `Bearer ${w.tokens.h2}` },
    });
    const lines = res.rawPayload.toString('utf8').trim().split('\r\n').slice(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toContain('南陈村');
      expect(l).toContain('已交办待签收');
    }
    const bad = await w.call('super', 'GET', '/api/v1/ledger/export?status=nope');
    expect(bad.status).toBe(400);
  });

  it('round trip: the exported ledger imports into another campaign with nothing lost', async () => {
    const [c2] = await w.db
      .insert(campaigns)
      .values({
        name: '回头看专项整治',
        ownerUnitId: w.units.office.id,
        areaUnitId: w.units.town.id,
        startsOn: '2026-03-01',
        settings: DEFAULT_SETTINGS,
      })
      .returning();
    await w.db
      .insert(categories)
      .values({ campaignId: c2!.id, code: 'c04', name: '重点人群未参保', leadUnitId: w.units.labour.id });
    const exp = await w.app.inject({
      method: 'GET',
      url: `/api/v1/ledger/export?campaignId=${w.campaignId}&status=assigned`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    const source = (await w.call('super', 'GET', `/api/v1/items?campaignId=${w.campaignId}&status=assigned&limit=200`))
      .body.items as any[];
    expect(source.length).toBeGreaterThan(5);
    const r = await postSheet(c2!.id, '导出的台账.xlsx', exp.rawPayload, 'mode=commit');
    expect(r.status).toBe(200);
    expect(r.body.created).toBe(source.length);
    const copied = (await w.call('super', 'GET', `/api/v1/items?campaignId=${c2!.id}&limit=200`)).body.items as any[];
    const shape = (i: any) => ({
      title: i.title,
      description: i.description,
      source: i.source,
      category: i.categoryName,
      unit: i.responsibleUnit?.name,
      measures: i.measures,
      deadline: i.deadline,
      mode: i.mode,
    });
    const sort = (a: any, b: any) => a.title.localeCompare(b.title);
    expect(copied.map(shape).sort(sort)).toEqual(source.map(shape).sort(sort));
    // Re-importing the export into its own campaign finds every item already there.
    const self = await postSheet(w.campaignId, '导出的台账.xlsx', exp.rawPayload);
    expect(self.body.totals).toMatchObject({ ok: 0, duplicates: source.length });
  });
});
