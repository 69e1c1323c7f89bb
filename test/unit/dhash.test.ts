// The perceptual hash behind "near-duplicate photo reused" (纸面销号 guard (b)), taken as uploads take
// it (processPhoto): the same picture resized, recompressed, brightened or slightly
// cropped stays within the threshold; different pictures do not.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hammingDistance, NEAR_DUPLICATE_MAX_DISTANCE } from '../../domain/evidence/guard.ts';
import { processPhoto } from '../../storage/photo.ts';
import { photo, variants } from '../support/photos.ts';

const dir = await mkdtemp(join(tmpdir(), 'zg-dhash-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;
async function hashOf(bytes: Buffer): Promise<bigint> {
  const p = join(dir, `p${++n}`);
  await writeFile(p, bytes);
  const facts = await processPhoto(p, `${p}.webp`);
  if (facts.dhash === null) throw new Error('no dHash');
  return facts.dhash;
}

describe(`dHash near-duplicates (threshold ${NEAR_DUPLICATE_MAX_DISTANCE} of 64 bits)`, () => {
  it('finds the same photo resized, recompressed, converted, brightened or cropped a little', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const original = await photo(seed);
      const h0 = await hashOf(original);
      for (const [how, bytes] of Object.entries(await variants(original))) {
        const d = hammingDistance(h0, await hashOf(bytes));
        expect({ seed, how, d, near: d <= NEAR_DUPLICATE_MAX_DISTANCE }).toEqual({ seed, how, d, near: true });
      }
    }
  });

  it('keeps different photos apart', async () => {
    const hashes: bigint[] = [];
    for (let i = 0; i < 30; i++) hashes.push(await hashOf(await photo(100 + i)));
    let min = 64;
    for (let i = 0; i < hashes.length; i++)
      for (let j = i + 1; j < hashes.length; j++) min = Math.min(min, hammingDistance(hashes[i]!, hashes[j]!));
    expect(min).toBeGreaterThan(NEAR_DUPLICATE_MAX_DISTANCE);
  });
});
