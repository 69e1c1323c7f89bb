// The engine conformance suite: every scenario in scenarios.ts against every runtime.
// - local: always, from two base dates (a fixed one, and tomorrow — where a Temporal run starts),
//   which also proves the scenarios do not depend on their base date;
// - Temporal on the time-skipping test server (TEMPORAL_TEST_SERVER_PATH): every scenario, the months
//   of reminders, escalation, extension, recheck window and reopen passing in seconds;
// - Temporal on a real `temporal server start-dev` (TEMPORAL_ADDRESS, or the one the test run starts):
//   real time, so the scenarios at one instant, and a catch-up where durable timers fire for real.
// Without a server the Temporal suites skip loudly; under ZG_REQUIRE_TEMPORAL/CI they fail instead.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../../domain/calendar/calendar.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { build, type World } from '../support/app.ts';
import {
  startTemporalRuntime,
  type TemporalKind,
  type TemporalRuntime,
  temporalUnavailable,
} from '../support/temporal-runtime.ts';
import { migrateOpenItems, workflowStarter } from '../../bin/temporal-migrate.ts';
import { catchUp } from './catch-up.ts';
import { recordHistory } from './record-history.ts';
import { runScenario, type Runtime } from './harness.ts';
import { needsTimeSkipping, SCENARIOS } from './scenarios.ts';

const DAY_MS = 86_400_000;

describe('conformance: local runtime', () => {
  let w: World;
  let rt: Runtime;
  beforeAll(async () => {
    w = await build();
    rt = {
      name: 'local',
      engine: w.engine,
      // Time passes with the sweep running, as Temporal's timers fire each at its moment: tick at every
      // wake-up on the way (a late tick is downtime, which the catch-up below is about).
      advanceTo: async (instant) => {
        const sweep = async () => {
          const r = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
          if (r.failed.length) throw new Error(`sweep failed: ${JSON.stringify(r.failed)}`);
        };
        for (;;) {
          await sweep();
          const next = await w.db.execute<{ at: string | null }>(
            sql`select min(next_wake_at)::text at from items where next_wake_at > ${w.clock.now().toISOString()}::timestamptz and next_wake_at <= ${instant}::timestamptz`,
          );
          const at = next.rows[0]?.at;
          if (!at) break;
          w.clock.set(new Date(at).toISOString());
        }
        w.clock.set(instant);
        await sweep();
      },
      settle: async () => {},
    };
  });

  const bases = ['2025-03-03', shanghaiDate(new Date(Date.now() + DAY_MS).toISOString())];
  for (const base of bases) {
    for (const s of SCENARIOS) it(`${s.name} (D0 = ${base})`, () => runScenario(rt, w, s, base), 60_000);
  }
  it('catch-up: an item overdue for weeks fires every due timer once, in order', async () => {
    const now = Date.now();
    // Downtime: one late tick at `now`, nothing ticked on the way.
    const fired = await catchUp(w, now, async () => {
      w.clock.set(new Date(now).toISOString());
      const r = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
      if (r.failed.length) throw new Error(`sweep failed: ${JSON.stringify(r.failed)}`);
    });
    expect(fired.events).toEqual(CATCH_UP_EVENTS);
  });
});

/** What the catch-up item fires (see catch-up.ts): the deadline and the steps already due — not the reminders,
 * whose moment passed during the downtime (issue 15 §5). */
const CATCH_UP_EVENTS = ['DeadlineMissed', 'Escalated:1', 'Escalated:2', 'Escalated:3'];

for (const kind of ['time-skipping', 'dev-server'] as const satisfies TemporalKind[]) {
  const unavailable = temporalUnavailable(kind);
  // On a real server time cannot be skipped: only the scenarios at one instant apply there (the others
  // are not skipped, they are not registered — the time-skipping suite runs them).
  const scenarios = kind === 'time-skipping' ? SCENARIOS : SCENARIOS.filter((s) => !needsTimeSkipping(s));

  describe.skipIf(unavailable !== null)(`conformance: Temporal runtime (${kind})`, () => {
    let t: TemporalRuntime;
    let w: World;
    let rt: Runtime;

    beforeAll(async () => {
      w = await build();
      t = await startTemporalRuntime(kind, w.db);
      const env = t.env;
      rt = {
        name: `temporal (${kind})`,
        engine: t.engine,
        advanceTo: async (instant) => {
          if (!env.supportsTimeSkipping) return;
          const wait = Date.parse(instant) - (await env.currentTimeMs());
          if (wait > 0) await env.sleep(wait);
        },
        settle: (itemId) => t.settle(itemId),
      };
    }, 120_000);

    afterAll(async () => {
      await t?.close();
    });

    for (const s of scenarios) {
      it(s.name, async () => {
        // The server's clock cannot go back: start tomorrow (time-skipping) or today (real time).
        const now = await t.env.currentTimeMs();
        const base = shanghaiDate(new Date(t.env.supportsTimeSkipping ? now + DAY_MS : now).toISOString());
        const itemId = await runScenario(rt, w, s, base);
        await recordHistory(t, itemId, s.name);
      }, 300_000);
    }

    it('catch-up: an item overdue for weeks fires every due timer once, in order (its workflow started from the ledger row)', async () => {
      const start = workflowStarter(t.env.client, t.taskQueue);
      const log = () => {};
      const fired = await catchUp(w, await t.env.currentTimeMs(), async (itemId) => {
        // temporal-migrate starts the workflow from the ledger row; its timers for the past wake-ups
        // fire at once, the next one (挂牌督办 at the end of today) waits on the server.
        const first = await migrateOpenItems({ db: w.db, start, log });
        expect(first.started, 'temporal-migrate starts the one item without a workflow').toBe(1);
        await t.settle(itemId);
        const again = await migrateOpenItems({ db: w.db, start, log });
        expect(again.started, 'a second temporal-migrate is a no-op').toBe(0);
        expect(again.running).toBe(first.started + first.running);
      });
      expect(fired.events).toEqual(CATCH_UP_EVENTS);
      const history = await t.env.client.workflow.getHandle(`item-${fired.itemId}`).fetchHistory();
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
      expect(timers.length, 'a durable timer waits for the next escalation step').toBeGreaterThan(0);
      await recordHistory(t, fired.itemId, 'catch-up after temporal-migrate');
    }, 120_000);
  });
}
