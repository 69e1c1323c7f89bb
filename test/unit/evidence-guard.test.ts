// The paper sign-off guard's pure rules: given the facts, which warnings (and which not).
import { describe, expect, it } from 'vitest';
import {
  BULK_MIN_FILES,
  distanceMetres,
  guardEvidence,
  type GuardInput,
  LAST_MINUTES,
} from '../../domain/evidence/guard.ts';
import { storyAt } from './support/fixtures.ts';

const item = () => ({ ...storyAt('in_progress').state, deadline: '2026-03-20' });
const fact = (id: string, uploadedAt: string, extra: Partial<GuardInput['evidence'][number]> = {}) => ({
  attachmentId: id,
  fileName: `${id}.jpg`,
  uploadedAt,
  kind: 'photo',
  takenAt: null,
  gps: null,
  ...extra,
});
const input = (over: Partial<GuardInput>): GuardInput => ({
  item: item(),
  command: 'submit',
  now: '2026-03-20T15:30:00.000Z',
  evidence: [],
  sameFile: [],
  nearDuplicates: [],
  place: null,
  ...over,
});

describe('last-minute bulk sign-off', () => {
  // The deadline 2026-03-20 ends at 16:00Z (midnight in Shanghai).
  const late = (n: number, at = '2026-03-20T15:10:00.000Z') => Array.from({ length: n }, (_, i) => fact(`a${i}`, at));
  it(`warns when ≥ ${BULK_MIN_FILES} files all came in the last ${LAST_MINUTES} minutes`, () => {
    expect(guardEvidence(input({ evidence: late(3) })).map((w) => w.code)).toEqual(['last_minute_bulk']);
  });
  it('not for fewer files, one earlier file, a progress report, or a submission after the deadline', () => {
    expect(guardEvidence(input({ evidence: late(2) }))).toEqual([]);
    expect(guardEvidence(input({ evidence: [...late(3), fact('early', '2026-03-19T02:00:00.000Z')] }))).toEqual([]);
    expect(guardEvidence(input({ evidence: late(3), command: 'record_progress' }))).toEqual([]);
    expect(guardEvidence(input({ evidence: late(3), now: '2026-03-20T16:30:00.000Z' }))).toEqual([]);
    expect(guardEvidence(input({ evidence: late(3, '2026-03-20T14:50:00.000Z') }))).toEqual([]);
  });
});

describe('photo time and place', () => {
  it('before the report, far away — not for documents, not without a place', () => {
    const s = item();
    const before = new Date(Date.parse(s.reportedAt) - 86_400_000).toISOString();
    const far = { lat: 34.9, lon: 112.45 };
    const place = { lat: 34.7, lon: 112.45, radiusM: 5000 };
    expect(
      guardEvidence(
        input({
          command: 'record_progress',
          evidence: [fact('p', s.reportedAt, { takenAt: before, gps: far })],
          place,
        }),
      ).map((w) => w.code),
    ).toEqual(['photo_before_report', 'photo_far_away']);
    expect(
      guardEvidence(
        input({
          command: 'record_progress',
          evidence: [fact('d', s.reportedAt, { kind: 'document', takenAt: before, gps: far })],
          place,
        }),
      ),
    ).toEqual([]);
    expect(
      guardEvidence(input({ command: 'record_progress', evidence: [fact('p', s.reportedAt, { gps: far })] })),
    ).toEqual([]);
    expect(Math.round(distanceMetres({ lat: 34.7, lon: 112.45 }, far) / 100) / 10).toBe(22.2);
  });
});

describe('reuse', () => {
  it('one warning per cited file, listing every other item; raised once', () => {
    const uses = [
      { attachmentId: 'a', otherItemId: 'i2', otherAttachmentId: 'b', otherUnitName: '南陈村' },
      { attachmentId: 'a', otherItemId: 'i3', otherAttachmentId: 'c', otherUnitName: '东营村' },
    ];
    const [w] = guardEvidence(
      input({ command: 'record_progress', evidence: [fact('a', '2026-03-10T00:00:00.000Z')], sameFile: uses }),
    );
    expect(w).toMatchObject({
      code: 'same_file_elsewhere',
      attachmentIds: ['a'],
      related: [
        { itemId: 'i2', attachmentId: 'b' },
        { itemId: 'i3', attachmentId: 'c' },
      ],
    });
    expect(w!.detail).toContain('南陈村、东营村');
    const raised = { ...item(), evidenceWarnings: [{ ...w!, raisedAt: '2026-03-10T00:00:00.000Z', dismissed: null }] };
    expect(guardEvidence(input({ item: raised, command: 'record_progress', sameFile: uses }))).toEqual([]);
  });
});
