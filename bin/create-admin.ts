// The first administrator: without one nobody can sign in to create the rest.
import { eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { hashPassword } from '../db/queries/auth.ts';
import { createOrgUnit } from '../db/queries/org.ts';
import { orgUnits, users } from '../db/schema.ts';

export async function createAdmin(db: Db, a: { username: string; password: string; unitName?: string }) {
  if (a.password.length < 10) throw new Error('the admin password needs at least 10 characters');
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.username, a.username));
  if (taken) throw new Error(`a user named ${a.username} already exists`);
  let [root] = await db.select().from(orgUnits).where(isNull(orgUnits.parentId)).limit(1);
  root ??= await createOrgUnit(db, { name: a.unitName ?? '系统管理', kind: 'office', parentId: null });
  await db.insert(users).values({
    username: a.username,
    displayName: a.username,
    unitId: root.id,
    roles: ['admin'],
    passwordHash: await hashPassword(a.password),
  });
  return { unitName: root.name };
}
