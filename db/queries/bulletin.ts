// What a round's bulletin (通报) is made of: the campaign name, the focus categories in order, and
// the accountability records that fired with this round (with unit names).
import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { accountabilityRecords, campaigns, categories, orgUnits, type RoundRow } from '../schema.ts';

export async function bulletinFacts(db: DbOrTx, round: RoundRow) {
  const [[campaign], cats, records] = await Promise.all([
    db.select({ name: campaigns.name }).from(campaigns).where(eq(campaigns.id, round.campaignId)),
    db
      .select({ id: categories.id, name: categories.name })
      .from(categories)
      .where(inArray(categories.id, round.focusCategoryIds))
      .orderBy(asc(categories.sortOrder)),
    db
      .select({ r: accountabilityRecords, name: orgUnits.name })
      .from(accountabilityRecords)
      .innerJoin(orgUnits, eq(orgUnits.id, accountabilityRecords.unitId))
      .where(eq(accountabilityRecords.firedAtRoundId, round.id))
      .orderBy(asc(orgUnits.path), asc(accountabilityRecords.ruleId)),
  ]);
  return { campaignName: campaign?.name ?? null, categories: cats, records };
}
