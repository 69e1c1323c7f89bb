// The done-when test of issue 20: each document rendered to .docx, converted by LibreOffice to PDF
// (and PNG) and read back with poppler — page count, the 文号, the Chinese date, no ISO times or
// Latin words, and the GB/T 9704 margins and title position within a tolerance.
// LibreOffice and poppler are required: CI installs them (.ci/run); here the suite fails loudly if they are missing.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDocx } from '../../documents/official.ts';
import { toPdf } from '../../documents/pdf.ts';
import { SAMPLES } from '../fixtures/documents.ts';
import { haveConverter, inspectPdf, type Line, PT_PER_MM, pdfToPngs, type PdfFacts } from '../support/pdf.ts';

const mm = (pt: number) => pt / PT_PER_MM;
const TOL = 1.5; // mm

const rendered = new Map<string, PdfFacts>();
beforeAll(async () => {
  if (!(await haveConverter()))
    throw new Error(
      'LibreOffice (soffice) and poppler-utils are required: apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk',
    );
  // One conversion at a time: soffice takes a core each.
  for (const [name, doc] of Object.entries(SAMPLES))
    rendered.set(name, await inspectPdf(await toPdf(await renderDocx(doc), 'docx')));
}, 240_000);

const expected = {
  bulletin: { number: '朝振办〔2026〕12号', pages: [2, 4], title: '关于第一季度朝阳镇巩固拓展脱贫攻坚成果专项整治' },
  interview: { number: '朝振办〔2026〕13号', pages: [1, 2], title: '关于对刘家村主要负责人、分管负责人' },
  assignment: { number: '朝振办〔2026〕14号', pages: [2, 3], title: '关于交办张岭村三组一户危房住人' },
  supervision: { number: '朝振办〔2026〕15号', pages: [3, 5], title: '关于对张岭村三组一户危房住人' },
  signoff: { number: '朝振办〔2026〕16号', pages: [1, 3], title: '张岭村三组一户危房住人' },
  monthly: { number: '朝振办〔2026〕17号', pages: [1, 3], title: '关于朝阳镇巩固拓展脱贫攻坚成果专项整治' },
} as const;

const compact = (s: string) => s.replace(/\s+/g, '');
const body = (f: PdfFacts) => f.lines.filter((l) => !/^—/.test(l.text));

