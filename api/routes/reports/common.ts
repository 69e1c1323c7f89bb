// What the report, round and accountability routes share: the campaign as the caller may see it,
// who counts as its office, and the mapping of their refusals to problem+json.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { related, within } from '../../../db/queries/org.ts';
import { ReportRefused, ReportVersionConflict } from '../../../db/queries/reports.ts';
import { RuleBroken } from '../../../db/queries/rounds.ts';
import { campaigns, orgUnits, reportConfigs } from '../../../db/schema.ts';

type ReportConfigRow = typeof reportConfigs.$inferSelect;
import type { Db } from '../../../db/client.ts';
import { notFound, Problem } from '../../problem.ts';
import { alias } from 'drizzle-orm/pg-core';

const ownerUnits = alias(orgUnits, 'owner_unit');

export interface CampaignScope { id: string; name: string; ownerPath: string; areaPath: string; areaUnitId: string; endsOn: string | null; startsOn: string }

/** The campaign if the caller may see it (units inside its area or above it), else 404. */
export async function visibleCampaign(db: Db, user: AuthUser, id: string): Promise<CampaignScope> {
  const { config: _config, ...scope } = await visibleCampaignWithConfig(db, user, id);
  return scope;
}

/** The same, with the campaign's report configuration (null when none is set) in the same round trip. */
export async function visibleCampaignWithConfig(db: Db, user: AuthUser, id: string): Promise<CampaignScope & { config: ReportConfigRow | null }> {
  const [row] = await db.select({ id: campaigns.id, name: campaigns.name, areaPath: orgUnits.path, ownerPath: ownerUnits.path,
    areaUnitId: campaigns.areaUnitId, endsOn: campaigns.endsOn, startsOn: campaigns.startsOn, config: reportConfigs }).from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId)).innerJoin(ownerUnits, eq(ownerUnits.id, campaigns.ownerUnitId))
    .leftJoin(reportConfigs, eq(reportConfigs.campaignId, campaigns.id))
    .where(eq(campaigns.id, id));
  if (!row || !(user.roles.includes('admin') || related(user.unitPath, row.areaPath))) throw notFound('campaign');
  return row;
}

/** The campaign office: a supervisor of the owning office, or one whose oversight covers the campaign area (督查考评办). */
export const isOffice = (u: AuthUser, c: CampaignScope) => u.roles.includes('admin')
  || (u.roles.includes('supervisor') && (within(c.ownerPath, u.unitPath) || (!!u.scopePath && within(c.areaPath, u.scopePath))));

/** Reads the whole campaign (office, or an oversight role whose scope covers the area). */
export const seesAll = (u: AuthUser, c: CampaignScope) => isOffice(u, c) || u.scopePath === null
  || (u.roles.some((r) => r === 'inspector' || r === 'viewer') && within(c.areaPath, u.scopePath));

export function asProblem(err: unknown): never {
  if (err instanceof RuleBroken) {
    throw new Problem(err.status, err.code, 'Rule violated', err.message, err.field ? { errors: [{ path: `body.${err.field}`, message: err.message }] } : {});
  }
  if (err instanceof ReportRefused) {
    const status = err.error.code === 'forbidden' ? 403 : err.error.code === 'validation' ? 422 : 409;
    throw new Problem(status, err.error.code === 'validation' ? 'rule_violated' : err.error.code, 'Report refused', err.message, { allowed: err.error.allowed });
  }
  if (err instanceof ReportVersionConflict) throw new Problem(412, 'version_conflict', 'Report changed meanwhile', err.message);
  throw err;
}

/** A zod failure of data the routes validate themselves (schemes, rules), as a 422 naming each rule. */
export function invalid(code: string, detail: string, error: z.ZodError, prefix: string): never {
  throw new Problem(422, code, 'Rule violated', detail, {
    errors: error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message })),
  });
}

export function parseIfMatch(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h.trim());
  if (!m) throw new Problem(400, 'invalid_if_match', 'Bad If-Match', 'send the version you last saw, e.g. If-Match: "3"');
  return Number(m[1]);
}
