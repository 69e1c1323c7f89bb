// The benchmark data set generated back in time (bench/load.ts `pastDue`), which bench:notify on Temporal
// relies on: a real server's clock cannot be moved, so the items must already be past their deadline.
import { describe, expect, it } from 'vitest';
import { endOfDay } from '../../domain/calendar/calendar.ts';
import { loadWorld } from '../../bench/load.ts';
import { crossing } from '../../bench/notify-world.ts';
import { createTestDatabase } from '../support/db.ts';

describe('bench world shifted back in time', () => {
  it('puts about the asked share of the items past their deadline now, with chains that verify', async () => {
    const { db } = await createTestDatabase();
    const items = 1500;
    const world = await loadWorld(db, { items, log: () => {}, pastDue: 0.1 });
    expect(world.shiftDays).toBeGreaterThan(0);
    expect(world.verified.length).toBeGreaterThan(0); // loadWorld throws when a sample chain does not verify

    const now = Date.now();
    const { rows } = await db.$client.query(
      `select deadline::text as d from items where status in ('assigned', 'in_progress') and deadline is not null`,
    );
    const past = rows.filter((r) => Date.parse(endOfDay(r.d)) <= now).length;
    // Estimated on a sample before loading, and deadlines counted in working days follow the calendar.
    expect(past / items).toBeGreaterThan(0.05);
    expect(past / items).toBeLessThan(0.15);
    // The instant at which 10 % are past their deadline is near now (whole days; holidays move working-day deadlines).
    const { at } = await crossing(db, items, 0.1);
    expect(Math.abs(at.getTime() - now)).toBeLessThan(3 * 86_400_000);
    const {
      rows: [due],
    } = await db.$client.query(`select count(*)::int as n from items where next_wake_at <= now()`);
    expect(due.n).toBeGreaterThanOrEqual(past);
  }, 120_000);
});
