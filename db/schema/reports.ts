// Monthly reports (月报), acceptance rounds (阶段验收) with score sheets, frozen rankings, and
// accountability records (问责). Statistics are never stored apart from the event trail except as
// the frozen snapshots the rules ask for (a submitted report, a published ranking).
import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AccountabilityConfig } from '../../domain/accountability/rules.ts';
import type { ReportEvent, Narrative, ReportStats } from '../../domain/report/lifecycle.ts';
import type { ReportCycle } from '../../domain/report/cycle.ts';
import type { Scheme, ScoreLine } from '../../domain/ranking/scheme.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** A campaign's report cycle and accountability rules (one row per campaign). */
export const reportConfigs = pgTable('report_configs', {
  campaignId: uuid('campaign_id').primaryKey(),
  cycle: jsonb('cycle').notNull().$type<ReportCycle>(),
  accountability: jsonb('accountability').notNull().$type<AccountabilityConfig>(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** One unit's report for one period; a missing row means "due" (nothing written yet). */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull(),
    period: text('period').notNull(),
    unitId: uuid('unit_id').notNull(),
    unitPath: text('unit_path').notNull(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    dueAt: ts('due_at').notNull(),
    late: boolean('late'),
    firstSubmittedAt: ts('first_submitted_at'),
    submittedAt: ts('submitted_at'),
    acceptedAt: ts('accepted_at'),
    returnCount: integer('return_count').notNull().default(0),
    narrative: jsonb('narrative').$type<Narrative>(),
    attachments: text('attachments').array().notNull().default(sql`'{}'`),
    /** The statistics snapshot frozen at submission (recomputable as of `stats.asOf`). */
    stats: jsonb('stats').$type<ReportStats>(),
    /** The report's own trail: every ReportEvent, in order. */
    history: jsonb('history').notNull().$type<ReportEvent[]>(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('reports_campaign_period_unit_key').on(t.campaignId, t.period, t.unitId),
    index('reports_unit_path').on(sql`${t.unitPath} text_pattern_ops`),
  ],
);

/** 阶段验收: a round over a period with its focus categories, scheme and score-sheet lines. */
export const acceptanceRounds = pgTable(
  'acceptance_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull(),
    name: text('name').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    focusCategoryIds: uuid('focus_category_ids').array().notNull(),
    /** 回头看: the round also selects closed items again for recheck. */
    lookBack: boolean('look_back').notNull().default(false),
    scheme: jsonb('scheme').notNull().$type<Scheme>(),
    scoreLines: jsonb('score_lines').notNull().$type<ScoreLine[]>(),
    /** The look-back selection once made: rate, seed and the items chosen. */
    selection: jsonb('selection').$type<{ rate: number; seed: string; at: string; itemIds: string[] }>(),
    status: text('status').notNull().default('open'),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('acceptance_rounds_campaign').on(t.campaignId, t.periodStart)],
);

/** An inspector's score sheet for one unit in one round. */
export const roundScores = pgTable(
  'round_scores',
  {
    roundId: uuid('round_id')
      .notNull()
      .references(() => acceptanceRounds.id),
    unitId: uuid('unit_id').notNull(),
    lines: jsonb('lines').notNull().$type<Record<string, number>>(),
    veto: boolean('veto').notNull().default(false),
    vetoReason: text('veto_reason'),
    note: text('note'),
    scoredBy: uuid('scored_by').notNull(),
    scoredAt: ts('scored_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.unitId] })],
);

/** A published ranking, frozen. Version 1 is the publication; later versions are corrections. */
export const roundRankings = pgTable(
  'round_rankings',
  {
    roundId: uuid('round_id')
      .notNull()
      .references(() => acceptanceRounds.id),
    version: integer('version').notNull(),
    reason: text('reason'),
    asOf: ts('as_of').notNull(),
    result: jsonb('result').notNull(),
    publishedBy: uuid('published_by').notNull(),
    publishedAt: ts('published_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.version] })],
);

/** A triggered accountability rule, tracked by the office until done. */
export const accountabilityRecords = pgTable(
  'accountability_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull(),
    unitId: uuid('unit_id').notNull(),
    unitPath: text('unit_path').notNull(),
    ruleId: text('rule_id').notNull(),
    action: text('action').notNull(),
    title: text('title').notNull(),
    actionTitle: text('action_title').notNull(),
    roundIds: uuid('round_ids').array().notNull(),
    firedAtRoundId: uuid('fired_at_round_id').notNull(),
    status: text('status').notNull().default('open'),
    note: text('note'),
    attachments: text('attachments').array().notNull().default(sql`'{}'`),
    doneBy: uuid('done_by'),
    doneAt: ts('done_at'),
    createdAt: ts('created_at').notNull(),
    /** When the notifier told the unit's superiors (null: not yet; the notifier picks it up). */
    notifiedAt: ts('notified_at'),
  },
  (t) => [
    uniqueIndex('accountability_campaign_unit_rule_key').on(t.campaignId, t.unitId, t.ruleId),
    index('accountability_unnotified').on(t.createdAt).where(sql`${t.notifiedAt} is null`),
  ],
);

export type ReportRow = typeof reports.$inferSelect;
export type RoundRow = typeof acceptanceRounds.$inferSelect;
