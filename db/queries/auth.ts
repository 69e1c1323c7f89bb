// Users, password hashes (argon2id) and bearer-token sessions.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify as argonVerify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { readScope } from '../../domain/access/scope.ts';
import type { Role } from '../../domain/item/types.ts';
import type { DbOrTx } from '../client.ts';
import { orgUnits, sessions, users } from '../schema.ts';
import { hashGate } from './hash-gate.ts';

// argon2id (the library's default algorithm) with OWASP's minimum: 19 MiB, 2 passes, 1 lane.
const ARGON = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hashGate.run(() => hash(password, ARGON));
const verify = (h: string, password: string) => hashGate.run(() => argonVerify(h, password));

export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  unitId: string;
  unitPath: string;
  unitName: string;
  roles: Role[];
  isUnitHead: boolean;
  /** Added: the kind of the nearest administrative unit at or above the user's unit (county, township,
   * village, community), null outside the tree's divisions — a county office's users are 'county'. */
  unitLevel: string | null;
  /** The subtree the user may read: everything for admins (null); for oversight roles in an office
   * or department (镇督查考评办, 镇纪委), the level that office serves; otherwise the user's own unit. */
  scopePath: string | null;
}

function withScope(row: Omit<AuthUser, 'scopePath'> & { unitKind: string; parentPath: string | null }): AuthUser {
  const { unitKind, parentPath, ...u } = row;
  return { ...u, scopePath: readScope({ roles: u.roles, unitPath: u.unitPath, unitKind, parentPath }) };
}

const parentUnits = alias(orgUnits, 'parent_unit');

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

// A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
let dummyHash: Promise<string> | null = null;

export async function login(
  db: DbOrTx,
  username: string,
  password: string,
  ttlHours: number,
): Promise<{ token: string; expiresAt: string; user: AuthUser } | null> {
  const [u] = await db
    .select({ id: users.id, hash: users.passwordHash, disabled: users.disabled })
    .from(users)
    .where(eq(users.username, username));
  if (!u) {
    dummyHash ??= hashPassword('not-a-user-password');
    await verify(await dummyHash, password);
    return null;
  }
  if (!(await verify(u.hash, password)) || u.disabled) return null;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000).toISOString();
  await db.insert(sessions).values({ tokenHash: tokenHash(token), userId: u.id, expiresAt });
  const user = await userById(db, u.id);
  return { token, expiresAt, user: user! };
}

export async function userByToken(db: DbOrTx, token: string): Promise<AuthUser | null> {
  const [row] = await db
    .select(userColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .leftJoin(parentUnits, eq(parentUnits.id, orgUnits.parentId))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash(token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.disabled, false),
      ),
    );
  return row ? withScope(row) : null;
}

export async function revokeToken(db: DbOrTx, token: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(eq(sessions.tokenHash, tokenHash(token)));
}

export async function revokeUserSessions(db: DbOrTx, userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

const userColumns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  unitId: users.unitId,
  unitPath: orgUnits.path,
  unitName: orgUnits.name,
  roles: users.roles,
  isUnitHead: users.isUnitHead,
  unitKind: orgUnits.kind,
  parentPath: parentUnits.path,
  unitLevel: sql<string | null>`(select a.kind from org_units a
    where starts_with(${orgUnits.path}, a.path) and a.kind in ('county', 'township', 'village', 'community')
    order by length(a.path) desc limit 1)`,
};

export async function userById(db: DbOrTx, id: string): Promise<AuthUser | null> {
  const [row] = await db
    .select(userColumns)
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .leftJoin(parentUnits, eq(parentUnits.id, orgUnits.parentId))
    .where(eq(users.id, id));
  return row ? withScope(row) : null;
}

export async function changePassword(db: DbOrTx, userId: string, current: string, next: string): Promise<boolean> {
  const [u] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!u || !(await verify(u.hash, current))) return false;
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(next) })
    .where(eq(users.id, userId));
  return true;
}
