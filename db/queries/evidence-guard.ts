// The rows of the evidence guard (纸面销号): which citing events had their pass, the event itself,
// how many cited photos still wait for their picture work, and the record of a pass.
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { evidenceGuardRuns, itemEvents, items } from '../schema.ts';

/** The warnings count of the pass already recorded for (item, seq), or null when none ran yet. */
export async function guardRunOf(db: DbOrTx, itemId: string, seq: number): Promise<number | null> {
  const [done] = await db
    .select({ warnings: evidenceGuardRuns.warnings })
    .from(evidenceGuardRuns)
    .where(and(eq(evidenceGuardRuns.itemId, itemId), eq(evidenceGuardRuns.seq, seq)));
  return done ? done.warnings : null;
}

export async function itemEventAt(db: DbOrTx, itemId: string, seq: number) {
  const [ev] = await db
    .select({ type: itemEvents.type, at: itemEvents.at, data: itemEvents.data })
    .from(itemEvents)
    .where(and(eq(itemEvents.itemId, itemId), eq(itemEvents.seq, seq)));
  return ev ?? null;
}

/** How many of the cited attachments of this item are photos whose picture work is not done. */
export async function unprocessedCited(db: DbOrTx, itemId: string, attachmentIds: string[]): Promise<number> {
  const pending = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from attachments a join evidence_files f on f.sha256 = a.sha256
    where a.id::text = any(${sql.param(attachmentIds)}::text[]) and a.item_id = ${itemId}::uuid and f.processed_at is null`);
  return pending.rows[0]?.n ?? 0;
}

export async function itemStateOf(db: DbOrTx, itemId: string) {
  const [row] = await db.select({ state: items.state }).from(items).where(eq(items.id, itemId));
  return row ? row.state : null;
}

export async function recordGuardRun(db: DbOrTx, itemId: string, seq: number, warnings: number) {
  await db.insert(evidenceGuardRuns).values({ itemId, seq, warnings }).onConflictDoNothing();
}
