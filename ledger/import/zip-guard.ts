// A zip bomb disguised as .xlsx: before any parser touches the file, inflate every entry once,
// counting bytes, and stop at the bound. Declared sizes may lie; the count of real bytes cannot.
import yauzl from 'yauzl';

export class ZipRejected extends Error {}

export async function checkZip(
  path: string,
  limits: { maxUncompressedBytes: number; maxEntries?: number },
): Promise<void> {
  const maxEntries = limits.maxEntries ?? 2000;
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false },
      (err, z) => (err ? reject(new ZipRejected(`not a readable .xlsx (zip) file: ${err.message}`)) : resolve(z!)),
    ),
  );
  let total = 0;
  let entries = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(new ZipRejected(`damaged .xlsx (zip) file: ${e.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (++entries > maxEntries) {
          reject(new ZipRejected(`the file holds more than ${maxEntries} parts`));
          return;
        }
        if (/\/$/.test(entry.fileName)) {
          zip.readEntry();
          return;
        }
        if (total + entry.uncompressedSize > limits.maxUncompressedBytes) {
          reject(new ZipRejected(`unpacked, the file would exceed ${limits.maxUncompressedBytes} bytes`));
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) {
            reject(new ZipRejected(`damaged part ${entry.fileName}: ${err?.message}`));
            return;
          }
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > limits.maxUncompressedBytes) {
              stream.destroy();
              reject(new ZipRejected(`unpacked, the file would exceed ${limits.maxUncompressedBytes} bytes`));
            }
          });
          stream.on('error', (e) => reject(new ZipRejected(`damaged part ${entry.fileName}: ${e.message}`)));
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
