// The starting point both runs of bench:notify share: the data set in a steady state (nothing waiting to be
// told, the wake-ups re-derived) and the instant at which a given share of the items are past their deadline.
import { sql } from 'drizzle-orm';
import { endOfDay } from '../domain/calendar/calendar.ts';
import type { Db } from '../db/client.ts';
import { campaigns, notices, notifyOutbox } from '../db/schema.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { rederiveWakeups } from '../workers/notify/periodic.ts';

/**
 * Nothing waiting to be told. The generated items record no progress, so every one of them would also fall
 * due for the 纳而不帮 quality warning a month after assignment (a warning, not a notice): the campaign sets
 * that rule to 12 months and the re-derive job re-aims the wake-ups, so the deadline timers are what ticks.
 */
export async function steadyState(db: Db, log: (m: string) => void) {
  await db.delete(notifyOutbox);
  await db.delete(notices);
  await db
    .update(campaigns)
    .set({ settings: sql`jsonb_set(${campaigns.settings}, '{noMeasuresWarningMonths}', '12')` });
  const re = await rederiveWakeups(db, createEngineEnv(db));
  log(`wake-ups re-derived: ${re.checked} checked, ${re.fixed} re-aimed`);
}

/** The instant at which `share` of all `items` are past their deadline (the end of the n-th earliest deadline, + 1 min). */
export async function crossing(db: Db, items: number, share: number): Promise<{ at: Date; overdue: number }> {
  const nth = Math.max(1, Math.floor(items * share));
  const {
    rows: [q],
  } = await db.$client.query(
    `select deadline::text as d from items where status in ('assigned', 'in_progress') and deadline is not null order by deadline offset $1 limit 1`,
    [nth - 1],
  );
  const {
    rows: [o],
  } = await db.$client.query(
    `select count(*)::int as n from items where status in ('assigned', 'in_progress') and deadline <= $1`,
    [q.d],
  );
  return { at: new Date(Date.parse(endOfDay(q.d)) + 60_000), overdue: o.n };
}
