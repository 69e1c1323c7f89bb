// Ledger reads: the item list with filters, keyset pagination and scope; one item; its trail.
import { and, asc, desc, eq, gte, inArray, lte, not, sql, type SQL } from 'drizzle-orm';
import { DEADLINE_RUNNING } from '../../domain/item/deadline.ts';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.ts';
import { categories, itemEvents, items, orgUnits, users } from '../schema.ts';

export interface ItemFilters {
  campaignId?: string;
  categoryId?: string;
  unitPath?: string;
  status?: string[];
  source?: string[];
  overdue?: boolean;
  flagged?: boolean;
  supervisionLevel?: 'duban' | 'guapai';
  deadlineFrom?: string;
  deadlineTo?: string;
  q?: string;
}

/** The 督办 level of a flagged row; a flag from before levels existed is 挂牌督办. */
export const supervisionLevelSql = sql`coalesce(${items.state}->'supervision'->>'level', 'guapai')`;

type SortKey = 'reportedAt' | 'updatedAt' | 'deadline' | 'seqNo';
export interface Page {
  sort: SortKey;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: { v: string | number; id: string };
}

const SORT_COLUMNS = {
  reportedAt: items.reportedAt,
  updatedAt: items.updatedAt,
  // Items without a deadline sort last in ascending order.
  deadline: sql`coalesce(${items.deadline}, '9999-12-31'::date)`,
  seqNo: items.seqNo,
} as const;

/** Who reads: the subtree they may see (null = everything, for admins). */
export interface Reader {
  scopePath: string | null;
}

/**
 * The rows a reader may see: items whose office, lead unit, responsible or reporting unit is in their
 * subtree — i.e. whose scope_paths (every ancestor of those four paths) hold the reader's path; GIN
 * serves it. Equivalent to visibleToPattern, which the command's lock keeps for its one row.
 */
export function visibleTo(reader: Reader): SQL | undefined {
  return reader.scopePath === null ? undefined : sql`${items.scopePaths} @> array[${reader.scopePath}]::text[]`;
}

/** The LIKE pattern of a subtree (paths are `/uuid/…/`: no wildcards to escape). */
export const subtreePattern = (path: string) => `${path}%`;

/** visibleTo for a pattern given as a value or a prepared statement's placeholder. */
export function visibleToPattern(p: unknown): SQL {
  return sql`(${items.ownerUnitPath} like ${p} or ${items.leadUnitPath} like ${p} or ${items.responsibleUnitPath} like ${p} or ${items.reportingUnitPath} like ${p})`;
}

/** Escape LIKE wildcards so a search for "100%" means the text "100%". */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Overdue as every screen counts it (domain/item/deadline.ts isOverdue): missed, still with the unit. */
export const overdueNow = and(eq(items.overdue, true), inArray(items.status, [...DEADLINE_RUNNING]))!;

export function filterConditions(f: ItemFilters): (SQL | undefined)[] {
  const q = f.q?.trim();
  return [
    f.campaignId ? eq(items.campaignId, f.campaignId) : undefined,
    f.categoryId ? eq(items.categoryId, f.categoryId) : undefined,
    f.unitPath ? sql`${items.responsibleUnitPath} like ${subtreePattern(f.unitPath)}` : undefined,
    f.status?.length ? inArray(items.status, f.status) : undefined,
    f.source?.length ? inArray(items.source, f.source) : undefined,
    f.overdue === undefined ? undefined : f.overdue ? overdueNow : not(overdueNow),
    f.flagged !== undefined ? eq(items.flagged, f.flagged) : undefined,
    f.supervisionLevel ? and(eq(items.flagged, true), sql`${supervisionLevelSql} = ${f.supervisionLevel}`) : undefined,
    f.deadlineFrom ? gte(items.deadline, f.deadlineFrom) : undefined,
    f.deadlineTo ? lte(items.deadline, f.deadlineTo) : undefined,
    q ? textSearch(q) : undefined,
  ];
}

