// Evidence bytes on the local disk under DATA_DIR/files (the embedded default).
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { assertKey, type ByteRange, FileMissing, type FileStore } from './file-store.ts';

export function createLocalStore(root: string): FileStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    assertKey(key);
    return join(base, key);
  };
  const exists = async (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );
  return {
    kind: 'local',
    async put(key, sourcePath) {
      const target = pathOf(key);
      if (await exists(target)) return { stored: false };
      await mkdir(dirname(target), { recursive: true });
      // Write under a temporary name first, then rename: a reader never sees half a file.
      const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
      try {
        await link(sourcePath, partial).catch(() => copyFile(sourcePath, partial));
        await rename(partial, target);
      } finally {
        await unlink(partial).catch(() => {});
      }
      return { stored: true };
    },
    has: async (key) => exists(pathOf(key)),
    async get(key, range?: ByteRange) {
      const p = pathOf(key);
      if (!(await exists(p))) throw new FileMissing(key);
      return createReadStream(p, range ? { start: range.start, end: range.end } : {});
    },
  };
}
