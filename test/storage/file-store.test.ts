// One suite, every file store: the local disk always, S3 over HTTP against s3rver (started here on
// loopback), and MinIO (or any S3-compatible store) when S3_ENDPOINT is set.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey, FileMissing, type FileStore, thumbnailKey } from '../../storage/file-store.ts';
import { createLocalStore } from '../../storage/local-store.ts';
import { createS3Client, createS3Store, type S3Options } from '../../storage/s3-store.ts';

const scratch = await mkdtemp(join(tmpdir(), 'zg-store-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

const buf = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

async function fileWith(bytes: Buffer) {
  const p = join(scratch, `src-${randomBytes(4).toString('hex')}`);
  await writeFile(p, bytes);
  return { path: p, sha: createHash('sha256').update(bytes).digest('hex') };
}

type Factory = () => Promise<FileStore>;
const stores: [string, Factory][] = [
  ['local disk', async () => createLocalStore(await mkdtemp(join(scratch, 'local-')))],
  [
    'S3 (s3rver on loopback)',
    async () => {
      const server = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: await mkdtemp(join(scratch, 's3rver-')),
        configureBuckets: [{ name: 'evidence' }],
      });
      const { port } = (await server.run()) as AddressInfo;
      afterAll(() => server.close());
      return createS3Store({
        endpoint: `http://127.0.0.1:${port}`,
        bucket: 'evidence',
        region: 'us-east-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
      });
    },
  ],
];
const env = process.env;
// Every store runs the same suite; one that cannot run here is reported as skipped, with the reason, by the
// whole suite rather than silently absent.
const skipped = new Map<string, string>();
stores.push([
  'S3 (S3_ENDPOINT, e.g. MinIO)',
  async () => {
    const o: S3Options = {
      endpoint: env.S3_ENDPOINT!,
      bucket: `zg-test-${randomBytes(4).toString('hex')}`,
      region: env.S3_REGION ?? 'us-east-1',
      accessKeyId: env.S3_ACCESS_KEY_ID ?? 'minioadmin',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? 'minioadmin',
      forcePathStyle: true,
    };
    await createS3Client(o).send(new CreateBucketCommand({ Bucket: o.bucket }));
    return createS3Store(o);
  },
]);
if (!env.S3_ENDPOINT) {
  skipped.set('S3 (S3_ENDPOINT, e.g. MinIO)', 'set S3_ENDPOINT (and S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) to run it');
  console.warn(
    '[file-store] S3_ENDPOINT not set: the MinIO run of the file store suite is SKIPPED (s3rver still runs)',
  );
}

for (const [name, make] of stores) {
  const why = skipped.get(name);
  describe.skipIf(why !== undefined)(`file store: ${name}${why ? ` — skipped: ${why}` : ''}`, () => {
    let store: FileStore;
    beforeAll(async () => {
      store = await make();
    });

    it('stores bytes under their hash once and reads them back whole', async () => {
      const bytes = randomBytes(300_000);
      const f = await fileWith(bytes);
      expect(await store.has(blobKey(f.sha))).toBe(false);
      expect(await store.put(blobKey(f.sha), f.path, 'image/jpeg')).toEqual({ stored: true });
      expect(await store.put(blobKey(f.sha), f.path, 'image/jpeg')).toEqual({ stored: false });
      expect(await store.has(blobKey(f.sha))).toBe(true);
      expect((await buf(await store.get(blobKey(f.sha)))).equals(bytes)).toBe(true);
    });

    it('reads an inclusive byte range', async () => {
      const bytes = Buffer.from('0123456789abcdefghij');
      const f = await fileWith(bytes);
      await store.put(blobKey(f.sha), f.path, 'text/plain');
      expect(await text(await store.get(blobKey(f.sha), { start: 3, end: 7 }))).toBe('34567');
      expect(await text(await store.get(blobKey(f.sha), { start: 15, end: 19 }))).toBe('fghij');
    });

    it('keeps thumbnails under their own keys', async () => {
      const f = await fileWith(Buffer.from('thumb'));
      await store.put(thumbnailKey(f.sha), f.path, 'image/webp');
      expect(await store.has(thumbnailKey(f.sha))).toBe(true);
      expect(await store.has(blobKey(f.sha))).toBe(false);
    });

    it('says FileMissing for a key it does not hold', async () => {
      await expect(store.get(blobKey('f'.repeat(64)))).rejects.toBeInstanceOf(FileMissing);
    });

    it('refuses keys that are not made from a hash (no path tricks)', async () => {
      await expect(store.has('../../etc/passwd')).rejects.toThrow(/refusing file store key/);
      await expect(store.get('sha256/../../x')).rejects.toThrow(/refusing file store key/);
    });
  });
}

it('the local store leaves no partial files behind', async () => {
  const root = await mkdtemp(join(scratch, 'partial-'));
  const store = createLocalStore(root);
  const f = await fileWith(Buffer.from('x'));
  await Promise.all([1, 2, 3].map(() => store.put(blobKey(f.sha), f.path, 'text/plain')));
  const dir = join(root, 'sha256', f.sha.slice(0, 2), f.sha.slice(2, 4));
  expect(await readdir(dir)).toEqual([f.sha]);
});
