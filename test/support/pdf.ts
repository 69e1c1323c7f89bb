// Reading a rendered PDF with poppler's tools (Debian poppler-utils): page count, text, and the
// boxes of lines in points, for checking a layout against the standard's millimetres.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PT_PER_MM = 72 / 25.4;

export interface Line {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfFacts {
  pages: number;
  text: string;
  /** Text lines with their boxes, in points from the page's top-left corner. */
  lines: Line[];
  pageWidth: number;
  pageHeight: number;
}

const unescapeXml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

export async function inspectPdf(pdf: Buffer): Promise<PdfFacts> {
  const dir = await mkdtemp(join(tmpdir(), 'zg-inspect-'));
  try {
    const file = join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    const info = (await run('pdfinfo', [file])).stdout;
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
    const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info) ?? [];
    const text = (await run('pdftotext', ['-layout', file, '-'], { maxBuffer: 1 << 24 })).stdout;
    await run('pdftotext', ['-bbox-layout', file, join(dir, 'bbox.html')]);
    const html = await readFile(join(dir, 'bbox.html'), 'utf8');
    const lines: Line[] = [];
    let page = 0;
    for (const chunk of html.split(/<page /).slice(1)) {
      page++;
      for (const m of chunk.matchAll(
        /<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g,
      )) {
        const words = [...m[5]!.matchAll(/<word[^>]*>([\s\S]*?)<\/word>/g)].map((x) => unescapeXml(x[1]!));
        lines.push({
          page,
          text: words.join(' '),
          xMin: Number(m[1]),
          yMin: Number(m[2]),
          xMax: Number(m[3]),
          yMax: Number(m[4]),
        });
      }
    }
    return { pages, text, lines, pageWidth: Number(w), pageHeight: Number(h) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** PNG of each page (pdftoppm), for looking at and for the README. */
export async function pdfToPngs(pdf: Buffer, dpi = 60, firstPageOnly = false): Promise<Buffer[]> {
  const dir = await mkdtemp(join(tmpdir(), 'zg-png-'));
  try {
    const file = join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    await run('pdftoppm', [
      '-png',
      '-r',
      String(dpi),
      ...(firstPageOnly ? ['-f', '1', '-l', '1'] : []),
      file,
      join(dir, 'p'),
    ]);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.png')).sort();
    return Promise.all(names.map((n) => readFile(join(dir, n))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether LibreOffice and poppler are installed (CI installs both; see .ci/run). */
export async function haveConverter(): Promise<boolean> {
  try {
    await run(process.env.SOFFICE_PATH ?? 'soffice', ['--version']);
    await run('pdfinfo', ['-v']);
    return true;
  } catch {
    return false;
  }
}
