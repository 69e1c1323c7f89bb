// Generated "photos" for evidence tests: smooth random blobs (like a scene, unlike flat colour),
// with optional EXIF capture time and GPS. Deterministic per seed.
import sharp from 'sharp';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function photo(
  seed: number,
  opts: { width?: number; height?: number; takenAt?: string; gps?: { lat: number; lon: number } } = {},
): Promise<Buffer> {
  const w = opts.width ?? 800,
    h = opts.height ?? 600;
  const rnd = prng(seed);
  const cw = 16,
    ch = 12;
  const small = Buffer.alloc(cw * ch * 3);
  for (let i = 0; i < small.length; i++) small[i] = Math.floor(rnd() * 256);
  let img = sharp(small, { raw: { width: cw, height: ch, channels: 3 } }).resize(w, h, { kernel: 'cubic' });
  const exif: Record<string, Record<string, string>> = {};
  if (opts.takenAt) {
    // EXIF wants local time "YYYY:MM:DD HH:MM:SS" and (since 2.31) its offset.
    const local = new Date(Date.parse(opts.takenAt) + 8 * 3600_000).toISOString();
    exif.IFD2 = {
      DateTimeOriginal: `${local.slice(0, 10).replace(/-/g, ':')} ${local.slice(11, 19)}`,
      OffsetTimeOriginal: '+08:00',
    };
  }
  if (opts.gps) {
    const dms = (v: number) => {
      const a = Math.abs(v);
      const d = Math.floor(a);
      const m = Math.floor((a - d) * 60);
      const s = Math.round(((a - d) * 60 - m) * 60 * 100);
      return `${d}/1 ${m}/1 ${s}/100`;
    };
    exif.IFD3 = {
      GPSLatitudeRef: opts.gps.lat >= 0 ? 'N' : 'S',
      GPSLatitude: dms(opts.gps.lat),
      GPSLongitudeRef: opts.gps.lon >= 0 ? 'E' : 'W',
      GPSLongitude: dms(opts.gps.lon),
    };
  }
  if (Object.keys(exif).length) img = img.withExif(exif);
  return img.jpeg({ quality: 90 }).toBuffer();
}

/** The same picture, changed the ways people change photos before reusing them. */
export async function variants(original: Buffer) {
  const meta = await sharp(original).metadata();
  const W = meta.width!,
    H = meta.height!;
  const crop = (f: number) =>
    sharp(original)
      .extract({
        left: Math.round(W * f),
        top: Math.round(H * f),
        width: Math.round(W * (1 - 2 * f)),
        height: Math.round(H * (1 - 2 * f)),
      })
      .jpeg({ quality: 85 })
      .toBuffer();
  return {
    'resized to half': await sharp(original)
      .resize(Math.round(W / 2))
      .jpeg({ quality: 85 })
      .toBuffer(),
    'resized to a quarter': await sharp(original)
      .resize(Math.round(W / 4))
      .jpeg({ quality: 80 })
      .toBuffer(),
    'recompressed (JPEG q35)': await sharp(original).jpeg({ quality: 35 }).toBuffer(),
    'converted to PNG': await sharp(original).png().toBuffer(),
    'cropped 2% each side': await crop(0.02),
    'cropped 4% each side': await crop(0.04),
    'brightened 10%': await sharp(original).modulate({ brightness: 1.1 }).jpeg({ quality: 85 }).toBuffer(),
  };
}
