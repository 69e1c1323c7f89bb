// nextWake and tick must agree exactly, for any state: a tick at nextWake fires something, a tick a
// millisecond earlier fires nothing, and one late tick fires the same as ticking at every wake-up.
import { describe, expect, it } from 'vitest';
import {
  addDays,
  type CalendarData,
  instantMs,
  shanghaiDate,
  toInstant,
  withYears,
} from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import {
  type Actor,
  allowedCommands,
  type CampaignSettings,
  decide,
  DEFAULT_SETTINGS,
  evolve,
  type ItemCommand,
  type ItemCommandType,
  type ItemEvent,
  type ItemState,
  nextWake,
} from '../../domain/item/index.ts';
import { A, ctx, reportCmd, U } from './support/fixtures.ts';

/** mulberry32: a tiny seeded PRNG, so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const CAL_2027 = withYears(OFFICIAL_CALENDAR, [
  { year: 2027, source: 'test', holidays: ['2027-01-01', '2027-02-08'], workdays: ['2027-02-06'] },
]);
const POOL: Actor[] = [A.supervisor, A.lead, A.handler, A.handlerB, A.inspector];

function randomSettings(r: Rng): CampaignSettings {
  return {
    ...DEFAULT_SETTINGS,
    workingDays: r.chance(0.7),
    immediateDays: r.int(1, 10),
    remindBeforeDays: r.pick([[], [1], [3, 1], [5, 2, 0], [2, 2]]),
    escalationSteps: r.pick([
      DEFAULT_SETTINGS.escalationSteps,
      [],
      [
        { level: 1, afterDays: 2, target: 'unit_head' },
        { level: 2, afterDays: 1, target: 'flag' },
      ], // non-monotonic on purpose
      [{ level: 3, afterDays: 0, target: 'flag' }],
    ]),
    recheckRate: r.pick([0, 0.5, 1]),
    recheckWindowDays: r.int(5, 40),
    reopenDays: r.int(1, 15),
    noMeasuresWarningMonths: r.int(1, 2),
  };
}

function payload(type: ItemCommandType, s: ItemState, now: string, r: Rng): ItemCommand | null {
  const today = shanghaiDate(now);
  const plus = (d: string, n: number) => addDays(d, n, 'calendar', OFFICIAL_CALENDAR).date;
  switch (type) {
    case 'assign': {
      const mode = r.pick(['immediate', 'phased'] as const);
      const timing =
        mode === 'phased' || r.chance(0.5)
          ? r.pick([{ deadline: plus(today, r.int(0, 60)) }, { days: r.int(1, 25) }])
          : {};
      return {
        type,
        responsibleUnit: r.pick([U.va, U.vb]),
        measures: 'm',
        mode,
        ...timing,
        ...(mode === 'phased' ? { milestones: [{ id: 'm1', title: 't', dueOn: today }] } : {}),
      };
    }
    case 'record_progress':
      return { type, note: 'n', substantive: r.chance(0.5) };
    case 'complete_milestone': {
      const open = s.milestones.find((m) => m.completedAt === null);
      return open ? { type, milestoneId: open.id } : null;
    }
    case 'request_extension':
      return { type, newDeadline: plus(s.deadline! > today ? s.deadline! : today, r.int(1, 30)), reason: 'r' };
    case 'decide_extension':
      return { type, approve: r.chance(0.6) };
    case 'transfer':
      return { type, responsibleUnit: s.responsibleUnit?.id === 'va' ? U.vb : U.va, reason: 'r' };
    case 'submit':
      return s.milestones.every((m) => m.completedAt !== null) ? { type, summary: 's', evidence: ['e'] } : null;
    case 'reject':
      return { type, reason: 'r' };
    case 'recheck':
      return r.chance(0.5)
        ? { type, passed: true, findings: 'f' }
        : { type, passed: false, findings: 'f', ...(r.chance(0.3) ? { deadline: plus(today, r.int(0, 20)) } : {}) };
    case 'schedule_recheck':
      return { type, reason: 'look_back', dueBy: plus(today, r.int(1, 40)) };
    case 'dismiss':
      return r.chance(0.2) ? { type, reason: 'r' } : null;
    case 'flag':
      // 督办 with a level and its own deadline half the time (its reminders are timers too).
      return r.chance(0.5)
        ? { type, reason: 'r', level: r.pick(['duban', 'guapai'] as const), dueOn: plus(today, r.int(0, 30)) }
        : { type, reason: 'r' };
    case 'unflag':
      return { type, reason: 'r' };
    case 'comment':
      return { type, text: 't' };
    case 'accept':
    case 'approve':
      return { type } as ItemCommand;
    default:
      return null;
  }
}

/** A random but valid history; returns every state along the way with the env it was built under. */
function walk(seed: number) {
  const r = rng(seed);
  const settings = randomSettings(r);
  const calendar = r.chance(0.3) ? CAL_2027 : OFFICIAL_CALENDAR;
  const over = { settings, calendar };
  let now = toInstant(Date.UTC(2025, 0, 1) + r.int(0, 720) * 86_400_000 + r.int(0, 86_399_999));
  let state: ItemState = evolve(
    null,
    (
      decide(null, reportCmd({ source: r.pick(['screening', 'petition'] as const) }), ctx(now, A.supervisor, over)) as {
        ok: true;
        events: ItemEvent[];
      }
    ).events[0]!,
  );
  const states: ItemState[] = [state];
  for (let step = 0; step < 25; step++) {
    now = toInstant(instantMs(now) + r.int(0, 12 * 86_400_000));
    let command: ItemCommand | null = null;
    let who: Actor | null = null;
    if (r.chance(0.25)) command = { type: 'tick' };
    else {
      const options = POOL.flatMap((a) => allowedCommands(state, a).map((t) => [a, t] as const));
      if (options.length === 0) break;
      const [a, t] = r.pick(options);
      who = a;
      command = payload(t, state, now, r);
    }
    if (!command) continue;
    const d = decide(state, command, ctx(now, who, over));
    if (!d.ok) throw new Error(`seed ${seed}: ${command.type} refused: ${d.error.message}`);
    for (const e of d.events) state = evolve(state, e);
    states.push(state);
  }
  return { states, env: { settings, calendar } };
}

