// Monthly reports (月报): the campaign's cycle and periods, the board per period, one unit's report and
// its commands (draft, submit by the unit; return, accept by the office), with the version as If-Match.
import { api, call } from './client.ts';
import type { components } from './schema';

export type Report = components['schemas']['Report'];
export type ReportBoard = components['schemas']['ReportBoard'];
export type BoardLine = ReportBoard['units'][number];
export type ReportStatus = 'due' | 'draft' | 'submitted' | 'returned' | 'accepted';
export type Standing = 'not_open' | 'open' | 'due_soon' | 'missing' | 'on_time' | 'late';
export interface Narrative {
  progress: string;
  problems: string;
  nextSteps: string;
}

/** One period a unit reports for (domain/report/cycle.ts ReportPeriod). */
export interface ReportPeriod {
  period: string;
  title: string;
  from: string;
  to: string;
  opensAt: string;
  dueOn: string;
  dueAt: string;
  dueProvisional: boolean;
}
export interface ReportConfig {
  campaignId: string;
  cycle: { reportingUnitIds: string[]; remindBeforeDays: number };
  periods: ReportPeriod[];
}

/** The statistics frozen at submission (db/queries/ledger-stats.ts ReportStats). */
export interface StatCounts {
  newItems: number;
  closed: number;
  rectified: number;
  inProgress: number;
  overdue: number;
  /** 逾期提交; absent in statistics frozen before it was counted apart from overdue. */
  lateSubmitted?: number;
  reopened: number;
}
export interface ReportStats extends StatCounts {
  asOf: string;
  from: string;
  to: string;
  byCategory: Record<string, StatCounts>;
  bySource: Record<string, StatCounts>;
}
export const STAT_KEYS: (keyof StatCounts)[] = [
  'newItems',
  'closed',
  'rectified',
  'inProgress',
  'overdue',
  'lateSubmitted',
  'reopened',
];

/** One entry of the report's trail. */
export interface ReportEvent {
  type: 'ReportDraftSaved' | 'ReportSubmitted' | 'ReportReturned' | 'ReportAccepted';
  at: string;
  actorId: string;
  data: Record<string, unknown>;
}

const path = (campaignId: string, period: string, unitId: string) => ({ id: campaignId, period, unitId });
const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export async function reportConfig(campaignId: string): Promise<ReportConfig> {
  return (await call(
    api.GET('/api/v1/campaigns/{id}/report-config', { params: { path: { id: campaignId } } }),
  )) as ReportConfig;
}

/** The periods open by `now` (filed from their opening), newest due first. */
export function openPeriods(cfg: ReportConfig, now = new Date().toISOString()): ReportPeriod[] {
  return cfg.periods.filter((p) => p.opensAt <= now).sort((a, b) => (a.dueAt < b.dueAt ? 1 : -1));
}

/** The period a screen starts with: the open one due soonest (this month), else the latest opened. */
export function currentPeriod(cfg: ReportConfig, now = new Date().toISOString()): ReportPeriod | null {
  const open = openPeriods(cfg, now);
  return [...open].reverse().find((p) => p.dueAt >= now) ?? open[0] ?? null;
}

export const board = (campaignId: string, period: string) =>
  call(api.GET('/api/v1/campaigns/{id}/reports/{period}', { params: { path: { id: campaignId, period } } }));

export const getReport = (campaignId: string, period: string, unitId: string) =>
  call(
    api.GET('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}', {
      params: { path: path(campaignId, period, unitId) },
    }),
  );

/** The statistics as of `asOf` (default: the frozen snapshot's instant, or now when nothing is frozen). */
export const liveStats = async (campaignId: string, period: string, unitId: string, asOf?: string) =>
  (await call(
    api.GET('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/stats', {
      params: { path: path(campaignId, period, unitId), query: asOf ? { asOf } : {} },
    }),
  )) as ReportStats;

export const saveDraft = (r: Report, narrative: Narrative, attachments: string[]) =>
  call(
    api.POST('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/draft', {
      params: { path: path(r.campaignId, r.period, r.unitId), header: ifMatch(r.version) },
      body: { narrative, attachments },
    }),
  );

export const submitReport = (r: Report, narrative: Narrative, attachments: string[]) =>
  call(
    api.POST('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/submit', {
      params: { path: path(r.campaignId, r.period, r.unitId), header: ifMatch(r.version) },
      body: { narrative, attachments },
    }),
  );

/** Where a unit's report files are uploaded to (and listed from). */
export const reportFilesUrl = (r: Pick<Report, 'campaignId' | 'period' | 'unitId'>) =>
  `/api/v1/campaigns/${r.campaignId}/reports/${encodeURIComponent(r.period)}/units/${r.unitId}/attachments`;

export const reportFiles = async (r: Pick<Report, 'campaignId' | 'period' | 'unitId'>) =>
  (
    await call(
      api.GET('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/attachments', {
        params: { path: path(r.campaignId, r.period, r.unitId) },
      }),
    )
  ).attachments;

export const returnReport = (r: Report, reason: string) =>
  call(
    api.POST('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/return', {
      params: { path: path(r.campaignId, r.period, r.unitId), header: ifMatch(r.version) },
      body: { reason },
    }),
  );

export const acceptReport = (r: Report, note: string) =>
  call(
    api.POST('/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/accept', {
      params: { path: path(r.campaignId, r.period, r.unitId), header: ifMatch(r.version) },
      body: note ? { note } : {},
    }),
  );

/** The reason of the latest return, while the report stands returned (or was returned before). */
export function lastReturn(r: Report): { reason: string; at: string } | null {
  const e = [...(r.history as ReportEvent[])].reverse().find((x) => x.type === 'ReportReturned');
  return e ? { reason: String(e.data.reason ?? ''), at: e.at } : null;
}
