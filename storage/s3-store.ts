// Evidence bytes in an S3-compatible object store (MinIO in production), streamed both ways.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertKey, type ByteRange, FileMissing, type FileStore } from './file-store.ts';

export interface S3Options {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** MinIO and most self-hosted stores want path-style URLs (http://host/bucket/key). */
  forcePathStyle: boolean;
}

export function createS3Client(o: S3Options): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    // Checksums on every request are a newer AWS default that some S3-compatible servers reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const notFound = (err: unknown) =>
  err instanceof S3ServiceException &&
  (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey');

export function createS3Store(o: S3Options, client = createS3Client(o)): FileStore {
  async function has(key: string) {
    assertKey(key);
    try {
      await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: key }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw new Error(`object store ${o.endpoint} bucket ${o.bucket}: HEAD ${key} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return {
    kind: 's3',
    has,
    async put(key, sourcePath, contentType) {
      if (await has(key)) return { stored: false };
      // lib-storage streams the file in parts (5 MB each); the whole file is never in memory.
      const upload = new Upload({
        client,
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
        params: { Bucket: o.bucket, Key: key, Body: createReadStream(sourcePath), ContentType: contentType },
      });
      await upload.done();
      return { stored: true };
    },
    async get(key, range?: ByteRange) {
      assertKey(key);
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket: o.bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        return out.Body as Readable;
      } catch (err) {
        if (notFound(err)) throw new FileMissing(key);
        throw new Error(`object store ${o.endpoint} bucket ${o.bucket}: GET ${key} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
  };
}
