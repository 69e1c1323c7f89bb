// Reads for the ledger export: pages of ledger rows (the list's filters and scope) in ledger order,
// with only the columns the ledger shows — not whole item states — and each item's latest progress
// note and its responsible unit's head (责任人).
import { and, asc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { categories, items, orgUnits } from '../schema.ts';
import { filterConditions, type ItemFilters, type Reader, visibleTo } from './items.ts';

const responsible = alias(orgUnits, 'responsible');

export async function* ledgerPages(db: DbOrTx, reader: Reader, filters: ItemFilters, pageSize = 1000) {
  const page = (after: number) =>
    db
      .select({
        id: items.id,
        seqNo: items.seqNo,
        source: items.source,
        title: items.title,
        description: items.description,
        status: items.status,
        deadline: items.deadline,
        overdue: items.overdue,
        flagged: items.flagged,
        closedAt: items.closedAt,
        categoryName: categories.name,
        responsibleName: responsible.name,
        measures: sql<string | null>`${items.state}->>'measures'`,
        mode: sql<string | null>`${items.state}->>'mode'`,
        location: sql<string | null>`${items.state}->>'location'`,
        flagReason: sql<string | null>`${items.state}->>'flagReason'`,
        deadlineProvisional: sql<boolean>`coalesce((${items.state}->>'deadlineProvisional')::boolean, false)`,
        extensionsGranted: sql<number>`coalesce((${items.state}->>'extensionsGranted')::int, 0)`,
        qualityWarnings: sql<
          string[] | null
        >`(select array_agg(q->>'code') from jsonb_array_elements(${items.state}->'qualityWarnings') q)`,
        openEvidenceWarnings: sql<number>`(select count(*)::int from jsonb_array_elements(coalesce(${items.state}->'evidenceWarnings', '[]'::jsonb)) w where jsonb_typeof(w->'dismissed') <> 'object')`,
        progress: sql<string | null>`(select e.data->>'note' from item_events e where e.item_id = ${items.id}
        and e.type in ('ProgressRecorded', 'MilestoneCompleted') and e.data->>'note' is not null order by e.seq desc limit 1)`,
        importedStatus: sql<string | null>`${items.state}->'imported'->>'statusText'`,
        importedDeadline: sql<string | null>`${items.state}->'imported'->>'deadlineText'`,
        original: sql<Record<
          string,
          string
        > | null>`(select r.original from imported_rows r where r.item_id = ${items.id} limit 1)`,
        head: sql<
          string | null
        >`(select string_agg(u.display_name, '、') from users u where u.unit_id = ${items.responsibleUnitId} and u.is_unit_head and not u.disabled)`,
      })
      .from(items)
      .leftJoin(categories, eq(categories.id, items.categoryId))
      .leftJoin(responsible, eq(responsible.id, items.responsibleUnitId))
      .where(and(visibleTo(reader), ...filterConditions(filters), sql`${items.seqNo} > ${after}`))
      .orderBy(asc(items.seqNo))
      .limit(pageSize);
  // The next page is read while the caller writes this one (PostgreSQL and the writer overlap).
  // Drizzle queries run when awaited: start each now, and keep a caller that stops early from
  // leaving an unhandled rejection behind.
  const start = (after: number) => {
    const p = Promise.resolve(page(after));
    p.catch(() => {});
    return p;
  };
  let next = start(0);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const more = rows.length === pageSize;
    if (more) next = start(rows[rows.length - 1]!.seqNo);
    yield rows;
    if (!more) return;
  }
}
