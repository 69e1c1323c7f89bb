// Org units (a tree with materialized paths) and scope checks.
import { asc, eq, like } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { orgUnits, type OrgUnitRow } from '../schema.ts';

export async function createOrgUnit(
  db: DbOrTx,
  u: { name: string; kind: string; parentId: string | null; divisionCode?: string | null },
): Promise<OrgUnitRow> {
  const id = crypto.randomUUID();
  let parentPath = '/';
  if (u.parentId) {
    const [p] = await db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, u.parentId));
    if (!p) throw new Error(`parent unit ${u.parentId} not found`);
    parentPath = p.path;
  }
  const [row] = await db
    .insert(orgUnits)
    .values({
      id,
      name: u.name,
      kind: u.kind,
      parentId: u.parentId,
      divisionCode: u.divisionCode ?? null,
      path: `${parentPath}${id}/`,
    })
    .returning();
  return row!;
}

export async function unitById(db: DbOrTx, id: string): Promise<OrgUnitRow | null> {
  const [row] = await db.select().from(orgUnits).where(eq(orgUnits.id, id));
  return row ?? null;
}

export async function unitsInSubtree(db: DbOrTx, rootPath: string): Promise<OrgUnitRow[]> {
  return db
    .select()
    .from(orgUnits)
    .where(like(orgUnits.path, `${rootPath}%`))
    .orderBy(asc(orgUnits.path));
}
