// The merged ranges of one worksheet (<mergeCell ref="A3:A5"/>), which exceljs's streaming reader
// skips. Read from the sheet's XML after the zip guard has bounded the file; only the matches are kept.
import yauzl from 'yauzl';
import type { Merge } from './read.ts';

const colIndex = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;

export function parseRef(ref: string): Merge | null {
  const m = /^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$/.exec(ref);
  if (!m) return null;
  return { top: Number(m[2]) - 1, left: colIndex(m[1]!), bottom: Number(m[4]) - 1, right: colIndex(m[3]!) };
}

export async function readMerges(path: string, entryName: string, maxMerges = 20_000): Promise<Merge[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (e, z) => (e ? reject(e) : resolve(z!))),
  );
  return new Promise<Merge[]>((resolve, reject) => {
    const out: Merge[] = [];
    let found = false;
    zip.on('error', reject);
    zip.on('end', () => (found ? undefined : resolve(out)));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName !== entryName) {
        zip.readEntry();
        return;
      }
      found = true;
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) {
          reject(err);
          return;
        }
        let tail = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const text = tail + chunk;
          const re = /<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"/g;
          let last = 0;
          for (let m = re.exec(text); m; m = re.exec(text)) {
            const r = parseRef(m[1]!);
            if (r && out.length < maxMerges) out.push(r);
            last = re.lastIndex;
          }
          tail = text.slice(Math.max(last, text.length - 64));
        });
        stream.on('error', reject);
        stream.on('end', () => {
          zip.close();
          resolve(out);
        });
      });
    });
    zip.readEntry();
  });
}
