// Audiences (domain/notice) → people, read from the org tree and roles at the moment of sending:
// a unit that changed its handler since the event tells the new one.
import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Audience } from '../../domain/notice/derive.ts';
import type { ItemState } from '../../domain/item/types.ts';
import type { DbOrTx } from '../../db/client.ts';
import { orgUnits, users } from '../../db/schema.ts';

export interface Recipient {
  id: string;
  displayName: string;
  unitId: string;
  phone: string | null;
}

const parent = alias(orgUnits, 'parent_unit');
const cols = { id: users.id, displayName: users.displayName, unitId: users.unitId, phone: users.phone };
const hasRole = (role: string) => sql`${role} = any(${users.roles})`;

/** Per-job memo of audience lookups: the same village's handlers are read once per batch of items. */
export type AudienceCache = Map<string, Promise<Recipient[]>>;

function cacheKey(a: Audience, s: ItemState): string {
  switch (a) {
    case 'responsible_handlers':
    case 'unit_head':
    case 'inspectors':
      return `${a}|${s.responsibleUnit?.path ?? ''}`;
    case 'assigning_unit':
      return `${a}|${s.assignedBy ?? ''}`;
    case 'reviewers':
      return `${a}|${s.leadUnit?.id ?? `owner:${s.ownerUnit.id}`}`;
    case 'supervising_office':
      return `${a}|${s.ownerUnit.id}`;
    case 'petitioner':
      return a;
  }
}

/** The people of each audience, without duplicates (first audience wins the order). */
export async function resolveAudiences(
  db: DbOrTx,
  audiences: readonly Audience[],
  s: ItemState,
  cache: AudienceCache = new Map(),
): Promise<Recipient[]> {
  const out = new Map<string, Recipient>();
  for (const a of audiences) {
    const key = cacheKey(a, s);
    let hit = cache.get(key);
    if (!hit) {
      hit = resolveOne(db, a, s);
      cache.set(key, hit);
    }
    for (const r of await hit) if (!out.has(r.id)) out.set(r.id, r);
  }
  return [...out.values()];
}

async function resolveOne(db: DbOrTx, a: Audience, s: ItemState): Promise<Recipient[]> {
  const audiences = [a];
  const out = new Map<string, Recipient>();
  const add = (rows: Recipient[]) => {
    for (const r of rows) if (!out.has(r.id)) out.set(r.id, r);
  };
  const inUnit = (unitId: string, cond: ReturnType<typeof sql>) =>
    db
      .select(cols)
      .from(users)
      .where(and(eq(users.unitId, unitId), eq(users.disabled, false), cond))
      .orderBy(users.username);
  for (const a of audiences) {
    switch (a) {
      case 'responsible_handlers':
        if (s.responsibleUnit) add(await inUnit(s.responsibleUnit.id, hasRole('handler')));
        break;
      case 'unit_head':
        if (s.responsibleUnit) add(await inUnit(s.responsibleUnit.id, sql`${users.isUnitHead}`));
        break;
      case 'assigning_unit': {
        if (!s.assignedBy) break;
        const [who] = await db.select({ unitId: users.unitId }).from(users).where(eq(users.id, s.assignedBy));
        if (who) add(await inUnit(who.unitId, sql`${users.roles} && array['lead', 'supervisor']::text[]`));
        break;
      }
      case 'reviewers':
        add(
          s.leadUnit
            ? await inUnit(s.leadUnit.id, hasRole('lead'))
            : await inUnit(s.ownerUnit.id, hasRole('supervisor')),
        );
        break;
      case 'supervising_office':
        add(await inUnit(s.ownerUnit.id, hasRole('supervisor')));
        break;
      case 'inspectors': {
        if (!s.responsibleUnit) break;
        const path = s.responsibleUnit.path;
        // Inspectors whose scope covers the unit (their unit, or the level their office serves), not of the unit itself.
        add(
          await db
            .select(cols)
            .from(users)
            .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
            .leftJoin(parent, eq(parent.id, orgUnits.parentId))
            .where(
              and(
                eq(users.disabled, false),
                hasRole('inspector'),
                sql`not starts_with(${orgUnits.path}, ${path})`,
                sql`(starts_with(${path}, ${orgUnits.path}) or (${orgUnits.kind} in ('office', 'department') and starts_with(${path}, ${parent.path})))`,
              ),
            )
            .orderBy(users.username),
        );
        break;
      }
      case 'petitioner':
        break; // not a user: reached by SMS at the number on the item (see notifier)
      default: {
        const _exhaustive: never = a;
        throw new Error(`unknown audience ${String(_exhaustive)}`);
      }
    }
  }
  return [...out.values()];
}

/** The units whose group robots should hear about this notice: the units of its audiences. */
export function audienceUnits(audiences: readonly Audience[], s: ItemState, recipients: Recipient[]): string[] {
  const units = new Set<string>(recipients.map((r) => r.unitId));
  if (audiences.includes('responsible_handlers') && s.responsibleUnit) units.add(s.responsibleUnit.id);
  return [...units];
}
