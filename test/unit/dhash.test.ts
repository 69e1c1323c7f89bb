// The perceptual hash behind "near-duplicate photo reused" (纸面销号 guard (b)): the same picture
// resized, recompressed or slightly cropped stays within the threshold; different pictures do not.
import { describe, expect, it } from 'vitest';
import { hammingDistance, NEAR_DUPLICATE_MAX_DISTANCE } from '../../domain/evidence/guard.ts';
import { dHash } from '../../storage/photo.ts';
import { photo, variants } from '../support/photos.ts';

describe(`dHash near-duplicates (threshold ${NEAR_DUPLICATE_MAX_DISTANCE} of 64 bits)`, () => {
  it('finds the same photo resized, recompressed, converted, brightened or cropped a little', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const original = await photo(seed);
      const h0 = await dHash(original);
      for (const [how, bytes] of Object.entries(await variants(original))) {
        const d = hammingDistance(h0, await dHash(bytes));
        expect({ seed, how, d, near: d <= NEAR_DUPLICATE_MAX_DISTANCE }).toEqual({ seed, how, d, near: true });
      }
    }
  });

  it('keeps different photos apart', async () => {
    const hashes = await Promise.all(Array.from({ length: 30 }, (_, i) => photo(100 + i).then(dHash)));
    let min = 64;
    for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) min = Math.min(min, hammingDistance(hashes[i]!, hashes[j]!));
    expect(min).toBeGreaterThan(NEAR_DUPLICATE_MAX_DISTANCE);
  });
});
