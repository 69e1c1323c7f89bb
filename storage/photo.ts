// What a photo tells us: size, a thumbnail for the timeline, a perceptual hash for near-duplicate
// search, EXIF capture time and GPS. sharp and exifr read from the staged file, never a buffer of it.
import exifr from 'exifr';
import type { Sharp } from 'sharp';

export interface PhotoFacts {
  width: number | null;
  height: number | null;
  /** 64-bit dHash as a signed bigint (PostgreSQL bigint), or null when the image cannot be decoded. */
  dhash: bigint | null;
  takenAt: string | null;
  gps: { lat: number; lon: number } | null;
}

// libvips may use every core for one image; uploads are many and the API must stay responsive, so
// one thread per image and one image at a time (the others wait their turn).
// sharp (libvips) is loaded on the first picture, not when the API loads this module: most processes
// that import it (the API reading EXIF at upload) never decode a picture.
let sharpLoaded: Promise<typeof import('sharp')['default']> | null = null;
const loadSharp = () =>
  (sharpLoaded ??= import('sharp').then((m) => {
    m.default.concurrency(1);
    return m.default;
  }));
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => {});
  return run;
}

// A decompression bomb (a tiny PNG of 50,000 × 50,000 pixels) is refused before decoding.
const LIMIT_PIXELS = 100_000_000;

/** dHash: shrink to 9×8 grey pixels, one bit per horizontal neighbour pair (left brighter). */
export async function dHash(input: string | Buffer | Sharp): Promise<bigint> {
  const img =
    typeof input === 'string' || Buffer.isBuffer(input)
      ? (await loadSharp())(input, { limitInputPixels: LIMIT_PIXELS })
      : input;
  const px = await img.rotate().greyscale().resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  let h = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) h = (h << 1n) | (px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1n : 0n);
  }
  return BigInt.asIntN(64, h);
}

/** EXIF DateTimeOriginal as an instant. Cameras write local time without a zone: without
 * OffsetTimeOriginal we take China Standard Time (+08:00), where these photos are taken. */
function exifInstant(raw: unknown, offset: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw.trim());
  if (!m) return null;
  const off = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '+08:00';
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`);
  return Number.isNaN(ms) || m[1] === '0000' ? null : new Date(ms).toISOString();
}

/** EXIF capture time and GPS: cheap (exifr reads the header only), done on the upload's request. */
export async function readExif(path: string): Promise<Pick<PhotoFacts, 'takenAt' | 'gps'>> {
  const out: Pick<PhotoFacts, 'takenAt' | 'gps'> = { takenAt: null, gps: null };
  try {
    const tags = (await exifr.parse(path, { reviveValues: false, translateValues: false })) as
      | Record<string, unknown>
      | undefined;
    if (tags) {
      out.takenAt = exifInstant(tags.DateTimeOriginal ?? tags.CreateDate, tags.OffsetTimeOriginal);
      const lat = tags.latitude,
        lon = tags.longitude;
      if (
        typeof lat === 'number' &&
        typeof lon === 'number' &&
        Number.isFinite(lat) &&
        Number.isFinite(lon) &&
        Math.abs(lat) <= 90 &&
        Math.abs(lon) <= 180 &&
        !(lat === 0 && lon === 0)
      )
        out.gps = { lat, lon };
    }
  } catch {
    /* no or unreadable EXIF: nothing to keep */
  }
  return out;
}

export interface PictureFacts {
  width: number | null;
  height: number | null;
  dhash: bigint | null;
  thumbnail: boolean;
}

/** The picture work: size, a WebP thumbnail (longest side 320 px) written to `thumbPath`, and the
 * dHash. HEIC/HEIF (which the sharp build here cannot decode) goes through libheif compiled to
 * WebAssembly first. thumbnail false and nulls when the image cannot be decoded at all. */
export function processPicture(path: string, thumbPath: string, contentType: string): Promise<PictureFacts> {
  return oneAtATime(async () => {
    const facts: PictureFacts = { width: null, height: null, dhash: null, thumbnail: false };
    let input: string | { data: Buffer; raw: { width: number; height: number; channels: 4 } } = path;
    if (contentType === 'image/heic' || contentType === 'image/heif') {
      const decoded = await decodeHeic(path);
      if (!decoded) return facts;
      input = decoded;
    }
    const sharp = await loadSharp();
    const open = () =>
      typeof input === 'string'
        ? sharp(input, { limitInputPixels: LIMIT_PIXELS })
        : sharp(input.data, { raw: input.raw, limitInputPixels: LIMIT_PIXELS });
    try {
      const meta = await open().metadata();
      facts.width = meta.autoOrient?.width ?? meta.width ?? null;
      facts.height = meta.autoOrient?.height ?? meta.height ?? null;
      await open()
        .rotate()
        .resize(320, 320, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toFile(thumbPath);
      facts.thumbnail = true;
      // From the original, not the thumbnail (less noise; JPEG shrink-on-load keeps this decode cheap).
      facts.dhash = await dHash(open());
    } catch {
      // Not decodable (damaged, or a type sharp cannot read): no thumbnail or dHash; EXIF was read at upload.
    }
    return facts;
  });
}

/** HEIC/HEIF to RGBA pixels (the primary image), or null when it cannot be decoded. Bounded by LIMIT_PIXELS. */
async function decodeHeic(
  path: string,
): Promise<{ data: Buffer; raw: { width: number; height: number; channels: 4 } } | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const { default: decode } = await import('heic-decode');
    const buffer = await readFile(path);
    const img = await decode({ buffer });
    if (img.width * img.height > LIMIT_PIXELS) return null;
    return {
      data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
      raw: { width: img.width, height: img.height, channels: 4 },
    };
  } catch {
    return null;
  }
}

/** Everything at once (EXIF and picture work), for callers that have no background queue. */
export async function processPhoto(
  path: string,
  thumbPath: string,
  contentType = 'image/jpeg',
): Promise<PhotoFacts & { thumbnail: boolean }> {
  const exif = await readExif(path);
  const pic = await processPicture(path, thumbPath, contentType);
  return { ...exif, ...pic };
}
