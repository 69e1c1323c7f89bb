// What an import checks rows against: the campaign, its area's units and its categories, and what
// was imported into it before.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, like } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { campaigns, categories, importedRows, importTemplates, items, orgUnits } from '../db/schema.ts';
import type { UnitRef } from '../domain/item/types.ts';
import type { ImportField } from '../ledger/import/header.ts';
import type { RefCategory, RefUnit } from '../ledger/import/plan.ts';

export interface ImportRefs {
  campaign: { id: string; name: string; endsOn: string | null; owner: UnitRef; ownerPath: string; areaPath: string };
  units: RefUnit[];
  unitPrefixes: string[];
  categories: RefCategory[];
  leadOf: Map<string, UnitRef>;
  template: Partial<Record<ImportField, string>>;
  existingKeys: Set<string>;
  rowKey: (parts: string[]) => string;
}

export async function loadImportRefs(db: Db, campaignId: string): Promise<ImportRefs | null> {
  const [c] = await db
    .select({ c: campaigns, ownerPath: orgUnits.path })
    .from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.ownerUnitId))
    .where(eq(campaigns.id, campaignId));
  if (!c) return null;
  const [area] = await db.select().from(orgUnits).where(eq(orgUnits.id, c.c.areaUnitId));
  if (!area) return null;
  const units = await db
    .select({ id: orgUnits.id, name: orgUnits.name, path: orgUnits.path })
    .from(orgUnits)
    .where(like(orgUnits.path, `${area.path}%`))
    .orderBy(asc(orgUnits.path)); // every list in a stable order: the same sheet always gets the same report
  const ancestorIds = area.path.split('/').filter(Boolean);
  const ancestors = await db
    .select({ name: orgUnits.name })
    .from(orgUnits)
    .where(inArray(orgUnits.id, ancestorIds))
    .orderBy(asc(orgUnits.path));
  const cats = await db
    .select({
      id: categories.id,
      code: categories.code,
      name: categories.name,
      leadId: orgUnits.id,
      leadPath: orgUnits.path,
    })
    .from(categories)
    .innerJoin(orgUnits, eq(orgUnits.id, categories.leadUnitId))
    .where(eq(categories.campaignId, campaignId))
    .orderBy(asc(categories.code), asc(categories.id));
  const [tpl] = await db
    .select({ mapping: importTemplates.mapping })
    .from(importTemplates)
    .where(eq(importTemplates.campaignId, campaignId));
  const keys = await db
    .select({ k: importedRows.rowKey })
    .from(importedRows)
    .where(eq(importedRows.campaignId, campaignId));
  return {
    campaign: {
      id: c.c.id,
      name: c.c.name,
      endsOn: c.c.endsOn,
      owner: { id: c.c.ownerUnitId, path: c.ownerPath },
      ownerPath: c.ownerPath,
      areaPath: area.path,
    },
    units,
    unitPrefixes: ancestors.map((a) => a.name).sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)),
    categories: cats.map((x) => ({ id: x.id, code: x.code, name: x.name })),
    leadOf: new Map(cats.map((x) => [x.id, { id: x.leadId, path: x.leadPath }])),
    template: (tpl?.mapping ?? {}) as Partial<Record<ImportField, string>>,
    existingKeys: new Set(keys.map((k) => k.k)),
    rowKey: (parts) =>
      createHash('sha256')
        .update([campaignId, ...parts].join('\u001f'))
        .digest('hex'),
  };
}

export async function existingItemIds(db: Db, campaignId: string, ids: string[]): Promise<Set<string>> {
  const uuids = ids.filter((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(x));
  if (uuids.length === 0) return new Set();
  const rows = await db
    .select({ id: items.id })
    .from(items)
    .where(and(eq(items.campaignId, campaignId), inArray(items.id, uuids)));
  return new Set(rows.map((r) => r.id));
}
