// /api/v1/campaigns — campaigns (整改行动) with their settings, and their categories (专项).
import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { CampaignSettings } from '../../../domain/item/types.ts';
import { DEFAULT_SETTINGS } from '../../../domain/item/index.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { related, within } from '../../../domain/access/scope.ts';
import { unitById } from '../../../db/queries/org.ts';
import { campaigns, categories, orgUnits } from '../../../db/schema.ts';
import type { Db } from '../../../db/client.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { forbidden, notFound, Problem, problemResponses } from '../../problem.ts';
import {
  settingsSchema,
  campaignSchema,
  categorySchema,
  getCampaigns,
  getCampaignsById,
  postCampaigns,
  putCampaignsByIdSettings,
  getCampaignsByIdCategories,
  postCampaignsByIdCategories,
} from './schema.ts';

const view = (c: typeof campaigns.$inferSelect) => ({
  id: c.id,
  name: c.name,
  ownerUnitId: c.ownerUnitId,
  areaUnitId: c.areaUnitId,
  startsOn: c.startsOn,
  endsOn: c.endsOn,
  status: c.status,
  settings: settingsView(c.settings),
});

type SettingsBody = z.infer<typeof settingsSchema>;

/** The chain's steps name units by id on the wire; the decider reads their paths (it checks subtrees). */
function settingsView(s: CampaignSettings): SettingsBody {
  // The offices named to recheck petition items: their ids on the wire (petitionRecheckUnitIds), paths stored.
  const { signOffChain, petitionRecheckUnits: _paths, ...rest } = s;
  if (!signOffChain) return rest;
  return { ...rest, signOffChain: signOffChain.map(({ unit, ...step }) => ({ ...step, unitId: unit?.id ?? null })) };
}

/** The subtree of the level above the area (the county, for a township's campaign); a root area has none. */
const levelAbove = (path: string) => {
  const up = path.replace(/[^/]+\/$/, '');
  return up === '/' ? path : up;
};

async function storedSettings(
  db: Db,
  body: Partial<SettingsBody>,
  areaPath: string,
): Promise<Partial<CampaignSettings>> {
  const { signOffChain, ...others } = body;
  const rest = { ...others, ...(await petitionRecheckUnits(db, others.petitionRecheckUnitIds)) };
  if (!signOffChain) return rest;
  const steps = await Promise.all(
    signOffChain.map(async ({ unitId, ...step }, i) => {
      if (!unitId) return step;
      const unit = await unitById(db, unitId);
      // The deciding unit is in the campaign's area, above it, or an office of a level above (the county office).
      if (!unit || !(related(unit.path, areaPath) || within(unit.path, levelAbove(areaPath))))
        throw new Problem(422, 'validation_failed', 'Invalid request', `no such unit for step ${step.id}`, {
          errors: [{ path: `body.signOffChain.${i}.unitId`, message: 'unknown unit or outside the campaign' }],
        });
      return { ...step, unit: { id: unit.id, path: unit.path } };
    }),
  );
  return { ...rest, signOffChain: steps };
}

/** 000 §七: the offices named to recheck petition items, resolved to their paths; unknown ids refused. */
async function petitionRecheckUnits(db: Db, ids: string[] | undefined) {
  if (ids === undefined) return {};
  const units = await Promise.all(ids.map((id) => unitById(db, id)));
  const unknown = ids.filter((_, i) => !units[i]);
  if (unknown.length > 0)
    throw new Problem(422, 'rule_violated', 'Rule violated', 'a unit named to recheck petition items does not exist', {
      errors: unknown.map((id) => ({ path: 'body.petitionRecheckUnitIds', message: `${id}: no such unit` })),
    });
  return { petitionRecheckUnits: units.map((u) => ({ id: u!.id, path: u!.path })) };
}

