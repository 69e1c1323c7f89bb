// Which closed items are rechecked (复核). Petition/hotline and flagged items always are (000:
// 由县牵头组织复核); the rest are sampled at the campaign's rate (001: 20%). Sampling is a pure hash
// of the campaign's recorded seed and the item id, so anyone can reproduce the selection later.
import type { CampaignSettings, ItemState, RecheckReason } from './types.ts';

function utf8(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8(text)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finalizer: FNV-1a alone spreads ids differing only in their last character poorly. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A reproducible number in [0, 1) for `${seed}:${itemId}`. */
export function sampleScore(seed: string, itemId: string): number {
  return fmix32(fnv1a32(`${seed}:${itemId}`)) / 2 ** 32;
}

export function isSampled(seed: string, itemId: string, rate: number): boolean {
  return sampleScore(seed, itemId) < rate;
}

/** Why this item, being closed now, must be rechecked — or null when it is not selected. */
export function recheckReason(state: ItemState, settings: CampaignSettings): RecheckReason | null {
  if (state.source === 'petition' || state.source === 'hotline') return 'petition';
  if (state.flagged || state.everFlagged) return 'flagged';
  return isSampled(settings.recheckSeed, state.id, settings.recheckRate) ? 'sampled' : null;
}
