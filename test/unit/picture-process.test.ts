// The picture work in its own low-priority process: the same facts as in-process, at nice 19, and a
// picture that overruns its time kills the child, which the next picture starts again.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { processPicture } from '../../storage/photo.ts';
import { createPictureProcess } from '../../storage/picture-process.ts';
import { photo } from '../support/photos.ts';

// Background work (a child process started with tsx, queue polling) is slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

const dir = await mkdtemp(join(tmpdir(), 'zg-pictures-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
/** Field 19 of /proc/<pid>/stat: the nice value. */
const niceOf = (pid: number) =>
  Number(
    readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ')[16],
  );

describe('picture process', () => {
  it('gives the same facts as in-process, from a child at nice 19', async () => {
    const p = createPictureProcess();
    try {
      const src = join(dir, 'a.jpg');
      await writeFile(src, await photo(31, { width: 900, height: 600 }));
      const there = await p.run(src, join(dir, 'a1.webp'), 'image/jpeg');
      const here = await processPicture(src, join(dir, 'a2.webp'), 'image/jpeg');
      expect(there).toEqual(here);
      expect(typeof there.dhash).toBe('bigint');
      expect(there).toMatchObject({ width: 900, height: 600, thumbnail: true });
      expect(niceOf(p.pid()!)).toBe(19);
      // HEIC through libheif in the child as well.
      const heic = await p.run(
        join(import.meta.dirname, '../fixtures/photos/site-7070.heic'),
        join(dir, 'h.webp'),
        'image/heic',
      );
      expect(heic).toMatchObject({ width: 480, height: 360, thumbnail: true });
    } finally {
      await p.close();
    }
  });

  it('a picture over its time limit fails; a child that died is started again for the next picture', async () => {
    const src = join(dir, 'b.jpg');
    await writeFile(src, await photo(32, { width: 2000, height: 1500 }));
    const slow = createPictureProcess({ timeoutMs: 1 });
    await expect(slow.run(src, join(dir, 'b.webp'), 'image/jpeg')).rejects.toThrow(/longer than 1 ms/);
    await slow.close();

    const logs: string[] = [];
    const p = createPictureProcess({ log: (m) => logs.push(m) });
    try {
      expect(await p.run(src, join(dir, 'b1.webp'), 'image/jpeg')).toMatchObject({ width: 2000, thumbnail: true });
      const first = p.pid()!;
      const inHand = p.run(src, join(dir, 'b2.webp'), 'image/jpeg');
      process.kill(first, 'SIGKILL');
      await expect(inHand).rejects.toThrow(/exited .*signal SIGKILL/);
      expect(logs.join('\n')).toContain('their jobs will retry');
      expect(await p.run(src, join(dir, 'b3.webp'), 'image/jpeg')).toMatchObject({ width: 2000, thumbnail: true });
      expect(p.pid()).not.toBe(first);
    } finally {
      await p.close();
    }
  });
});