const tick = (s: ItemState, now: string, over: object) => {
  const d = decide(s, { type: 'tick' }, ctx(now, null, over));
  if (!d.ok) throw new Error(d.error.message);
  return d.events;
};
/** What a tick fired, without the tick's own time (at, raisedAt). */
const essence = (es: ItemEvent[]) => es.map((e) => JSON.stringify([e.type, { ...e.data, raisedAt: undefined }]));

/** The property for one state under one environment (settings and calendar). */
function checkAgreement(s: ItemState, env: { settings: CampaignSettings; calendar: CalendarData }, seed: number) {
  const w = nextWake(s, env);
  if (w === null) {
    expect(tick(s, '2030-01-01T00:00:00.000Z', env), `seed ${seed}`).toEqual([]);
    return;
  }
  expect(tick(s, toInstant(instantMs(w) - 1), env), `seed ${seed} before ${w}`).toEqual([]);
  const fired = tick(s, w, env);
  expect(fired.length, `seed ${seed} at ${w}`).toBeGreaterThan(0);
  let after = s;
  for (const e of fired) after = evolve(after, e);
  const w2 = nextWake(after, env);
  if (w2 !== null) expect(instantMs(w2), `seed ${seed}`).toBeGreaterThan(instantMs(w));

  // Downtime only delays: one tick 200 days late = a tick at each wake-up in between — less the reminders
  // whose moment passed by then (a nearer reminder or the missed deadline came later): those are dropped.
  const late = toInstant(instantMs(w) + 200 * 86_400_000);
  const stepwise: ItemEvent[] = [];
  let cur = s;
  for (let x = nextWake(cur, env); x !== null && x <= late; x = nextWake(cur, env)) {
    const es = tick(cur, x, env);
    stepwise.push(...es);
    for (const e of es) cur = evolve(cur, e);
  }
  expect(essence(tick(s, late, env)), `seed ${seed}`).toEqual(essence(withoutStaleReminders(stepwise)));
}

/** The reminders a later step of the same deadline (a nearer reminder, the deadline itself) overtook. */
function withoutStaleReminders(es: ItemEvent[]): ItemEvent[] {
  return es.filter((e, i) => {
    if (e.type !== 'ReminderIssued' || e.data.daysBefore === null) return true;
    const d = e.data.daysBefore;
    const item = e.data.kind === 'deadline_approaching';
    return !es
      .slice(i + 1)
      .some((x) =>
        item
          ? x.type === 'DeadlineMissed' ||
            (x.type === 'ReminderIssued' && x.data.kind === 'deadline_approaching' && (x.data.daysBefore ?? d) < d)
          : x.type === 'ReminderIssued' &&
            (x.data.kind === 'supervision_overdue' ||
              (x.data.kind === 'supervision_approaching' && (x.data.daysBefore ?? d) < d)),
      );
  });
}

describe('nextWake agrees with tick (property, 400 random histories)', () => {
  it('fires at nextWake, never a millisecond before, and a late tick equals ticking at every wake-up', () => {
    let checked = 0;
    const seen = new Set<string>();
    for (let seed = 1; seed <= 400; seed++) {
      const { states, env } = walk(seed);
      for (const s of states) {
        checked++;
        seen.add(s.status);
        if (s.deadlineProvisional) seen.add('provisional');
        if (s.overdue) seen.add('overdue');
        if (s.recheck) seen.add('recheck');
        if (s.supervision?.remindersSent.length) seen.add('supervision_reminded');
        if (s.supervision?.overdueAt) seen.add('supervision_overdue');
        // A provisional state is checked again as if an admin had just loaded 2027 (recompute path).
        const envs = s.deadlineProvisional ? [env, { ...env, calendar: CAL_2027 }] : [env];
        for (const e of envs) {
          if (e.calendar === CAL_2027 && env.calendar !== CAL_2027) seen.add('recompute');
          checkAgreement(s, e, seed);
        }
      }
    }
    expect(checked).toBeGreaterThan(4000);
    expect([...seen].sort()).toEqual([
      'assigned',
      'closed',
      'dismissed',
      'in_progress',
      'overdue',
      'provisional',
      'recheck',
      'recompute',
      'reported',
      'submitted',
      'supervision_overdue',
      'supervision_reminded',
      'verified',
    ]);
  }, 120_000); // 400 histories × every state: ~25 s alone on the shared 2-core machine, more beside other suites
});
