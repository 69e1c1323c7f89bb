// The dashboard's tallies (db/schema/tallies.ts): the fold and the rebuild, both PostgreSQL functions
// of migration 0017.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';

/** Sum the changes appended since the last fold into the tallies; the number of tallies touched (0 while another fold runs). */
export async function foldTallies(db: DbOrTx): Promise<number> {
  const r = await db.execute<{ touched: string }>(sql`select fold_item_tallies() as touched`);
  return Number(r.rows[0]!.touched);
}
