// The campaign as access rules need it: its area and owning office paths, dates, and report configuration.
import { eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { campaigns, orgUnits, reportConfigs } from '../schema.ts';

const ownerUnits = alias(orgUnits, 'owner_unit');

/** One campaign with its area and owner paths and its report configuration (null when none), in one round trip. */
export async function campaignScopeRow(db: DbOrTx, id: string) {
  const [row] = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      areaPath: orgUnits.path,
      ownerPath: ownerUnits.path,
      areaUnitId: campaigns.areaUnitId,
      endsOn: campaigns.endsOn,
      startsOn: campaigns.startsOn,
      config: reportConfigs,
    })
    .from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
    .innerJoin(ownerUnits, eq(ownerUnits.id, campaigns.ownerUnitId))
    .leftJoin(reportConfigs, eq(reportConfigs.campaignId, campaigns.id))
    .where(eq(campaigns.id, id));
  return row ?? null;
}

/** The path of the campaign's area unit, or null when there is no such campaign. */
export async function campaignAreaPath(db: DbOrTx, id: string): Promise<string | null> {
  const [row] = await db
    .select({ areaPath: orgUnits.path })
    .from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
    .where(eq(campaigns.id, id));
  return row?.areaPath ?? null;
}

export async function orgUnitById(db: DbOrTx, id: string) {
  const [unit] = await db.select().from(orgUnits).where(eq(orgUnits.id, id));
  return unit ?? null;
}
