// /api/v1/users — accounts, roles and units (admin; supervisors may read their subtree).
import { and, asc, eq, like } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { hashPassword, revokeUserSessions } from '../../../db/queries/auth.ts';
import { unitById } from '../../../db/queries/org.ts';
import { orgUnits, users } from '../../../db/schema.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { notFound, Problem, problemResponses } from '../../problem.ts';
import { userSchema, getUsers, postUsers, patchUsersById } from './schema.ts';

const columns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  unitId: users.unitId,
  unitName: orgUnits.name,
  roles: users.roles,
  isUnitHead: users.isUnitHead,
  phone: users.phone,
  disabled: users.disabled,
};

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: "Users in the caller's subtree",
        response: { 200: getUsers.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const rows = await db
        .select(columns)
        .from(users)
        .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
        .where(u.scopePath === null ? undefined : like(orgUnits.path, `${u.scopePath}%`))
        .orderBy(asc(orgUnits.path), asc(users.username));
      return { users: rows };
    },
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (admin)',
        body: postUsers.body,
        response: { 201: userSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      const b = req.body;
      const unit = await unitById(db, b.unitId);
      if (!unit) throw notFound('unit');
      const inserted = await db
        .insert(users)
        .values({
          username: b.username,
          displayName: b.displayName,
          unitId: b.unitId,
          roles: [...new Set(b.roles)],
          isUnitHead: b.isUnitHead ?? false,
          phone: b.phone ?? null,
          passwordHash: await hashPassword(b.password),
        })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (inserted.length === 0)
        throw new Problem(409, 'username_taken', 'Username taken', `the username ${b.username} is already in use`);
      const [row] = await db
        .select(columns)
        .from(users)
        .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
        .where(eq(users.id, inserted[0]!.id));
      return reply.code(201).send(row!);
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change roles, unit, head flag; disable; reset password (admin)',
        params: patchUsersById.params,
        body: patchUsersById.body,
        response: { 200: userSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      const b = req.body;
      if (b.unitId && !(await unitById(db, b.unitId))) throw notFound('unit');
      const updated = await db
        .update(users)
        .set({
          displayName: b.displayName,
          unitId: b.unitId,
          roles: b.roles,
          isUnitHead: b.isUnitHead,
          disabled: b.disabled,
          ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
        })
        .where(eq(users.id, req.params.id))
        .returning({ id: users.id });
      if (updated.length === 0) throw notFound('user');
      // A changed role, unit or password must not keep working through old tokens.
      if (b.roles || b.unitId || b.disabled || b.password) {
        await revokeUserSessions(db, req.params.id);
        app.forgetToken();
      }
      const [row] = await db
        .select(columns)
        .from(users)
        .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
        .where(and(eq(users.id, req.params.id)));
      return row!;
    },
  );
};

export default routes;
