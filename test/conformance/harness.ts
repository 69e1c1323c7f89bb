// Runs a conformance scenario against one runtime behind the ItemEngine port. Both runtimes write
// the same ledger tables, so the checks read the same rows: the item's projection and its trail.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import { expect } from 'vitest';
import { addDays, startOfDay } from '../../domain/calendar/calendar.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import type { Actor, ItemCommand, UnitRef } from '../../domain/item/types.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { campaigns, itemEvents, items } from '../../db/schema.ts';
import { CommandRefused, type ItemEngine, VersionConflict } from '../../workflows/engine.ts';
import type { World } from '../support/app.ts';
import type { ActorName, Scenario, Step } from './scenarios.ts';

export interface Runtime {
  name: string;
  engine: ItemEngine;
  /** Let time pass up to `instant`, the runtime firing whatever falls due on the way. */
  advanceTo(instant: string): Promise<void>;
  /** Wait until the runtime has written everything that is due for the item. */
  settle(itemId: string): Promise<void>;
}

/** 'D+n' relative to `base` (YYYY-MM-DD), in calendar days. */
const dateOf = (base: string, offset: number) => addDays(base, offset, 'calendar', OFFICIAL_CALENDAR).date;

/** The instant of day `day` at HH:MM Shanghai. */
export function instantOf(base: string, day: number, time = '10:00'): string {
  const [h, m] = time.split(':').map(Number);
  return new Date(new Date(startOfDay(dateOf(base, day))).getTime() + (h! * 60 + m!) * 60_000).toISOString();
}

export function actorsOf(w: World): Record<ActorName, Actor> {
  const a = (name: string, unit: keyof World['units'], roles: Actor['roles']): Actor => ({
    userId: w.userIds[name]!,
    unitId: w.units[unit].id,
    unitPath: w.units[unit].path,
    roles,
  });
  return {
    super: a('super', 'office', ['supervisor']),
    lead: a('lead', 'labour', ['lead']),
    h1: a('h1', 'village1', ['handler']),
    h2: a('h2', 'village2', ['handler']),
    insp: a('insp', 'inspection', ['inspector']),
    viewer: a('viewer', 'town', ['viewer']),
    xfj: { ...a('xfj', 'xinfang', ['inspector']), level: 'county' },
  };
}

/** Replace 'D±n', '@item', '@campaign' and '@<unit>' inside a command. */
function resolve(
  value: unknown,
  ctx: { base: string; itemId: string; campaignId: string; units: Record<string, UnitRef> },
): unknown {
  if (typeof value === 'string') {
    const d = /^D([+-]\d+)$/.exec(value);
    if (d) return dateOf(ctx.base, Number(d[1]));
    if (value === '@item') return ctx.itemId;
    if (value === '@campaign') return ctx.campaignId;
    if (value.startsWith('@')) {
      const unit = ctx.units[value.slice(1)];
      if (!unit) throw new Error(`scenario names an unknown unit ${value}`);
      return unit;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, ctx));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, ctx)]));
  return value;
}

export function tag(e: { type: string; data: unknown }): string {
  const d = e.data as { level?: number; daysBefore?: number | null; kind?: string };
  if (e.type === 'Escalated') return `Escalated:${d.level}`;
  if (e.type === 'ReminderIssued') return `ReminderIssued:${d.daysBefore ?? d.kind}`;
  return e.type;
}

function refusalCode(err: unknown): string | null {
  if (err instanceof CommandRefused) return err.error.code;
  if (err instanceof VersionConflict) return 'version_conflict';
  return null;
}

/** Runs the scenario on a new item; returns the item's id. */
export async function runScenario(rt: Runtime, w: World, scenario: Scenario, base: string): Promise<string> {
  const [campaign] = await w.db
    .insert(campaigns)
    .values({
      name: `一致性：${scenario.name}`.slice(0, 200),
      ownerUnitId: w.units.office.id,
      areaUnitId: w.units.town.id,
      startsOn: base,
      settings: { ...DEFAULT_SETTINGS, ...scenario.settings },
    })
    .returning();
  const itemId = randomUUID();
  const units = Object.fromEntries(Object.entries(w.units).map(([k, u]) => [k, { id: u.id, path: u.path }]));
  const ctx = { base, itemId, campaignId: campaign!.id, units };
  const actors = actorsOf(w);
  let seen = 0;

  for (const [i, step] of scenario.steps.entries()) {
    const label = describeStep(rt, i, step);
    await rt.advanceTo(instantOf(base, step.day, step.time));
    await rt.settle(itemId);
    const x = step.expect;
    if (step.command) {
      const command = resolve(step.command, ctx) as ItemCommand;
      const actor = step.as === 'runtime' ? null : actors[step.as ?? 'super'];
      const outcome = await rt.engine
        .execute({ itemId, command, actor, ...(step.ifMatch !== undefined ? { expectedVersion: step.ifMatch } : {}) })
        .then(
          () => null,
          (err: unknown) => {
            const code = refusalCode(err);
            if (code === null) throw new Error(`${label}: ${(err as Error).message}`, { cause: err });
            return code;
          },
        );
      expect(outcome, `${label}: refusal`).toBe(x.refused ?? null);
    }

    const [row] = await w.db.select().from(items).where(eq(items.id, itemId));
    if (!row) throw new Error(`${label}: the item is not in the ledger`);
    const added = await w.db
      .select({ type: itemEvents.type, data: itemEvents.data })
      .from(itemEvents)
      .where(and(eq(itemEvents.itemId, itemId), gt(itemEvents.seq, seen)))
      .orderBy(asc(itemEvents.seq));
    if (x.refused) expect(added.map(tag), `${label}: a refused command writes nothing`).toEqual([]);
    if (x.events) expect(added.map(tag), `${label}: events`).toEqual(x.events);
    const s = row.state;
    const want: Record<string, unknown> = {};
    const got: Record<string, unknown> = {};
    for (const key of ['status', 'version', 'overdue', 'escalationLevel', 'flagged', 'reopenCount'] as const) {
      if (x[key] !== undefined) {
        want[key] = x[key];
        got[key] = s[key];
      }
    }
    if (x.deadline !== undefined) {
      want.deadline = resolve(x.deadline, ctx);
      got.deadline = s.deadline;
    }
    expect(got, `${label}: item`).toEqual(want);
    // The ledger columns and the state agree, whichever runtime wrote them.
    expect(
      {
        status: row.status,
        version: row.version,
        overdue: row.overdue,
        escalationLevel: row.escalationLevel,
        flagged: row.flagged,
      },
      `${label}: ledger row`,
    ).toEqual({
      status: s.status,
      version: s.version,
      overdue: s.overdue,
      escalationLevel: s.escalationLevel,
      flagged: s.flagged,
    });
    seen = row.version;
  }
  return itemId;
}

function describeStep(rt: Runtime, i: number, step: Step): string {
  const what = step.command ? `${step.as} ${step.command.type}` : 'time passes';
  return `[${rt.name}] step ${i + 1} (day ${step.day} ${step.time ?? '10:00'}: ${what})`;
}