/**
 * `q` in the title or description. The grams (1 and 2 characters, as search_grams stores them) pick
 * the candidate rows from the GIN index; the ILIKE keeps only those that hold the whole text.
 */
function textSearch(q: string): SQL {
  const like = `%${escapeLike(q)}%`;
  return sql`(${items.searchGrams} @> search_query_grams(${q}) and (${items.title} ilike ${like} or ${items.description} ilike ${like}))`;
}

const responsible = alias(orgUnits, 'responsible');

/** The list's statement, built but not run (the bench's raw baseline runs its very text). */
export function listItemsQuery(db: DbOrTx, actor: Reader, f: ItemFilters, page: Page) {
  const col = SORT_COLUMNS[page.sort];
  const dir = page.order === 'asc' ? asc : desc;
  const c = page.cursor;
  const after = c
    ? page.order === 'asc'
      ? sql`(${col}, ${items.id}) > (${c.v}, ${c.id}::uuid)`
      : sql`(${col}, ${items.id}) < (${c.v}, ${c.id}::uuid)`
    : undefined;
  return db
    .select({
      state: items.state,
      seqNo: items.seqNo,
      updatedAt: items.updatedAt,
      categoryName: categories.name,
      responsibleName: responsible.name,
      sortValue: sql<string | number>`${col}`,
    })
    .from(items)
    .leftJoin(categories, eq(categories.id, items.categoryId))
    .leftJoin(responsible, eq(responsible.id, items.responsibleUnitId))
    .where(and(visibleTo(actor), ...filterConditions(f), after))
    .orderBy(dir(col), dir(items.id))
    .limit(page.limit + 1);
}

export async function listItems(db: DbOrTx, actor: Reader, f: ItemFilters, page: Page) {
  const rows = await listItemsQuery(db, actor, f, page);
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { rows: pageRows, next: more && last ? { v: last.sortValue, id: last.state.id } : null };
}

export const countItemsQuery = (db: DbOrTx, actor: Reader, f: ItemFilters) =>
  db
    .select({ n: sql<number>`count(*)::int` })
    .from(items)
    .where(and(visibleTo(actor), ...filterConditions(f)));

export async function countItems(db: DbOrTx, actor: Reader, f: ItemFilters): Promise<number> {
  const [r] = await countItemsQuery(db, actor, f);
  return r?.n ?? 0;
}

export async function getVisibleItem(db: DbOrTx, actor: Reader, id: string) {
  const [row] = await db
    .select({
      state: items.state,
      seqNo: items.seqNo,
      updatedAt: items.updatedAt,
      categoryName: categories.name,
      responsibleName: responsible.name,
    })
    .from(items)
    .leftJoin(categories, eq(categories.id, items.categoryId))
    .leftJoin(responsible, eq(responsible.id, items.responsibleUnitId))
    .where(and(eq(items.id, id), visibleTo(actor)));
  return row ?? null;
}

/** Which of these items the reader may open (for links between items, e.g. evidence warnings). */
export async function openableItemIds(db: DbOrTx, actor: Reader, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: items.id })
    .from(items)
    .where(and(inArray(items.id, [...new Set(ids)]), visibleTo(actor)));
  return new Set(rows.map((r) => r.id));
}

export type ItemListRow = NonNullable<Awaited<ReturnType<typeof getVisibleItem>>>;

export async function itemTimeline(db: DbOrTx, itemId: string) {
  return db
    .select({
      seq: itemEvents.seq,
      type: itemEvents.type,
      at: itemEvents.at,
      actorId: itemEvents.actorId,
      actorName: users.displayName,
      data: itemEvents.data,
      hash: itemEvents.hash,
    })
    .from(itemEvents)
    .leftJoin(users, eq(users.id, itemEvents.actorId))
    .where(eq(itemEvents.itemId, itemId))
    .orderBy(asc(itemEvents.seq));
}
