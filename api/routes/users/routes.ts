// /api/v1/users — accounts, roles and units (admin; supervisors may read their subtree).
import { and, asc, eq, like } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../../domain/item/types.ts';
import { hashPassword, revokeUserSessions } from '../../../db/queries/auth.ts';
import { unitById } from '../../../db/queries/org.ts';
import { orgUnits, users } from '../../../db/schema.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { notFound, Problem, problemResponses } from '../../problem.ts';
import { text } from '../items/schema.ts';

const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    unitId: z.string(),
    unitName: z.string(),
    roles: z.array(z.enum(ROLES)),
    isUnitHead: z.boolean(),
    phone: z.string().nullable(),
    disabled: z.boolean(),
  })
  .meta({ id: 'User' });

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
        response: { 200: z.object({ users: z.array(userSchema) }), ...problemResponses },
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
        body: z.strictObject({
          username: z.string().regex(/^[A-Za-z0-9_.-]{3,50}$/, '3–50 letters, digits, _ . -'),
          displayName: text(50),
          unitId: z.uuid(),
          roles: z.array(z.enum(ROLES)).min(1).max(6),
          isUnitHead: z.boolean().optional(),
          phone: z
            .string()
            .regex(/^[0-9+\-() ]{5,20}$/)
            .nullable()
            .optional(),
          password: z.string().min(10).max(200),
        }),
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
        params: z.object({ id: z.uuid() }),
        body: z.strictObject({
          displayName: text(50).optional(),
          unitId: z.uuid().optional(),
          roles: z.array(z.enum(ROLES)).min(1).max(6).optional(),
          isUnitHead: z.boolean().optional(),
          disabled: z.boolean().optional(),
          password: z.string().min(10).max(200).optional(),
        }),
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
