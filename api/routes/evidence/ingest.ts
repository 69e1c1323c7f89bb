// Taking in one uploaded file: stream it to a staging file while hashing and counting, sniff its
// real type from the bytes, read photo facts, then hand the bytes to the file store under their hash.
// Memory stays bounded by the stream buffers whatever the file size.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import { blobKey, type FileStore, thumbnailKey } from '../../../storage/file-store.ts';
import { type PhotoFacts, processPhoto, readExif } from '../../../storage/photo.ts';
import { truncate } from '../../../domain/text.ts';
import { Problem } from '../../problem.ts';

/** Evidence types we accept, by the type sniffed from the bytes (never the name or the client's word). */
export const ALLOWED_TYPES: Record<string, 'photo' | 'video' | 'document'> = {
  'image/jpeg': 'photo',
  'image/png': 'photo',
  'image/webp': 'photo',
  'image/heic': 'photo',
  'image/heif': 'photo',
  'application/pdf': 'document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'document',
  'application/x-cfb': 'document', // .doc/.xls/.ppt (OLE compound file)
  'application/vnd.ms-excel': 'document',
  'application/msword': 'document',
  'video/mp4': 'video',
  'video/quicktime': 'video',
};

export interface UploadLimits {
  maxFileBytes: number;
  maxRequestBytes: number;
  maxFiles: number;
}

export interface StagedFile {
  path: string;
  sha256: string;
  size: number;
  fileName: string;
}

export interface IngestedFile extends StagedFile {
  contentType: string;
  kind: 'photo' | 'video' | 'document';
  photo: PhotoFacts | null;
  thumbnail: boolean;
  /** false: a photo whose picture work (size, thumbnail, dHash) is left to a background job. */
  processed: boolean;
}

export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const invalidFileName = (name: string, why: string) =>
  new Problem(400, 'invalid_file_name', 'Invalid file name', `${JSON.stringify(truncate(name, 80))}: ${why}`);

/** A file name as people give it (Chinese welcome); no paths, no control or bidi characters. */
export function checkFileName(raw: string | undefined): string {
  const name = (raw ?? '').normalize('NFC').trim();
  const bad = (why: string) => invalidFileName(name, why);
  if (name === '') throw bad('the file has no name');
  if (CONTROL.test(name)) throw bad('control characters are not allowed in a file name');
  if (/[\\/]/.test(name) || name === '.' || name === '..')
    throw bad('a file name cannot contain a path (/ or \\ or ..)');
  if (name.length > 200) throw bad('a file name may have at most 200 characters');
  return name;
}

