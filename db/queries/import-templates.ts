// A campaign's import template (import_templates): the column mapping its office uses and the
// office's own ledger layout, saved from an imported ledger and used for the export in that form.
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { importTemplates } from '../schema.ts';

export async function officeLayout(db: DbOrTx, campaignId: string): Promise<Record<string, unknown> | null> {
  const [t] = await db
    .select({ layout: importTemplates.layout })
    .from(importTemplates)
    .where(eq(importTemplates.campaignId, campaignId));
  return t?.layout ?? null;
}

/** Keep the office's layout; a campaign without a template gets `mapping` with it. */
export async function saveLayout(
  db: DbOrTx,
  p: { campaignId: string; mapping: Record<string, string>; layout: Record<string, unknown>; by: string; at: string },
) {
  await db
    .insert(importTemplates)
    .values({ campaignId: p.campaignId, mapping: p.mapping, layout: p.layout, updatedBy: p.by, updatedAt: p.at })
    .onConflictDoUpdate({
      target: importTemplates.campaignId,
      set: { layout: p.layout, updatedBy: p.by, updatedAt: p.at },
    });
}

export async function saveMapping(
  db: DbOrTx,
  p: { campaignId: string; mapping: Record<string, string>; by: string; at: string },
) {
  await db
    .insert(importTemplates)
    .values({ campaignId: p.campaignId, mapping: p.mapping, updatedBy: p.by, updatedAt: p.at })
    .onConflictDoUpdate({
      target: importTemplates.campaignId,
      set: { mapping: p.mapping, updatedBy: p.by, updatedAt: p.at },
    });
}
