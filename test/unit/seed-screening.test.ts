// Rule 3 of issue 17 — seed 003 §二(一) 2.(2):
// “采取农户自主申报、基层干部排查、部门筛查预警等方式进行深入细致排查;……建好防返贫监测排查台账。
//  在坚持常态化排查的基础上,每年至少组织两次集中排查。”
import { describe, expect, it } from 'vitest';
import {
  checkScreeningRound,
  checkUnitResult,
  SCREENINGS_PER_YEAR,
  screeningWarnings,
} from '../../domain/screening/rounds.ts';

const campaign = { startsOn: '2026-03-01', endsOn: '2026-12-31' };
const round = {
  name: '第一次集中排查',
  startsOn: '2026-03-10',
  endsOn: '2026-03-25',
  scopeUnitIds: ['v1', 'v2'],
  conductedBy: '村支两委、驻村工作队',
};

describe('003 §二(一) 每年至少组织两次集中排查', () => {
  it('requires two a year', () => expect(SCREENINGS_PER_YEAR).toBe(2));

  it('warns while fewer than two rounds ended in the year, counting days left', () => {
    expect(screeningWarnings([], 2026, '2026-07-01')).toMatchObject([
      { code: 'too_few_screenings', done: 0, required: 2, daysLeft: 183 },
    ]);
    const one = [{ startsOn: '2026-03-10', endsOn: '2026-03-25' }];
    expect(screeningWarnings(one, 2026, '2026-12-31')[0]).toMatchObject({ done: 1, daysLeft: 0 });
    expect(screeningWarnings(one, 2026, '2026-12-31')[0]!.message).toContain('每年至少组织2次集中排查');
    // a round still running does not count yet; one of another year never does
    const running = [...one, { startsOn: '2026-09-01', endsOn: '2026-09-30' }];
    expect(screeningWarnings(running, 2026, '2026-09-15')).toHaveLength(1);
    expect(screeningWarnings(running, 2026, '2026-09-30')).toEqual([]);
    expect(
      screeningWarnings([...one, { startsOn: '2025-10-01', endsOn: '2025-10-20' }], 2026, '2026-12-31'),
    ).toHaveLength(1);
  });

  it('names the fields of a round that is wrong: dates, order, inside the campaign, scope listed once', () => {
    expect(checkScreeningRound(round, campaign)).toEqual([]);
    expect(checkScreeningRound({ ...round, startsOn: '2026-02-30' }, campaign)).toEqual([
      { field: 'startsOn', message: 'not a calendar date' },
    ]);
    expect(checkScreeningRound({ ...round, endsOn: '2026-03-01' }, campaign).map((p) => p.field)).toEqual(['endsOn']);
    expect(
      checkScreeningRound({ ...round, startsOn: '2026-02-01', scopeUnitIds: ['v1', 'v1'] }, campaign).map(
        (p) => p.field,
      ),
    ).toEqual(['startsOn', 'scopeUnitIds']);
  });

  it('“no problem found” is a unit result, refused when an item of the round names the unit', () => {
    expect(checkUnitResult({ unitId: 'v1', result: 'no_problem_found' }, 0)).toBeNull();
    expect(checkUnitResult({ unitId: 'v1', result: 'no_problem_found' }, 2)).toMatchObject({ field: 'result' });
    expect(checkUnitResult({ unitId: 'v1', result: 'problems_found' }, 2)).toBeNull();
  });
});
