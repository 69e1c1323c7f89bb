// Campaign access: the campaign as the caller may see it, who counts as its office, and one unit's
// report as the caller may reach it. Used by the report, round, accountability and evidence routes.
import type { AuthUser } from '../db/queries/auth.ts';
import { campaignAreaPath, campaignScopeRow, orgUnitById } from '../db/queries/campaign-scope.ts';
import { related, within } from '../domain/access/scope.ts';
import { reportConfig } from '../db/queries/reports.ts';
import type { Db } from '../db/client.ts';
import type { reportConfigs } from '../db/schema.ts';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import { findPeriod } from '../domain/report/cycle.ts';
import { notFoundRefusal, Refused } from './refusal.ts';

type ReportConfigRow = typeof reportConfigs.$inferSelect;

export interface CampaignScope {
  id: string;
  name: string;
  ownerPath: string;
  areaPath: string;
  areaUnitId: string;
  endsOn: string | null;
  startsOn: string;
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

/** A handler or lead of the reporting unit writes its report (the same rule the commands check). */
export const writesFor = (u: AuthUser, unit: { path: string }) =>
  within(unit.path, u.unitPath) && u.roles.some((r) => r === 'handler' || r === 'lead');

export type CampaignAccess = ReturnType<typeof campaignAccess>;

/** The campaign with its report configuration (null when none is set), if the caller may see it (units
 * inside its area or above it); else not_found, exactly as for a campaign that does not exist. Also for
 * routes that take a campaign id as a filter (the ledger, its export, the statistics, the trail check). */
export async function visibleCampaignOf(
  db: Db,
  user: AuthUser,
  id: string,
): Promise<CampaignScope & { config: ReportConfigRow | null }> {
  const row = await campaignScopeRow(db, id);
  if (!row || !(user.roles.includes('admin') || related(user.unitPath, row.areaPath)))
    throw notFoundRefusal('campaign');
  return row;
}

/**
 * Campaign id → its area's path, per database. A campaign's area is fixed when it is created (no route changes
 * it, and units do not move), so a process keeps what it has read; a miss is not kept (a campaign made since
 * is found). The ledger page checks the campaign on every request: this saves it a round trip.
 */
const areaPaths = new WeakMap<Db, Map<string, string>>();

/** Throws the campaign's not-found refusal unless the user may see it (as visibleCampaignOf decides). */
export async function assertCampaignVisible(db: Db, user: AuthUser, id: string): Promise<void> {
  let known = areaPaths.get(db);
  if (!known) areaPaths.set(db, (known = new Map()));
  let area = known.get(id) ?? null;
  if (area === null) {
    area = await campaignAreaPath(db, id);
    if (area !== null) {
      if (known.size >= 10_000) known.clear();
      known.set(id, area);
    }
  }
  if (area === null || !(user.roles.includes('admin') || related(user.unitPath, area)))
    throw notFoundRefusal('campaign');
}

export function campaignAccess(deps: { db: Db; calendar: () => Promise<CalendarData> }) {
  const { db } = deps;

  /** The campaign with its report configuration (null when none is set), if the caller may see it (units inside its area or above it). */
  const visibleCampaignWithConfig = (user: AuthUser, id: string) => visibleCampaignOf(db, user, id);

  async function visibleCampaign(user: AuthUser, id: string): Promise<CampaignScope> {
    const { config: _config, ...scope } = await visibleCampaignWithConfig(user, id);
    return scope;
  }

  async function reportConfigOf(c: CampaignScope) {
    const cfg = await reportConfig(db, c.id);
    if (!cfg)
      throw new Refused(
        'no_report_cycle',
        'this campaign has no report cycle yet; the office sets one with PUT /campaigns/:id/report-config',
        { title: 'No report cycle' },
      );
    return cfg;
  }

  async function reportPeriodOf(c: CampaignScope, period: string, known?: Awaited<ReturnType<typeof reportConfig>>) {
    const cfg = known ?? (await reportConfigOf(c));
    const p = findPeriod(cfg.cycle, period, await deps.calendar());
    if (!p)
      throw new Refused(
        'unknown_period',
        `the report cycle has no period ${period} (months as YYYY-MM from ${cfg.cycle.firstMonth}, one-off reports as x-<key>)`,
        { title: 'Unknown period' },
      );
    return { cfg, p };
  }

  /** The caller acts for the unit (it is theirs) or as the office; anyone else gets not_found for out-of-scope units. */
  async function reportingUnitOf(u: AuthUser, c: CampaignScope, unitId: string, reportingUnitIds: string[]) {
    const unit = await orgUnitById(db, unitId);
    if (!unit || !reportingUnitIds.includes(unit.id)) throw notFoundRefusal('reporting unit');
    if (!seesAll(u, c) && !within(unit.path, u.unitPath)) throw notFoundRefusal('reporting unit');
    return unit;
  }

  return { visibleCampaign, visibleCampaignWithConfig, reportConfigOf, reportPeriodOf, reportingUnitOf };
}
