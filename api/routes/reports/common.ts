// What the report, round and accountability routes share: the campaign as the caller may see it,
// who counts as its office, and the mapping of their refusals to problem+json.
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { related, within } from '../../../db/queries/org.ts';
import { reportConfig, ReportRefused, ReportVersionConflict } from '../../../db/queries/reports.ts';
import { findPeriod } from '../../../domain/report/cycle.ts';
import type { CalendarData } from '../../../domain/calendar/calendar.ts';
import { RuleBroken } from '../../../db/queries/rounds.ts';
import { campaigns, orgUnits, reportConfigs } from '../../../db/schema.ts';

type ReportConfigRow = typeof reportConfigs.$inferSelect;
import type { Db } from '../../../db/client.ts';
import { notFound, Problem } from '../../problem.ts';
import { alias } from 'drizzle-orm/pg-core';

const ownerUnits = alias(orgUnits, 'owner_unit');

export interface CampaignScope {
  id: string;
  name: string;
  ownerPath: string;
  areaPath: string;
  areaUnitId: string;
  endsOn: string | null;
  startsOn: string;
}

/** The campaign if the caller may see it (units inside its area or above it), else 404. */
export async function visibleCampaign(db: Db, user: AuthUser, id: string): Promise<CampaignScope> {
  const { config: _config, ...scope } = await visibleCampaignWithConfig(db, user, id);
  return scope;
}

/** The same, with the campaign's report configuration (null when none is set) in the same round trip. */
export async function visibleCampaignWithConfig(
  db: Db,
  user: AuthUser,
  id: string,
): Promise<CampaignScope & { config: ReportConfigRow | null }> {
  const [row] = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      areaPath: orgUnits.path,
      ownerPath: ownerUnits.path,
      areaUnitId: campaigns.areaUnitId,
      endsOn: campaigns.endsOn,
      startsOn: campaigns.startsOn,
      config: reportConfigs,
    })
    .from(campaigns)
    .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
    .innerJoin(ownerUnits, eq(ownerUnits.id, campaigns.ownerUnitId))
    .leftJoin(reportConfigs, eq(reportConfigs.campaignId, campaigns.id))
    .where(eq(campaigns.id, id));
  if (!row || !(user.roles.includes('admin') || related(user.unitPath, row.areaPath))) throw notFound('campaign');
  return row;
}

/** The campaign office: a supervisor of the owning office, or one whose oversight covers the campaign area (督查考评办). */
export const isOffice = (u: AuthUser, c: CampaignScope) =>
  u.roles.includes('admin') ||
  (u.roles.includes('supervisor') &&
    (within(c.ownerPath, u.unitPath) || (!!u.scopePath && within(c.areaPath, u.scopePath))));

/** Reads the whole campaign (office, or an oversight role whose scope covers the area). */
export const seesAll = (u: AuthUser, c: CampaignScope) =>
  isOffice(u, c) ||
  u.scopePath === null ||
  (u.roles.some((r) => r === 'inspector' || r === 'viewer') && within(c.areaPath, u.scopePath));

export function asProblem(err: unknown): never {
  if (err instanceof RuleBroken) {
    throw new Problem(
      err.status,
      err.code,
      'Rule violated',
      err.message,
      err.field ? { errors: [{ path: `body.${err.field}`, message: err.message }] } : {},
    );
  }
  if (err instanceof ReportRefused) {
    const status = err.error.code === 'forbidden' ? 403 : err.error.code === 'validation' ? 422 : 409;
    throw new Problem(
      status,
      err.error.code === 'validation' ? 'rule_violated' : err.error.code,
      'Report refused',
      err.message,
      { allowed: err.error.allowed },
    );
  }
  if (err instanceof ReportVersionConflict)
    throw new Problem(412, 'version_conflict', 'Report changed meanwhile', err.message);
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
  if (!m)
    throw new Problem(400, 'invalid_if_match', 'Bad If-Match', 'send the version you last saw, e.g. If-Match: "3"');
  return Number(m[1]);
}

// ---------------------------------------------------------------- one unit's report, as the caller may reach it

export async function reportConfigOf(db: Db, c: CampaignScope) {
  const cfg = await reportConfig(db, c.id);
  if (!cfg)
    throw new Problem(
      404,
      'no_report_cycle',
      'No report cycle',
      'this campaign has no report cycle yet; the office sets one with PUT /campaigns/:id/report-config',
    );
  return cfg;
}

export async function reportPeriodOf(
  db: Db,
  env: { calendar(): Promise<CalendarData> },
  c: CampaignScope,
  period: string,
  known?: Awaited<ReturnType<typeof reportConfig>>,
) {
  const cfg = known ?? (await reportConfigOf(db, c));
  const p = findPeriod(cfg.cycle, period, await env.calendar());
  if (!p)
    throw new Problem(
      404,
      'unknown_period',
      'Unknown period',
      `the report cycle has no period ${period} (months as YYYY-MM from ${cfg.cycle.firstMonth}, one-off reports as x-<key>)`,
    );
  return { cfg, p };
}

/** The caller acts for the unit (it is theirs) or as the office; anyone else gets 404 for out-of-scope units. */
export async function reportingUnitOf(
  db: Db,
  u: AuthUser,
  c: CampaignScope,
  unitId: string,
  reportingUnitIds: string[],
) {
  const [unit] = await db.select().from(orgUnits).where(eq(orgUnits.id, unitId));
  if (!unit || !reportingUnitIds.includes(unit.id)) throw notFound('reporting unit');
  if (!seesAll(u, c) && !within(unit.path, u.unitPath)) throw notFound('reporting unit');
  return unit;
}

/** A handler or lead of the reporting unit writes its report (the same rule the commands check). */
export const writesFor = (u: AuthUser, unit: { path: string }) =>
  within(unit.path, u.unitPath) && u.roles.some((r) => r === 'handler' || r === 'lead');
