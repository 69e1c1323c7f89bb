// Concentrated screenings (集中排查) from seed 003 §二(一): besides the everyday screening, a campaign
// holds at least two concentrated screening rounds a year. A round records when, where (its scope of
// units), who did it, and per unit either the problems it found (items that carry the round's id) or
// that it found none — a "no problem found" is a result, not the absence of one.
import { daysBetween, isValidDate } from '../calendar/calendar.ts';

/** 003: “每年至少组织两次集中排查”. */
export const SCREENINGS_PER_YEAR = 2;

export interface ScreeningRoundInput {
  name: string;
  startsOn: string;
  endsOn: string;
  /** The units screened (villages, departments). */
  scopeUnitIds: string[];
  /** Who screened (村支两委, 驻村工作队, a department), as the office writes it. */
  conductedBy: string;
}

export type UnitResult = { unitId: string; result: 'problems_found' | 'no_problem_found'; note?: string };

export type ScreeningProblem = { field: string; message: string };

/** What is wrong with a round as entered, field by field (empty when it is fine). */
export function checkScreeningRound(
  r: ScreeningRoundInput,
  campaign: { startsOn: string; endsOn: string | null },
): ScreeningProblem[] {
  const out: ScreeningProblem[] = [];
  if (!isValidDate(r.startsOn)) out.push({ field: 'startsOn', message: 'not a calendar date' });
  if (!isValidDate(r.endsOn)) out.push({ field: 'endsOn', message: 'not a calendar date' });
  if (out.length) return out;
  if (r.endsOn < r.startsOn) out.push({ field: 'endsOn', message: 'ends before it starts' });
  if (r.startsOn < campaign.startsOn) out.push({ field: 'startsOn', message: 'before the campaign starts' });
  if (campaign.endsOn && r.endsOn > campaign.endsOn) out.push({ field: 'endsOn', message: 'after the campaign ends' });
  if (new Set(r.scopeUnitIds).size !== r.scopeUnitIds.length)
    out.push({ field: 'scopeUnitIds', message: 'a unit is listed twice' });
  return out;
}

/** A unit may record "no problem found" only if no item of the round names it. */
export function checkUnitResult(result: UnitResult, itemsOfUnit: number): ScreeningProblem | null {
  if (result.result === 'no_problem_found' && itemsOfUnit > 0)
    return { field: 'result', message: `${itemsOfUnit} item(s) of this round name the unit` };
  return null;
}

export interface ScreeningWarning {
  code: 'too_few_screenings';
  year: number;
  done: number;
  required: number;
  /** Days left in the year after `today` (0 once the year is over). */
  daysLeft: number;
  message: string;
}

/** The office is warned while fewer than two concentrated screenings ended in the year. */
export function screeningWarnings(
  rounds: { startsOn: string; endsOn: string }[],
  year: number,
  today: string,
): ScreeningWarning[] {
  const done = rounds.filter((r) => r.endsOn.startsWith(`${year}-`) && r.endsOn <= today).length;
  if (done >= SCREENINGS_PER_YEAR) return [];
  const end = `${year}-12-31`;
  const daysLeft = today > end ? 0 : daysBetween(today, end);
  return [
    {
      code: 'too_few_screenings',
      year,
      done,
      required: SCREENINGS_PER_YEAR,
      daysLeft,
      message: `${year}年已完成集中排查${done}次,每年至少组织${SCREENINGS_PER_YEAR}次集中排查${daysLeft ? `(本年还剩${daysLeft}天)` : ''}`,
    },
  ];
}
