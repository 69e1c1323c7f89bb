// Tables for the seed rules of issue 17: concentrated screening rounds (003 §二(一) 集中排查) and
// verification rounds with their seeded draw (001 §三(五) 20 % / 10 %).
import { sql } from 'drizzle-orm';
import { date, index, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { UnitResult } from '../../domain/screening/rounds.ts';
import type { SamplingRates } from '../../domain/sampling/draw.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** 集中排查: one concentrated screening round of a campaign; items found carry its id in their state. */
export const screeningRounds = pgTable(
  'screening_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull(),
    name: text('name').notNull(),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    scopeUnitIds: uuid('scope_unit_ids').array().notNull(),
    conductedBy: text('conducted_by').notNull(),
    /** Per unit: problems found, or "no problem found" (无问题) — a result, not an absence. */
    unitResults: jsonb('unit_results').notNull().default(sql`'[]'`).$type<UnitResult[]>(),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('screening_rounds_campaign').on(t.campaignId, t.startsOn)],
);

/** 核查抽样: a verification round's seeded draw; results are the sampled items' own recheck events. */
export const verificationRounds = pgTable(
  'verification_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull(),
    name: text('name').notNull(),
    seed: text('seed').notNull(),
    villageRate: real('village_rate').notNull(),
    householdRate: real('household_rate').notNull(),
    /** What was drawn: the candidates' counts and the chosen ids per stage, and the items scheduled. */
    draw: jsonb('draw').notNull().$type<{
      rates: SamplingRates;
      villages: { population: number; size: number; chosen: string[] };
      households: { population: number; size: number; chosen: string[] };
      itemIds: string[];
    }>(),
    dueBy: date('due_by', { mode: 'string' }).notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('verification_rounds_campaign').on(t.campaignId, t.createdAt)],
);
