// What a photo tells us: size, a thumbnail for the timeline, a perceptual hash for near-duplicate
// search, EXIF capture time and GPS. sharp and exifr read from the staged file, never a buffer of it.
import exifr from 'exifr';
import sharp from 'sharp';

export interface PhotoFacts {
  width: number | null; height: number | null;
  /** 64-bit dHash as a signed bigint (PostgreSQL bigint), or null when the image cannot be decoded. */
  dhash: bigint | null;
  takenAt: string | null;
  gps: { lat: number; lon: number } | null;
}

// libvips may use every core for one image; uploads are many and the API must stay responsive, so
// one thread per image and one image at a time (the others wait their turn).
sharp.concurrency(1);
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => {});
  return run;
}

// A decompression bomb (a tiny PNG of 50,000 × 50,000 pixels) is refused before decoding.
const LIMIT_PIXELS = 100_000_000;

/** dHash: shrink to 9×8 grey pixels, one bit per horizontal neighbour pair (left brighter). */
export async function dHash(input: string | Buffer): Promise<bigint> {
  const px = await sharp(input, { limitInputPixels: LIMIT_PIXELS }).rotate().greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  let h = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) h = (h << 1n) | (px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1n : 0n);
  }
  return BigInt.asIntN(64, h);
}

/** EXIF DateTimeOriginal as an instant. Cameras write local time without a zone: without
 * OffsetTimeOriginal we take China Standard Time (+08:00), where these photos are taken. */
export function exifInstant(raw: unknown, offset: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw.trim());
  if (!m) return null;
  const off = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '+08:00';
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`);
  return Number.isNaN(ms) || m[1] === '0000' ? null : new Date(ms).toISOString();
}

/** Photo facts and a WebP thumbnail (longest side 320 px) written to `thumbPath` (thumbnail false
 * when the image cannot be decoded). */
export function processPhoto(path: string, thumbPath: string): Promise<PhotoFacts & { thumbnail: boolean }> {
  return oneAtATime(async () => {
    const facts: PhotoFacts & { thumbnail: boolean } = { width: null, height: null, dhash: null, takenAt: null, gps: null, thumbnail: false };
    try {
      const tags = await exifr.parse(path, { reviveValues: false, translateValues: false }) as Record<string, unknown> | undefined;
      if (tags) {
        facts.takenAt = exifInstant(tags.DateTimeOriginal ?? tags.CreateDate, tags.OffsetTimeOriginal);
        const lat = tags.latitude, lon = tags.longitude;
        if (typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon)
          && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)) facts.gps = { lat, lon };
      }
    } catch { /* no or unreadable EXIF: nothing to keep */ }
    try {
      const meta = await sharp(path, { limitInputPixels: LIMIT_PIXELS }).metadata();
      facts.width = meta.autoOrient?.width ?? meta.width ?? null;
      facts.height = meta.autoOrient?.height ?? meta.height ?? null;
      await sharp(path, { limitInputPixels: LIMIT_PIXELS }).rotate()
        .resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 70 }).toFile(thumbPath);
      facts.thumbnail = true;
      // From the original, not the thumbnail (less noise; JPEG shrink-on-load keeps this decode cheap).
      facts.dhash = await dHash(path);
    } catch {
      // HEIC: the sharp build here carries no HEVC decoder, so no thumbnail or dHash (EXIF still read).
    }
    return facts;
  });
}
