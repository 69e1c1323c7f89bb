// Reads for the ledger export: pages of items (the list's filters and scope), with each item's latest
// progress note and its responsible unit's head (责任人).
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { users } from '../schema.ts';
import { listItems, type ItemFilters, type Reader } from './items.ts';

export async function* ledgerPages(db: DbOrTx, reader: Reader, filters: ItemFilters, pageSize = 500) {
  let cursor: { v: string | number; id: string } | undefined;
  const heads = new Map<string, string>();
  for (;;) {
    const page = await listItems(db, reader, filters, { sort: 'seqNo', order: 'asc', limit: pageSize, cursor });
    if (page.rows.length === 0) return;
    const ids = page.rows.map((r) => r.state.id);
    const notes = await db.execute<{ item_id: string; note: string; at: string }>(sql`
      select distinct on (item_id) item_id, data->>'note' as note, at from item_events
      where item_id = any(${sql.param(ids)}::uuid[]) and type in ('ProgressRecorded', 'MilestoneCompleted') and data->>'note' is not null
      order by item_id, seq desc`);
    const unitIds = [...new Set(page.rows.map((r) => r.state.responsibleUnit?.id).filter((x): x is string => !!x && !heads.has(x)))];
    if (unitIds.length) {
      const rows = await db.select({ unitId: users.unitId, name: users.displayName }).from(users)
        .where(and(inArray(users.unitId, unitIds), eq(users.isUnitHead, true), eq(users.disabled, false)));
      for (const id of unitIds) heads.set(id, rows.filter((r) => r.unitId === id).map((r) => r.name).join('、'));
    }
    const noteOf = new Map(notes.rows.map((n) => [n.item_id, n]));
    yield page.rows.map((r) => ({ ...r, progress: noteOf.get(r.state.id) ?? null, head: r.state.responsibleUnit ? heads.get(r.state.responsibleUnit.id) ?? '' : '' }));
    if (!page.next) return;
    cursor = page.next;
  }
}
