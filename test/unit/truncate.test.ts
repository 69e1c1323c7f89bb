// Shortening people's text by character (code point), never by UTF-16 code unit: a CJK Extension B
// character such as 𠮷 (U+20BB7, common in personal names) is two code units, and cutting between
// them leaves a lone surrogate that shows as garbage and breaks strict JSON/UTF-8 consumers.
import { describe, expect, it } from 'vitest';
import { invalidFileName } from '../../api/routes/evidence/ingest.ts';
import { noticeFor } from '../../domain/notice/derive.ts';
import { truncate } from '../../domain/text.ts';
import { storyAt } from './support/fixtures.ts';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// 79 BMP characters then 𠮷: code unit 80 (index 79) is 𠮷's high surrogate.
const name79 = '张'.repeat(79);
const cut = `${name79}𠮷吉祥`;

describe('truncate', () => {
  it('leaves text of at most max characters as it is, without an ellipsis', () => {
    expect(truncate('', 80)).toBe('');
    expect(truncate('房屋仍漏雨', 5)).toBe('房屋仍漏雨');
    expect(truncate('𠮷'.repeat(80), 80)).toBe('𠮷'.repeat(80)); // 160 code units, 80 characters
  });

  it('keeps max characters and appends … only when it cut', () => {
    expect(truncate('房屋仍漏雨', 3)).toBe('房屋仍…');
    expect(truncate('abc', 0)).toBe('…');
  });

  it('never splits a surrogate pair when the 80th code unit is a high surrogate', () => {
    expect(cut.charCodeAt(79)).toBe(0xd842); // the premise: slice(0, 80) would end in a lone surrogate
    expect(LONE_SURROGATE.test(cut.slice(0, 80))).toBe(true);
    const out = truncate(cut, 80);
    expect(out).toBe(`${name79}𠮷…`);
    expect(LONE_SURROGATE.test(out)).toBe(false);
  });
});

describe("where people's text is shortened", () => {
  it('the objection notice quotes at most 80 characters, whole', () => {
    const s = storyAt('submitted');
    const notice = noticeFor(
      { type: 'ObjectionFiled', at: '2026-03-09T02:00:00.000Z', actorId: null, data: { objectionId: 'o1', text: cut } },
      s.state,
    );
    expect(notice!.body).toContain(`“${name79}𠮷…”`);
    expect(LONE_SURROGATE.test(notice!.body)).toBe(false);
  });

  it('an invalid file name is quoted whole in the error (80 characters at most)', () => {
    const p = invalidFileName(`${cut}.jpg`, 'a file name may have at most 200 characters');
    const detail = p.detail!;
    expect(detail).toContain(JSON.stringify(`${name79}𠮷…`));
    expect(detail).not.toContain('\\ud842');
  });
});
