// Report commands (月报): lock or create the unit's report row, decide with the pure lifecycle, evolve,
// write — one transaction. Submissions get their statistics from the ledger as of `now`.
import type { Db, DbOrTx } from '../db/client.ts';
import {
  iso,
  lockReportRow,
  reportRow,
  reportStats,
  saveReportConfig,
  stateOf,
  unitPaths,
  writeReportRow,
} from '../db/queries/reports.ts';
import type { AccountabilityConfig } from '../domain/accountability/rules.ts';
import { within } from '../domain/access/scope.ts';
import type { ReportRow } from '../db/schema.ts';
import type { ReportCycle, ReportPeriod } from '../domain/report/cycle.ts';
import { decideReport, evolveReport, type ReportCommand } from '../domain/report/lifecycle.ts';
import { Refused } from './refusal.ts';

export interface ReportAction {
  campaignId: string;
  period: ReportPeriod;
  unit: { id: string; path: string };
  /** Submissions get their statistics here, from the ledger as of `now`. */
  command: Exclude<ReportCommand, { type: 'submit' }> | Omit<Extract<ReportCommand, { type: 'submit' }>, 'stats'>;
  actorId: string;
  /** Added: the actor's unit path, so an office that also reports does not accept its own report. */
  actorUnitPath?: string;
  as: 'unit' | 'office';
  now: string;
  expectedVersion?: number;
}

export type ReportService = ReturnType<typeof reportService>;

export function reportService(deps: { db: Db }) {
  /** Run one report command; answers the report row as it now stands. `alongside` runs in the same
   * transaction after the write (the caller's Idempotency-Key answer commits with it). */
  async function act(a: ReportAction, alongside?: (row: ReportRow, tx: DbOrTx) => Promise<void>): Promise<ReportRow> {
    return deps.db.transaction(async (tx) => {
      const row = await lockReportRow(tx, a);
      const state = stateOf(row);
      if (a.expectedVersion !== undefined && a.expectedVersion !== state.version)
        throw new Refused(
          'version_conflict',
          `the report is at version ${state.version}, not ${a.expectedVersion}: reload it and try again`,
          { title: 'Report changed meanwhile' },
        );
      const command = (
        a.command.type === 'submit'
          ? { ...a.command, stats: await reportStats(tx, a.campaignId, a.unit.path, a.period, a.now) }
          : a.command
      ) as ReportCommand;
      const decision = decideReport(state, command, {
        now: a.now,
        actorId: a.actorId,
        period: a.period,
        as: a.as,
        unitPath: a.unit.path,
        ...(a.actorUnitPath !== undefined ? { actorUnitPath: a.actorUnitPath } : {}),
      });
      if (!decision.ok) {
        const e = decision.error;
        throw new Refused(e.code === 'validation' ? 'rule_violated' : e.code, e.message, {
          allowed: e.allowed,
          title: 'Report refused',
        });
      }
      const next = decision.events.reduce(evolveReport, state);
      const written = await writeReportRow(tx, row.id, next, [...row.history, ...decision.events], a.now);
      await alongside?.(written, tx);
      return written;
    });
  }

  /** Set the campaign's report cycle and rules; every reporting unit lies in the campaign area. */
  async function setConfig(p: {
    campaign: { id: string; areaPath: string };
    cycle: ReportCycle;
    accountability: AccountabilityConfig;
    now: string;
  }) {
    const units = await unitPaths(deps.db, p.cycle.reportingUnitIds);
    const outside = p.cycle.reportingUnitIds.filter(
      (id) => !units.some((x) => x.id === id && within(x.path, p.campaign.areaPath)),
    );
    if (outside.length > 0)
      throw new Refused(
        'unit_outside_campaign',
        `${outside.length} reporting unit(s) are unknown or outside the campaign area`,
        {
          title: 'Rule violated',
          errors: outside.map((id) => ({
            path: 'body.cycle.reportingUnitIds',
            message: `${id}: not in the campaign area`,
          })),
        },
      );
    await saveReportConfig(deps.db, {
      campaignId: p.campaign.id,
      cycle: p.cycle,
      accountability: p.accountability,
      updatedAt: p.now,
    });
  }

  /** A unit's statistics for a period as of `asOf` (default: its frozen snapshot's instant, or now). */
  async function stats(p: {
    campaignId: string;
    period: ReportPeriod;
    unit: { id: string; path: string };
    asOf?: string;
    now: string;
  }) {
    const row = await reportRow(deps.db, p.campaignId, p.period.period, p.unit.id);
    const asOf = p.asOf ? iso(p.asOf) : (row?.stats?.asOf ?? p.now);
    return reportStats(deps.db, p.campaignId, p.unit.path, p.period, asOf);
  }

  return { act, setConfig, stats };
}
