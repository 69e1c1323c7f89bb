// .docx / .xlsx → PDF with LibreOffice headless (Debian libreoffice-writer-nogui / -calc-nogui), the
// converter an office's own machine would use. Each conversion gets its own profile directory, so
// conversions can run side by side, and our fontconfig file, so the standard's font names resolve to
// Noto CJK where the 方正 fonts are missing.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FONTS_CONF = fileURLToPath(new URL('./fonts.conf', import.meta.url));

export class ConverterMissing extends Error {
  readonly code = 'pdf_converter_missing';
}

/** The soffice binary: SOFFICE_PATH, or soffice on PATH. */
export const sofficePath = () => process.env.SOFFICE_PATH ?? 'soffice';

export async function toPdf(
  input: Buffer,
  ext: 'docx' | 'xlsx',
  opts: { timeoutMs?: number; soffice?: string } = {},
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'zg-pdf-'));
  try {
    const src = join(dir, `doc.${ext}`);
    await writeFile(src, input);
    await new Promise<void>((resolve, reject) => {
      execFile(
        opts.soffice ?? sofficePath(),
        [
          `-env:UserInstallation=${pathToFileURL(join(dir, 'profile')).href}`,
          '--headless',
          '--norestore',
          '--nolockcheck',
          '--convert-to',
          'pdf',
          '--outdir',
          dir,
          src,
        ],
        {
          timeout: opts.timeoutMs ?? 120_000,
          env: { ...process.env, FONTCONFIG_FILE: FONTS_CONF, HOME: dir },
          maxBuffer: 1 << 20,
        },
        (err, _stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
            reject(new ConverterMissing('soffice not found'));
          else if (err) reject(new Error(`soffice failed: ${err.message} ${stderr}`.trim()));
          else resolve();
        },
      );
    });
    return await readFile(join(dir, 'doc.pdf')).catch(() => {
      throw new Error('soffice produced no PDF');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
