// The web application's one time formatter: instants said in Shanghai time whatever the browser's zone,
// including ISO instants inside server-written sentences (the paper sign-off guard's warnings).
import { describe, expect, it } from 'vitest';
import { guardEvidence } from '../../domain/evidence/guard.ts';
import { endOfDay } from '../../domain/calendar/calendar.ts';
import { dueDayOf, formatDate, formatTime, formatTimesIn, officeDate } from '../../web/src/utils/time.ts';
import { storyAt } from './support/fixtures.ts';

describe('formatTime / formatDate', () => {
  it('says an instant in Shanghai time, across the date line', () => {
    expect(formatTime('2026-03-31T15:59:59.000Z')).toBe('2026-03-31 23:59');
    expect(formatTime('2026-03-31T16:00:00Z')).toBe('2026-04-01 00:00');
    expect(formatTime('2026-04-01T00:00:00+08:00')).toBe('2026-04-01 00:00');
    expect(formatDate('2026-03-31T16:00:00.000Z')).toBe('2026-04-01');
  });
  it('passes absent values, bare dates and non-times through', () => {
    expect(formatTime(null)).toBe('');
    expect(formatTime(undefined)).toBe('');
    expect(formatDate('2026-12-25')).toBe('2026-12-25');
    expect(formatTime('未定')).toBe('未定');
  });
  it('says a document’s day as offices write it, in Shanghai', () => {
    expect(officeDate('2026-03-31T16:00:00.000Z')).toBe('2026年4月1日');
    expect(officeDate('2026-12-06')).toBe('2026年12月6日');
    expect(officeDate(null)).toBe('');
  });
  it('a due instant (the midnight after the due day) is due on that day', () => {
    expect(dueDayOf(endOfDay('2026-11-30'))).toBe('2026-11-30');
    expect(dueDayOf(endOfDay('2026-12-31'))).toBe('2026-12-31');
  });
});

describe('formatTimesIn', () => {
  it('replaces every ISO instant in a sentence and leaves bare dates and other numbers alone', () => {
    expect(formatTimesIn('拍摄于 2025-03-01T02:00:00.000Z，早于问题登记时间 2026-03-05T01:30:00Z')).toBe(
      '拍摄于 2025-03-01 10:00，早于问题登记时间 2026-03-05 09:30',
    );
    expect(formatTimesIn('整改时限（2026-03-20）前最后 60 分钟')).toBe('整改时限（2026-03-20）前最后 60 分钟');
    expect(formatTimesIn(null)).toBe('');
  });
  it('reads the guard\'s own "photo taken before the report" warning without raw instants', () => {
    const item = storyAt('in_progress').state;
    const takenAt = new Date(Date.parse(item.reportedAt) - 86_400_000).toISOString();
    const [w] = guardEvidence({
      item,
      command: 'record_progress',
      now: item.reportedAt,
      sameFile: [],
      nearDuplicates: [],
      place: null,
      evidence: [
        { attachmentId: 'p', fileName: '入户照片.jpg', uploadedAt: item.reportedAt, kind: 'photo', takenAt, gps: null },
      ],
    });
    expect(w!.detail).toMatch(/\d{4}-\d{2}-\d{2}T/); // the server writes instants …
    const shown = formatTimesIn(w!.detail);
    expect(shown).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // … the page says them in Shanghai time
    expect(shown).toContain(formatTime(takenAt));
    expect(shown).toContain(formatTime(item.reportedAt));
  });
});