describe.each(Object.keys(expected) as (keyof typeof expected)[])('%s', (name) => {
  const facts = () => rendered.get(name)!;

  it('is A4 with the expected page count', () => {
    const f = facts();
    expect(mm(f.pageWidth)).toBeCloseTo(210, 0);
    expect(mm(f.pageHeight)).toBeCloseTo(297, 0);
    expect(f.pages).toBeGreaterThanOrEqual(expected[name].pages[0]);
    expect(f.pages).toBeLessThanOrEqual(expected[name].pages[1]);
  });

  it('carries its 文号, the 成文日期 in Chinese numerals, and the 印发 line', () => {
    const text = compact(facts().text);
    expect(text).toContain(compact(expected[name].number));
    expect(text).toContain('二〇二六年十二月六日');
    expect(text).toContain('2026年12月6日印发');
    expect(text).toContain('抄送：镇党委，镇人大，镇纪委。');
  });

  it('has no ISO times, no Latin words, no internal codes', () => {
    const text = facts().text;
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text).not.toMatch(/[A-Za-z]{2,}/);
    expect(text).not.toMatch(/\d{4}\.\d-/); // scheme codes like 2026.1-township
    expect(text).not.toMatch(/验收验收/);
  });

  it('keeps the text inside the 版心: left 28 mm, right 26 mm, top 37 mm, bottom 35 mm', () => {
    const lines = body(facts());
    const left = Math.min(...lines.map((l) => mm(l.xMin)));
    const right = Math.max(...lines.map((l) => mm(l.xMax)));
    expect(left).toBeGreaterThan(28 - TOL);
    expect(left).toBeLessThan(28 + TOL);
    expect(right).toBeLessThan(210 - 26 + TOL);
    expect(right).toBeGreaterThan(210 - 26 - 4); // full lines reach the right margin (justified, 28 characters)
    const top = Math.min(...lines.filter((l) => l.page > 1).map((l) => mm(l.yMin)));
    expect(top).toBeGreaterThan(37 - TOL);
    expect(top).toBeLessThan(37 + 5);
    expect(Math.max(...lines.map((l) => mm(l.yMax)))).toBeLessThan(297 - 35 + TOL);
  });

  it('sets 22 lines of 28 characters: body lines 28.95 pt apart, 28 characters to a full line', () => {
    const page1 = body(facts()).filter((l) => l.page === 1 && mm(l.xMin) < 29.5 && mm(l.xMax) > 180);
    const full = page1.find((l) => /^[\u3000-\u9fff\uff00-\uffef]+$/.test(l.text.replace(/\s/g, '')));
    if (full) expect([...full.text.replace(/\s/g, '')].length).toBe(28);
    // 3号 lines (about 21 pt tall boxes) on consecutive grid lines are 28.95 pt apart.
    const ys = body(facts())
      .filter((l) => l.yMax - l.yMin > 20 && l.yMax - l.yMin < 22)
      .map((l) => l.page * 1000 + l.yMin)
      .sort((a, b) => a - b);
    const gaps = ys.slice(1).map((y, i) => y - ys[i]!);
    expect(gaps.some((g) => Math.abs(g - 28.95) < 0.3)).toBe(true);
  });

  it('puts the red flag 35 mm into the 版心, the 文号 under it and the title centred in 2号', () => {
    const f = facts();
    const lines = f.lines.filter((l) => l.page === 1);
    const flag = lines[0]!;
    expect(flag.text).toContain('朝阳镇乡村振兴办公室文件');
    expect(mm(flag.yMin)).toBeGreaterThan(37 + 35 - 3);
    expect(mm(flag.yMin)).toBeLessThan(37 + 35 + 3);
    const centre = (l: Line) => mm((l.xMin + l.xMax) / 2);
    const number = lines.find((l) => compact(l.text).includes('〔2026〕'))!;
    expect(number.yMin).toBeGreaterThan(flag.yMax);
    expect(centre(number)).toBeCloseTo(28 + 78, 0);
    const title = lines.find((l) => compact(l.text).startsWith(compact(expected[name].title).slice(0, 6)))!;
    expect(title, 'title line').toBeDefined();
    expect(Math.abs(centre(title) - (28 + 78))).toBeLessThan(TOL);
    expect(title.yMax - title.yMin).toBeGreaterThan(22 * 1.1); // 2号 = 22 pt, its line box taller than 3号's
    expect(title.yMin).toBeGreaterThan(number.yMax + 2 * 20);
  });

  it('numbers pages "— n —" outside: odd pages right, even pages left, 7 mm under the 版心', () => {
    const f = facts();
    for (let p = 1; p <= f.pages; p++) {
      const n = f.lines.find((l) => l.page === p && compact(l.text) === `—${p}—`);
      expect(n, `page ${p} number`).toBeDefined();
      expect(mm(n!.yMax)).toBeGreaterThan(297 - 35 + 7 - 3);
      expect(mm(n!.yMax)).toBeLessThan(297 - 35 + 7 + 3);
      if (p % 2) expect(mm(n!.xMax)).toBeGreaterThan(210 - 26 - 8);
      else expect(mm(n!.xMin)).toBeLessThan(28 + 8);
    }
  });

  it('sets the 版记 at the foot of the last page, the 署名 centred over the date', () => {
    const f = facts();
    const last = f.lines.filter((l) => l.page === f.pages);
    const printed = last.find((l) => compact(l.text).endsWith('印发'))!;
    expect(printed, '印发 line on the last page').toBeDefined();
    // Within three lines of the 版心's foot (the layout keeps one line in hand).
    expect(mm(printed.yMax)).toBeGreaterThan(297 - 35 - 3 * 10.3);
    const date = f.lines.find((l) => compact(l.text) === '二〇二六年十二月六日')!;
    const office = f.lines.find(
      (l) => l.page === date.page && l.yMax < date.yMin && compact(l.text) === '朝阳镇乡村振兴办公室',
    )!;
    expect(office).toBeDefined();
    expect(Math.abs((office.xMin + office.xMax) / 2 - (date.xMin + date.xMax) / 2)).toBeLessThan(3 * PT_PER_MM);
    // Four characters (about 22 mm) in from the right margin.
    expect(mm(date.xMax)).toBeGreaterThan(210 - 26 - 4 * 5.6 - 3);
    expect(mm(date.xMax)).toBeLessThan(210 - 26 - 4 * 5.6 + 3);
  });
});

describe('the pictures', () => {
  it('renders PNG pages (pdftoppm) of a document', async () => {
    const pdf = await toPdf(await renderDocx(SAMPLES.interview), 'docx');
    const pngs = await pdfToPngs(pdf, 30);
    expect(pngs.length).toBe(rendered.get('interview')!.pages);
    for (const png of pngs) expect(png.subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
