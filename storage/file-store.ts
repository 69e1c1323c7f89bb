// The file store port: evidence bytes, content-addressed by SHA-256 (one copy per hash).
// Metadata lives in PostgreSQL (attachments, evidence_files); the store only holds bytes.
import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range requests give it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface FileStore {
  readonly kind: 'local' | 's3';
  /** Store the file at `sourcePath` under `key`; when the key exists already, nothing is written. */
  put(key: string, sourcePath: string, contentType: string): Promise<{ stored: boolean }>;
  has(key: string): Promise<boolean>;
  /** The bytes of `key` (or of `range` within it); throws FileMissing when there is no such key. */
  get(key: string, range?: ByteRange): Promise<Readable>;
}

export class FileMissing extends Error {
  constructor(readonly key: string) {
    super(`no stored file ${key}`);
  }
}

/** Keys fan out by the first hash bytes so no directory (or listing prefix) grows huge. */
export const blobKey = (sha256: string) => `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
export const thumbnailKey = (sha256: string) => `thumb/${sha256.slice(0, 2)}/${sha256}.webp`;
/** An issued document's PDF, by the hash of what it renders (documents: content + renderer version). */
export const documentPdfKey = (contentHash: string) => `pdf/${contentHash.slice(0, 2)}/${contentHash}.pdf`;

/** Keys are made here from hex hashes; refuse anything else before it reaches a path or a URL. */
export function assertKey(key: string): void {
  if (
    !/^(sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}|thumb\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp|pdf\/[0-9a-f]{2}\/[0-9a-f]{64}\.pdf)$/.test(
      key,
    )
  ) {
    throw new Error(`refusing file store key ${JSON.stringify(key)}`);
  }
}