/** Stream to a staging file, hashing and counting. Throws problem+json answers for the client's mistakes. */
export async function stageFile(
  file: Readable & { truncated?: boolean },
  fileName: string,
  stageDir: string,
  budget: { remaining: number; maxFileBytes: number },
): Promise<StagedFile> {
  await mkdir(stageDir, { recursive: true });
  const path = join(stageDir, `upload-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  let overRequest = false;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > budget.remaining) {
        overRequest = true;
        done(new Error('request budget exceeded'));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const out = createWriteStream(path);
  try {
    await pipeline(file, meter, out);
  } catch (err) {
    // The file may still be opening when the upload breaks off: let it close, then remove it.
    if (!out.closed) await once(out, 'close').catch(() => {});
    await unlink(path).catch(() => {});
    if (overRequest) {
      file.resume();
      throw new Problem(
        413,
        'upload_too_large',
        'Upload too large',
        `the files of one request together exceed the limit; send them in several requests`,
      );
    }
    throw new Problem(
      400,
      'upload_incomplete',
      'Upload incomplete',
      `the upload of ${JSON.stringify(fileName)} ended before the file was complete (${(err as Error).message}); nothing was stored`,
    );
  }
  if (file.truncated) {
    await unlink(path).catch(() => {});
    throw new Problem(
      413,
      'file_too_large',
      'File too large',
      `${fileName} is larger than ${budget.maxFileBytes} bytes, the largest file accepted`,
    );
  }
  if (size === 0) {
    await unlink(path).catch(() => {});
    throw new Problem(400, 'empty_file', 'Empty file', `${fileName} has 0 bytes`);
  }
  budget.remaining -= size;
  return { path, sha256: hash.digest('hex'), size, fileName };
}

/** A staged file whose type is checked and whose photo facts (and thumbnail, in the staging folder) are
 * made — nothing of it is in the store yet, so a request refused later leaves nothing behind. */
export interface PreparedFile extends Omit<IngestedFile, 'thumbnail'> {
  /** The thumbnail made beside the staged file, or null. */
  thumbPath: string | null;
}

/** Check the real type and read photo facts. pictures 'deferred': only EXIF is read here (cheap); the
 * picture work is a background job's (workers/evidence.ts), keeping decoding and resizing off the request path. */
export async function prepareStaged(
  staged: StagedFile,
  pictures: 'inline' | 'deferred' = 'inline',
): Promise<PreparedFile> {
  const type = await fileTypeFromFile(staged.path);
  const mime = type?.mime ?? 'unknown';
  const kind = ALLOWED_TYPES[mime];
  if (!kind) {
    throw new Problem(
      415,
      'file_type_not_allowed',
      'File type not allowed',
      `${staged.fileName} is ${type ? `${type.mime} (.${type.ext})` : 'of no recognised type'} by its content; accepted: photos (JPEG, PNG, WebP, HEIC), PDF, Office documents, MP4/MOV videos`,
    );
  }
  let photo: PhotoFacts | null = null;
  let thumbPath: string | null = null;
  if (kind === 'photo' && pictures === 'deferred') {
    photo = { width: null, height: null, dhash: null, ...(await readExif(staged.path)) };
  } else if (kind === 'photo') {
    const path = `${staged.path}.thumb.webp`;
    try {
      const facts = await processPhoto(staged.path, path, mime);
      photo = facts;
      if (facts.thumbnail) thumbPath = path;
    } finally {
      if (!thumbPath) await unlink(path).catch(() => {});
    }
  }
  const processed = kind !== 'photo' || pictures === 'inline';
  return { ...staged, contentType: mime, kind, photo, thumbPath, processed };
}

/** Hand a prepared file's bytes (and thumbnail) to the store under their hash. */
export async function storePrepared(f: PreparedFile, store: FileStore): Promise<IngestedFile> {
  if (f.thumbPath) await store.put(thumbnailKey(f.sha256), f.thumbPath, 'image/webp');
  await store.put(blobKey(f.sha256), f.path, f.contentType);
  const { thumbPath, ...rest } = f;
  return { ...rest, thumbnail: thumbPath !== null };
}

/** Remove a request's staging files (the staged bytes and any thumbnail made beside them). */
export async function discardStaged(files: { path: string }[]): Promise<void> {
  await Promise.all(
    files.flatMap((f) => [unlink(f.path).catch(() => {}), unlink(`${f.path}.thumb.webp`).catch(() => {})]),
  );
}

/** The multipart parser's errors as the client's mistakes they are. */
export function mapMultipartError(err: unknown): unknown {
  if (err instanceof Problem) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return new Problem(413, 'too_many_files', 'Too many files', (err as Error).message);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return new Problem(413, 'too_many_parts', 'Too many parts', (err as Error).message);
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return new Problem(415, 'unsupported_media_type', 'Unsupported media type', 'send multipart/form-data');
  const msg = String((err as Error).message ?? '');
  if (/Unexpected end of (form|multipart)|Malformed part header|Multipart: Boundary not found|aborted/i.test(msg)) {
    return new Problem(
      400,
      'upload_incomplete',
      'Upload incomplete',
      `the multipart body ended early or is malformed (${msg}); nothing was stored`,
    );
  }
  return err;
}
