// Report cycles (月报): which periods a campaign's reporting units owe, and when each falls due.
// 003: "从3月份开始,每月月底前报送…;9月底报送工作报告、整改台账" — monthly from a first month, plus
// one-off reports with their own due day.
import { z } from 'zod';
import { endOfDay, isWorkingDay, startOfDay, type CalendarData } from '../calendar/calendar.ts';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const reportCycleSchema = z
  .strictObject({
    /** Units that owe a report each period (villages, lead departments). */
    reportingUnitIds: z.array(z.uuid()).min(1).max(2000),
    firstMonth: month,
    lastMonth: month.nullable().default(null),
    /** 'month_end' or a day of the month (clamped to the month's last day). */
    dueDay: z.union([z.literal('month_end'), z.number().int().min(1).max(31)]),
    /** Count the due day on the official calendar: a due day that is not a working day moves back
     * to the last working day before it ("月底前报送" — before, never after). */
    workingDays: z.boolean().default(false),
    /** One-off reports, e.g. { key: '2026-work-report', title: '工作报告、整改台账', dueOn: '2026-09-30' }. */
    extras: z
      .array(
        z.strictObject({
          key: z.string().regex(/^[a-z0-9-]{1,40}$/),
          title: z.string().min(1).max(100),
          opensOn: date,
          dueOn: date,
        }),
      )
      .max(20)
      .default([]),
    /** Remind this many days before the due instant. */
    remindBeforeDays: z.number().int().min(0).max(15).default(3),
  })
  .superRefine((c, ctx) => {
    if (c.lastMonth && c.lastMonth < c.firstMonth)
      ctx.addIssue({ code: 'custom', path: ['lastMonth'], message: 'before firstMonth' });
    for (const [i, x] of c.extras.entries())
      if (x.dueOn < x.opensOn)
        ctx.addIssue({ code: 'custom', path: ['extras', i, 'dueOn'], message: 'before opensOn' });
    if (new Set(c.reportingUnitIds).size !== c.reportingUnitIds.length)
      ctx.addIssue({ code: 'custom', path: ['reportingUnitIds'], message: 'a unit is listed twice' });
  });

export type ReportCycle = z.infer<typeof reportCycleSchema>;

/** One period a unit reports for: a month ('2026-03') or a one-off report ('x-<key>'). */
export interface ReportPeriod {
  period: string;
  title: string;
  /** Statistics cover [from, to); the report may be filed from `opensAt`. */
  from: string;
  to: string;
  opensAt: string;
  dueOn: string;
  dueAt: string;
  dueProvisional: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
function lastDayOf(ym: string): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  return `${ym}-${pad(new Date(Date.UTC(y, m, 0)).getUTCDate())}`;
}
function nextMonth(ym: string): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${pad(m + 1)}`;
}
const prevDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** The due day moved back onto a working day when the cycle counts working days. */
function dueDate(nominal: string, cycle: ReportCycle, cal: CalendarData): { dueOn: string; provisional: boolean } {
  if (!cycle.workingDays) return { dueOn: nominal, provisional: false };
  let d = nominal;
  for (let i = 0; i < 31; i++) {
    const w = isWorkingDay(d, cal);
    if (w === null) return { dueOn: nominal, provisional: true };
    if (w) return { dueOn: d, provisional: false };
    d = prevDay(d);
  }
  return { dueOn: nominal, provisional: true };
}

function monthPeriod(ym: string, cycle: ReportCycle, cal: CalendarData): ReportPeriod {
  const last = lastDayOf(ym);
  const nominal = cycle.dueDay === 'month_end' ? last : `${ym}-${pad(Math.min(cycle.dueDay, Number(last.slice(8))))}`;
  const { dueOn, provisional } = dueDate(nominal, cycle, cal);
  const from = startOfDay(`${ym}-01`);
  return {
    period: ym,
    title: `${ym.slice(0, 4)}年${Number(ym.slice(5))}月月报`,
    from,
    to: endOfDay(last),
    opensAt: from,
    dueOn,
    dueAt: endOfDay(dueOn),
    dueProvisional: provisional,
  };
}

/** Every period of the cycle up to `untilMonth` (inclusive; the campaign end or a year ahead). */
export function cyclePeriods(cycle: ReportCycle, untilMonth: string, cal: CalendarData): ReportPeriod[] {
  const out: ReportPeriod[] = [];
  const stop = cycle.lastMonth && cycle.lastMonth < untilMonth ? cycle.lastMonth : untilMonth;
  for (let ym = cycle.firstMonth; ym <= stop; ym = nextMonth(ym)) out.push(monthPeriod(ym, cycle, cal));
  for (const x of cycle.extras) {
    const { dueOn, provisional } = dueDate(x.dueOn, cycle, cal);
    out.push({
      period: `x-${x.key}`,
      title: x.title,
      from: startOfDay(x.opensOn),
      to: endOfDay(x.dueOn),
      opensAt: startOfDay(x.opensOn),
      dueOn,
      dueAt: endOfDay(dueOn),
      dueProvisional: provisional,
    });
  }
  return out.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.period < b.period ? -1 : 1));
}

/** The period named `period`, or null when the cycle has no such period. */
export function findPeriod(cycle: ReportCycle, period: string, cal: CalendarData): ReportPeriod | null {
  if (period.startsWith('x-'))
    return cyclePeriods(cycle, cycle.firstMonth, cal).find((p) => p.period === period) ?? null;
  if (
    !/^\d{4}-(0[1-9]|1[0-2])$/.test(period) ||
    period < cycle.firstMonth ||
    (cycle.lastMonth && period > cycle.lastMonth)
  )
    return null;
  return monthPeriod(period, cycle, cal);
}
