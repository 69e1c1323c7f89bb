// Bad sheets: zip bombs (honest and lying sizes), a 1,000,000-row workbook, too many columns, 0 bytes,
// an .exe renamed .xlsx, a truncated file, an upload cut off half-way, someone without the right —
// each answered with problem+json, nothing written, memory bounded. And a large import as a
// background job whose progress the API reports.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, multipartBody, type World } from '../support/app.ts';
import { inlineRow, xlsx } from '../support/zip.ts';

let w: World;
const MAX_UNZIPPED = 80 * 1024 * 1024;

async function postSheet(name: string, bytes: Buffer, query = 'mode=dry_run', user = 'super', cut?: number) {
  const { body, contentType } = multipartBody([{ name, bytes }]);
  const res = await w.app.inject({
    method: 'POST',
    url: `/api/v1/campaigns/${w.campaignId}/imports?${query}`,
    payload: cut ? body.subarray(0, cut) : body,
    headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': contentType },
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
}
const counts = async () =>
  (
    await w.db.execute(
      sql`select (select count(*) from items)::int i, (select count(*) from imported_rows)::int r, (select count(*) from item_events)::int e`,
    )
  ).rows[0];

beforeAll(async () => {
  w = await build({
    imports: { maxRows: 20_000, maxColumns: 60, maxUncompressedBytes: MAX_UNZIPPED, maxFileBytes: 8 * 1024 * 1024 },
  });
});

const header = () => inlineRow(1, ['序号', '问题描述', '责任单位', '整改时限']);

describe('bad sheets', () => {
  const cases: [string, () => Promise<Buffer>, string, number, string, RegExp?][] = [
    [
      'a zip bomb that declares its size',
      () =>
        xlsx(
          function* () {
            yield header();
          },
          { declaredSheetSize: 0xfffffff0 },
        ),
      'bomb.xlsx',
      422,
      'sheet_rejected',
      /exceed/,
    ],
    [
      'a zip bomb that lies about its size (100 MB of spaces declared as 1 KB)',
      () =>
        xlsx(
          function* () {
            yield header();
            const spaces = Buffer.alloc(1024 * 1024, 0x20);
            for (let i = 0; i < 100; i++) yield spaces;
          },
          { declaredSheetSize: 1024 },
        ),
      'liar.xlsx',
      422,
      'sheet_rejected',
    ],
    [
      'a workbook with 1,000,000 rows',
      () =>
        xlsx(function* () {
          yield header();
          for (let n = 2; n <= 1_000_001; n += 1000) {
            let chunk = '';
            for (let k = n; k < n + 1000; k++)
              chunk += `<row r="${k}"><c r="B${k}" t="inlineStr"><is><t>x</t></is></c></row>`;
            yield chunk;
          }
        }),
      'million.xlsx',
      422,
      'sheet_rejected',
      /20000 行上限/,
    ],
    [
      'a sheet 100 columns wide',
      async () =>
        Buffer.from(
          `${['问题描述', '责任单位', ...Array.from({ length: 98 }, (_, i) => `列${i}`)].join(',')}\r\n${Array(100).fill('x').join(',')}\r\n`,
        ),
      'wide.csv',
      422,
      'sheet_rejected',
      /60 列上限/,
    ],
    ['a file of 0 bytes', async () => Buffer.alloc(0), 'empty.xlsx', 400, 'empty_file'],
    [
      'an .exe renamed .xlsx',
      async () => Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), randomBytes(3000)]),
      'list.xlsx',
      415,
      'unsupported_sheet',
    ],
    ['a PDF named .csv', async () => Buffer.from('%PDF-1.4\n%%EOF'), 'list.csv', 415, 'unsupported_sheet'],
    [
      'half an .xlsx file',
      async () => {
        const b = await readFile(join(import.meta.dirname, '../fixtures/ledger/third-party-findings.xlsx'));
        return b.subarray(0, b.length / 2);
      },
      'half.xlsx',
      422,
      'sheet_rejected',
    ],
    [
      'a sheet with no recognisable header',
      async () => Buffer.from('a,b,c\r\n1,2,3\r\n'),
      'x.csv',
      422,
      'header_not_found',
    ],
  ];
  for (const [what, make, name, status, code, detail] of cases) {
    it(what, async () => {
      const before = await counts();
      const bytes = await make();
      const rss0 = process.memoryUsage().rss;
      const r = await postSheet(name, bytes, 'mode=commit');
      const grown = process.memoryUsage().rss - rss0;
      expect({ status: r.status, code: r.body.code, type: r.headers['content-type'] }).toEqual({
        status,
        code,
        type: 'application/problem+json; charset=utf-8',
      });
      if (detail) expect(r.body.detail).toMatch(detail);
      expect(await counts()).toEqual(before);
      expect(grown).toBeLessThan(200 * 1024 * 1024);
    });
  }

  it('an upload cut off half-way', async () => {
    const before = await counts();
    const bytes = await readFile(join(import.meta.dirname, '../fixtures/ledger/synonyms.xlsx'));
    const r = await postSheet('cut.xlsx', bytes, 'mode=commit', 'super', 400);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('upload_incomplete');
    expect(await counts()).toEqual(before);
  });

  it('only the campaign office imports: a village handler gets 403, an unknown campaign 404', async () => {
    const bytes = await readFile(join(import.meta.dirname, '../fixtures/ledger/synonyms.xlsx'));
    expect((await postSheet('s.xlsx', bytes, 'mode=commit', 'h2')).status).toBe(403);
    const { body, contentType } = multipartBody([{ name: 's.xlsx', bytes }]);
    const res = await w.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${crypto.randomUUID()}/imports`,
      payload: body,
      headers: { authorization: `Bearer ${w.tokens.super}`, 'content-type': contentType },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('a large import runs as a background job', () => {
  it('answers 202 at once, reports progress, and creates every row in one transaction', async () => {
    const lines = ['序号,问题描述,责任单位,整改措施,整改时限'];
    for (let i = 1; i <= 450; i++)
      lines.push(`${i},第${i}户危房未改造,${i % 2 ? '朝阳村' : '南陈村'},实施危房改造,2026年${(i % 9) + 4}月底前`);
    const r = await postSheet('大批量.csv', Buffer.from(lines.join('\r\n')), 'mode=commit');
    expect(r.status).toBe(202);
    expect(r.headers.location).toBe(`/api/v1/imports/${r.body.jobId}`);
    expect(r.body).toMatchObject({ status: 'running', totals: { ok: 450 } });
    const seen = new Set<string>();
    let job: any;
    for (let i = 0; i < 1000; i++) {
      job = (await w.call('super', 'GET', `/api/v1/imports/${r.body.jobId}`)).body;
      seen.add(`${job.status}:${job.processedRows > 0 && job.processedRows < 450 ? 'partial' : job.processedRows}`);
      if (job.status === 'done' || job.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(job).toMatchObject({ status: 'done', createdItems: 450, totalRows: 450, processedRows: 450 });
    expect(
      Number(
        (await w.db.execute(sql`select count(*)::int n from items where title like '第%户危房未改造'`)).rows[0]!.n,
      ),
    ).toBe(450);
    expect((await w.call('h1', 'GET', `/api/v1/imports/${r.body.jobId}`)).status).toBe(404);
  }, 120_000); // 450 rows through the engine: seconds on a quiet machine, over 30 s on a loaded one
});
