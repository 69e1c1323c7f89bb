import { describe, expect, it } from 'vitest';
import {
  canSeePersonalData,
  DEFAULT_SETTINGS,
  fnv1a32,
  isSampled,
  maskItem,
  maskPerson,
  recheckReason,
  sampleScore,
} from '../../domain/item/index.ts';
import { A, reportCmd, Story, storyAt, T } from './support/fixtures.ts';

describe('recheck selection (复核抽查)', () => {
  it('hashes with FNV-1a 32 over UTF-8 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is reproducible: the same seed selects the same items, another seed others', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
    const pick = (seed: string) => ids.filter((id) => isSampled(seed, id, 0.2));
    expect(pick('2026-Q1')).toEqual(pick('2026-Q1'));
    expect(pick('2026-Q1')).not.toEqual(pick('2026-Q2'));
    expect(sampleScore('s', 'item-1')).toBe(sampleScore('s', 'item-1'));
  });

  it('selects 20% ± 1.5% of 10,000 ids at rate 0.2', () => {
    for (const seed of ['default', 'camp-2026', '乡村振兴']) {
      const n = Array.from({ length: 10_000 }, (_, i) => `item-${i}`).filter((id) => isSampled(seed, id, 0.2)).length;
      expect(n / 10_000).toBeGreaterThan(0.185);
      expect(n / 10_000).toBeLessThan(0.215);
    }
  });

  it('always rechecks petition and hotline items, and flagged ones; samples the rest', () => {
    const none = { ...DEFAULT_SETTINGS, recheckRate: 0 };
    const all = { ...DEFAULT_SETTINGS, recheckRate: 1 };
    const ordinary = storyAt('submitted').state;
    expect(recheckReason(ordinary, none)).toBeNull();
    expect(recheckReason(ordinary, all)).toBe('sampled');
    const hotline = new Story();
    hotline.do(reportCmd({ source: 'hotline' }), A.supervisor, T.report);
    expect(recheckReason(hotline.state, none)).toBe('petition');
    expect(recheckReason({ ...ordinary, flagged: true }, none)).toBe('flagged');
  });

  it('records the reason with the recheck when the item is approved', () => {
    const sampled = storyAt('closed', { settings: { recheckRate: 1 } });
    expect(sampled.state.recheck?.reason).toBe('sampled');
    const skipped = storyAt('closed', { settings: { recheckRate: 0 } });
    expect(skipped.state.recheck).toBeNull();
  });
});

describe('personal data masking', () => {
  it('masks names, phones, ID numbers and addresses', () => {
    expect(
      maskPerson({
        name: '张三丰',
        phone: '13812345678',
        idNumber: '110101195001011234',
        address: '某县某镇某村三组12号',
      }),
    ).toEqual({
      name: '张*丰',
      phone: '138****5678',
      idNumber: '1101**********1234',
      address: '某县某镇某村…',
    });
    expect(maskPerson({ name: '张三' }).name).toBe('张*');
    expect(maskPerson({ name: '欧阳娜娜' }).name).toBe('欧**娜');
    expect(maskPerson({ name: '张' }).name).toBe('*');
    expect(maskPerson({})).toEqual({});
  });

  it('shows personal data to the office, the lead department and the responsible unit only', () => {
    expect(canSeePersonalData(['supervisor'])).toBe(true);
    expect(canSeePersonalData(['lead'])).toBe(true);
    expect(canSeePersonalData(['handler'])).toBe(true);
    expect(canSeePersonalData(['inspector'])).toBe(false);
    expect(canSeePersonalData(['viewer'])).toBe(false);
    expect(canSeePersonalData(['admin'])).toBe(false);
    expect(canSeePersonalData(['viewer', 'handler'])).toBe(true);
  });

  it('masks the item for roles that may not see it, and leaves the state untouched', () => {
    const s = storyAt('reported').state;
    expect(maskItem(s, ['viewer']).person?.name).toBe('张*丰');
    expect(maskItem(s, ['supervisor']).person?.name).toBe('张三丰');
    expect(s.person?.name).toBe('张三丰');
  });
});