/** A campaign is visible to units inside its area and to units above it. */
async function visibleCampaign(db: Db, user: AuthUser, id: string) {
  const [row] = await db
    .select({ c: campaigns, areaPath: orgUnits.path })
    .from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
    .where(eq(campaigns.id, id));
  if (!row || !(user.roles.includes('admin') || related(user.unitPath, row.areaPath))) throw notFound('campaign');
  return row;
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, env }) => {
  app.get(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        response: { 200: getCampaigns.reply200, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      const rows = await db
        .select({ c: campaigns, areaPath: orgUnits.path })
        .from(campaigns)
        .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
        .orderBy(asc(campaigns.startsOn));
      return {
        campaigns: rows
          .filter((r) => u.roles.includes('admin') || related(u.unitPath, r.areaPath))
          .map((r) => view(r.c)),
      };
    },
  );

  app.get(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        params: getCampaignsById.params,
        response: { 200: campaignSchema, ...problemResponses },
      },
    },
    async (req) => view((await visibleCampaign(db, req.user!, req.params.id)).c),
  );

  app.post(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign (supervisor of the owning office, or admin)',
        body: postCampaigns.body,
        response: { 201: campaignSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const b = req.body;
      const [owner, area] = await Promise.all([unitById(db, b.ownerUnitId), unitById(db, b.areaUnitId)]);
      if (!owner) throw notFound('owner unit');
      if (!area) throw notFound('area unit');
      if (!u.roles.includes('admin') && !within(owner.path, u.unitPath))
        throw forbidden('you can only create campaigns for your own unit or units below it');
      if (b.endsOn && b.endsOn < b.startsOn) {
        throw new Problem(400, 'validation_failed', 'Invalid request', 'the campaign ends before it starts', {
          errors: [{ path: 'body.endsOn', message: 'before startsOn' }],
        });
      }
      const [row] = await db
        .insert(campaigns)
        .values({
          name: b.name,
          ownerUnitId: owner.id,
          areaUnitId: area.id,
          startsOn: b.startsOn,
          endsOn: b.endsOn ?? null,
          settings: { ...DEFAULT_SETTINGS, ...(await storedSettings(db, b.settings ?? {}, area.path)) },
        })
        .returning();
      return reply.code(201).send(view(row!));
    },
  );

  app.put(
    '/campaigns/:id/settings',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Replace the campaign settings (supervisor)',
        params: putCampaignsByIdSettings.params,
        body: settingsSchema,
        response: { 200: campaignSchema, ...problemResponses },
      },
    },
    async (req) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const { c, areaPath } = await visibleCampaign(db, u, req.params.id);
      const owner = await unitById(db, c.ownerUnitId);
      if (!u.roles.includes('admin') && !within(owner?.path, u.unitPath))
        throw forbidden('only the campaign office changes its settings');
      const [row] = await db
        .update(campaigns)
        .set({ settings: (await storedSettings(db, req.body, areaPath)) as CampaignSettings })
        .where(eq(campaigns.id, c.id))
        .returning();
      env.invalidate();
      return view(row!);
    },
  );

  app.get(
    '/campaigns/:id/categories',
    {
      schema: {
        tags: ['campaigns'],
        params: getCampaignsByIdCategories.params,
        response: { 200: getCampaignsByIdCategories.reply200, ...problemResponses },
      },
    },
    async (req) => {
      await visibleCampaign(db, req.user!, req.params.id);
      const rows = await db
        .select({ cat: categories, leadUnitName: orgUnits.name })
        .from(categories)
        .innerJoin(orgUnits, eq(orgUnits.id, categories.leadUnitId))
        .where(eq(categories.campaignId, req.params.id))
        .orderBy(asc(categories.sortOrder), asc(categories.code));
      return { categories: rows.map((r) => ({ ...r.cat, leadUnitName: r.leadUnitName })) };
    },
  );

  app.post(
    '/campaigns/:id/categories',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Add a category (专项) with its lead unit',
        params: postCampaignsByIdCategories.params,
        body: postCampaignsByIdCategories.body,
        response: { 201: categorySchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const u = req.user!;
      requireRole(u, ['admin', 'supervisor']);
      const { c, areaPath } = await visibleCampaign(db, u, req.params.id);
      const lead = await unitById(db, req.body.leadUnitId);
      if (!lead || !within(lead.path, areaPath)) throw notFound('lead unit');
      const inserted = await db
        .insert(categories)
        .values({ ...req.body, campaignId: c.id })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0)
        throw new Problem(
          409,
          'category_code_taken',
          'Code taken',
          `the campaign already has a category ${req.body.code}`,
        );
      return reply.code(201).send({ ...inserted[0]!, leadUnitName: lead.name });
    },
  );
};

export default routes;
