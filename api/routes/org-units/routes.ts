// /api/v1/org-units — the org tree (county → township → village, departments), scoped to the caller.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { within } from '../../../domain/access/scope.ts';
import { createOrgUnit, unitById, unitsInSubtree } from '../../../db/queries/org.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { notFound, problemResponses } from '../../problem.ts';
import { unitSchema, getOrgUnits, getOrgUnitsById, postOrgUnits } from './schema.ts';

const view = (u: z.infer<typeof unitSchema>) => ({
  id: u.id,
  parentId: u.parentId,
  name: u.name,
  kind: u.kind,
  divisionCode: u.divisionCode,
  path: u.path,
});

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  app.get(
    '/org-units',
    {
      schema: {
        tags: ['org'],
        summary: "Units in the caller's subtree (all for admins)",
        response: { 200: getOrgUnits.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const rows = await unitsInSubtree(db, u.scopePath ?? '/');
      return { units: rows.map(view) };
    },
  );

  app.get(
    '/org-units/:id',
    {
      schema: { tags: ['org'], params: getOrgUnitsById.params, response: { 200: unitSchema, ...problemResponses } },
    },
    async (req) => {
      const u = req.user!;
      const unit = await unitById(db, req.params.id);
      if (!unit || !(u.scopePath === null || within(unit.path, u.scopePath))) throw notFound('unit');
      return view(unit);
    },
  );

  app.post(
    '/org-units',
    {
      schema: {
        tags: ['org'],
        summary: 'Create a unit (admin)',
        body: postOrgUnits.body,
        response: { 201: unitSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      requireRole(req.user!, ['admin']);
      if (req.body.parentId && !(await unitById(db, req.body.parentId))) throw notFound('parent unit');
      const unit = await createOrgUnit(db, req.body);
      return reply.code(201).send(view(unit));
    },
  );
};

export default routes;
