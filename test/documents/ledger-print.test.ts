// The ledger as printed: the .xlsx export opened by LibreOffice Calc and printed to PDF — landscape A3,
// the header row on every page, wrapped text shown whole, title and 截至日期 on top, page numbers below,
// the two system columns (问题标题, 系统编号) left out of the print.
import { beforeAll, describe, expect, it } from 'vitest';
import { toPdf } from '../../documents/pdf.ts';
import { exportXlsx } from '../fixtures/ledger-print.ts';
import { haveConverter, inspectPdf, PT_PER_MM, type PdfFacts } from '../support/pdf.ts';

let f: PdfFacts;
beforeAll(async () => {
  if (!(await haveConverter())) throw new Error('LibreOffice (soffice) and poppler-utils are required (see .ci/run)');
  f = await inspectPdf(await toPdf(await exportXlsx(90), 'xlsx'));
}, 180_000);

const compact = (s: string) => s.replace(/\s+/g, '');

describe('ledger print', () => {
  it('is landscape A3 over several pages', () => {
    expect(f.pageWidth / PT_PER_MM).toBeCloseTo(420, 0);
    expect(f.pageHeight / PT_PER_MM).toBeCloseTo(297, 0);
    expect(f.pages).toBeGreaterThanOrEqual(2);
  });

  it('has the title and 截至日期 on top of the first page', () => {
    const first = f.lines.filter((l) => l.page === 1).sort((a, b) => a.yMin - b.yMin);
    expect(compact(first[0]!.text)).toBe('朝阳镇巩固拓展脱贫攻坚成果专项整治问题台账');
    expect(f.lines.some((l) => l.page === 1 && compact(l.text) === '截至日期：2026年12月6日')).toBe(true);
  });

  it('repeats the column headers and numbers every page in the footer', () => {
    for (let p = 1; p <= f.pages; p++) {
      const page = f.lines.filter((l) => l.page === p);
      expect(
        page.some((l) => compact(l.text) === '问题描述'),
        `header on page ${p}`,
      ).toBe(true);
      const footer = page.find((l) => compact(l.text) === `第${p}页，共${f.pages}页`);
      expect(footer, `footer on page ${p}`).toBeDefined();
      expect(footer!.yMin).toBeGreaterThan(f.pageHeight * 0.9);
    }
  });

  it('shows wrapped text whole (row heights fit) and every row once', () => {
    const text = compact(f.text);
    // The long description's last characters are printed (a row too short would cut them off).
    expect(text.split('尾句甲乙丙').length - 1).toBe(30);
    expect(text).toContain('第89户农户反映的问题');
    expect(text).toContain('2026年12月31日');
  });

  it('prints only the customary columns, fitted to the page width', () => {
    expect(f.text).not.toContain('系统编号');
    expect(f.text).not.toContain('00000000-0000');
    const right = Math.max(...f.lines.map((l) => l.xMax));
    expect(right).toBeLessThan(f.pageWidth);
  });
});
