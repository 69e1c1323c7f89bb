// A year of reporting and acceptance for the demo campaign (003 §三(四), §四; 002 §六): monthly
// reports from March at each month end (some late, one returned and resubmitted), a quarterly round
// with the 003 focus categories (Q4 a look-back, 回头看), score sheets, rankings published after each
// quarter, and the 002 rules evaluated over them — with one village whose weak acceptance results
// put it last twice in a row (约谈). Everything runs through the same functions as the API, on a
// clock that walks the year; nothing later than `now` is written.
import { and, eq, inArray } from 'drizzle-orm';
import { DEFAULT_ACCOUNTABILITY } from '../domain/accountability/rules.ts';
import { endOfDay } from '../domain/calendar/calendar.ts';
import { isSampled } from '../domain/item/index.ts';
import { cyclePeriods, reportCycleSchema } from '../domain/report/cycle.ts';
import { DEFAULT_SCHEME, DEFAULT_SCORE_LINES } from '../domain/ranking/scheme.ts';
import type { Db } from '../db/client.ts';
import { reportService } from '../services/reports.ts';
import { roundService } from '../services/rounds.ts';
import {
  acceptanceRounds,
  campaigns,
  categories,
  items,
  orgUnits,
  reportConfigs,
  roundScores,
  users,
} from '../db/schema.ts';
import { CommandRefused } from '../workflows/engine.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { DEMO } from './demo-data.ts';
import { mulberry32 } from './prng.ts';
import type { Log } from './database.ts';

const DAY = 86_400_000;
/** The village whose acceptance results are weak in the first half year (illustrative). */
export const WEAK_VILLAGE = '姚凹村';
/** The report that the office returns once for corrections. */
export const RETURNED_REPORT = { village: '南陈村', month: '05' };

/**
 * The demo's scheme: the default with a minimum volume for a township. A village here has 0–5 items
 * per indicator in a quarter's focus categories (1–2 in the first quarter), so the default minimum of 3
 * left most villages 样本不足 on most indicators; 1 scores every indicator that has any item at all
 * (an indicator with none is no_data either way).
 */
export const DEMO_SCHEME = { ...DEFAULT_SCHEME, version: '2026.1-township', minVolume: 1 };

const QUARTERS = [
  { q: 1, name: '第一季度', start: '03-01', end: '03-31' },
  { q: 2, name: '第二季度', start: '04-01', end: '06-30' },
  { q: 3, name: '第三季度', start: '07-01', end: '09-30' },
  { q: 4, name: '第四季度“回头看”', start: '10-01', end: '12-31' },
];

export async function loadDemoHistory(db: Db, log: Log, opts: { campaignId: string; year: number; now: Date }) {
  const { campaignId, year } = opts;
  const nowIso = opts.now.toISOString();
  const rnd = mulberry32(year * 7 + 3);
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  const units = await db.select().from(orgUnits);
  const unit = (name: string) => units.find((u) => u.name === name)!;
  const people = await db.select().from(users);
  const user = (username: string) => people.find((p) => p.username === username)!;
  const villages = DEMO.villages.map(unit);
  const leadOffices = [...new Set(DEMO.categories.map((c) => c.lead))].map(unit);
  const reporterOf = new Map<string, string>([
    ...villages.map((v, i) => [v.id, user(`cun${String(i + 1).padStart(2, '0')}`).id] as const),
    ...leadOffices.map((o) => [o.id, people.find((p) => p.unitId === o.id && p.roles.includes('lead'))!.id] as const),
  ]);
  const office = user('ducha');
  const inspector = user('yanshou');

  const cycle = reportCycleSchema.parse({
    reportingUnitIds: [...villages, ...leadOffices].map((u) => u.id),
    firstMonth: `${year}-03`,
    lastMonth: `${year}-12`,
    dueDay: 'month_end',
    extras: [
      { key: `${year}-work-report`, title: '工作报告、整改台账', opensOn: `${year}-09-01`, dueOn: `${year}-09-30` },
    ],
  });
  await db
    .insert(reportConfigs)
    .values({ campaignId, cycle, accountability: DEFAULT_ACCOUNTABILITY, updatedAt: nowIso });
  const env = createEngineEnv(db);
  const cal = await env.calendar();

  // Monthly reports: most a few days before the month end; some after it (the weak village often).
  let reports = 0;
  let late = 0;
  for (const p of cyclePeriods(cycle, `${year}-12`, cal)) {
    for (const u of [...villages, ...leadOffices]) {
      const weak = u.name === WEAK_VILLAGE;
      const isLate = rnd() < (weak ? 0.5 : 0.08);
      const at = Date.parse(p.dueAt) + (isLate ? (1 + rnd() * 5) * DAY : -(0.2 + rnd() * 5) * DAY);
      if (at > opts.now.getTime()) continue;
      const unitRef = { id: u.id, path: u.path };
      const narrative = {
        progress: `${u.name}${p.title}：按照专项整治方案，动态排查问题，逐一落实整改措施。`,
        problems: rnd() < 0.3 ? '个别问题整改进度滞后，佐证材料不够规范。' : '无',
        nextSteps: '继续对照问题台账推进整改，做好对账销号。',
      };
      await reportService({ db }).act({
        campaignId,
        period: p,
        unit: unitRef,
        command: { type: 'submit', narrative },
        actorId: reporterOf.get(u.id)!,
        as: 'unit',
        now: new Date(at).toISOString(),
      });
      reports++;
      if (isLate) late++;
      const review = at + (1 + rnd() * 3) * DAY;
      if (review > opts.now.getTime()) continue;
      if (u.name === RETURNED_REPORT.village && p.period === `${year}-${RETURNED_REPORT.month}`) {
        await reportService({ db }).act({
          campaignId,
          period: p,
          unit: unitRef,
          command: { type: 'return', reason: '本月新增问题数与台账不一致，请核对后重新报送。' },
          actorId: office.id,
          as: 'office',
          now: new Date(review).toISOString(),
        });
        const again = review + DAY;
        if (again > opts.now.getTime()) continue;
        await reportService({ db }).act({
          campaignId,
          period: p,
          unit: unitRef,
          command: { type: 'submit', narrative: { ...narrative, problems: '已核对台账，更正新增问题数。' } },
          actorId: reporterOf.get(u.id)!,
          as: 'unit',
          now: new Date(again).toISOString(),
        });
        if (again + DAY > opts.now.getTime()) continue;
        await reportService({ db }).act({
          campaignId,
          period: p,
          unit: unitRef,
          command: { type: 'accept' },
          actorId: office.id,
          as: 'office',
          now: new Date(again + DAY).toISOString(),
        });
        continue;
      }
      await reportService({ db }).act({
        campaignId,
        period: p,
        unit: unitRef,
        command: { type: 'accept' },
        actorId: office.id,
        as: 'office',
        now: new Date(review).toISOString(),
      });
    }
  }

  // Rounds: one per quarter whose period has begun, with 003's focus categories.
  const cats = await db.select().from(categories).where(eq(categories.campaignId, campaignId));
  let published = 0;
  for (const q of QUARTERS) {
    const periodStart = `${year}-${q.start}`;
    const periodEnd = `${year}-${q.end}`;
    if (periodStart > nowIso.slice(0, 10)) break;
    const round = await roundService({ db }).createRound({
      campaignId,
      name: `${year}年${q.name}验收`,
      periodStart,
      periodEnd,
      lookBack: q.q === 4,
      focusCategoryIds: cats
        .filter((c) => c.focusQuarters.includes(q.q))
        .sort((a, b) => a.sortOrder - b.sortOrder)
        .map((c) => c.id),
      scheme: DEMO_SCHEME,
      scoreLines: DEFAULT_SCORE_LINES,
      createdBy: office.id,
    });
    if (q.q === 4) {
      // 回头看: select closed items of all ten categories again, reproducibly, and schedule their recheck.
      const engine = createLocalEngine({ db, env, clock: { now: () => opts.now } });
      const seed = `chaoyang-${year}-q4`;
      const closed = await db
        .select({ id: items.id })
        .from(items)
        .where(and(eq(items.campaignId, campaignId), inArray(items.status, ['closed', 'verified'])));
      const chosen: string[] = [];
      for (const { id } of closed.filter((x) => isSampled(seed, x.id, 0.3))) {
        try {
          await engine.execute({
            itemId: id,
            actor: null,
            command: { type: 'schedule_recheck', reason: 'look_back', dueBy: `${year}-12-25` },
          });
          chosen.push(id);
        } catch (err) {
          if (!(err instanceof CommandRefused)) throw err;
        }
      }
      await db
        .update(acceptanceRounds)
        .set({ selection: { rate: 0.3, seed, at: nowIso, itemIds: chosen } })
        .where(eq(acceptanceRounds.id, round.id));
    }
    const scoredAt = Date.parse(endOfDay(periodEnd)) + 2 * DAY;
    if (scoredAt > opts.now.getTime()) continue;
    for (const u of [...villages, ...leadOffices]) {
      const weak = u.name === WEAK_VILLAGE && q.q <= 2;
      const share = weak ? 0.2 + rnd() * 0.1 : 0.75 + rnd() * 0.25;
      await db.insert(roundScores).values({
        roundId: round.id,
        unitId: u.id,
        scoredBy: inspector.id,
        scoredAt: new Date(scoredAt).toISOString(),
        lines: { ledger: Math.round(40 * share), onsite: Math.round(60 * share), paper: weak ? 10 : 0 },
        veto: false,
        note: weak ? '台账不规范，部分问题纸面销号，入户核查整改不到位。' : '台账规范，整改基本到位。',
      });
    }
    const publishAt = scoredAt + 3 * DAY;
    if (publishAt > opts.now.getTime()) continue;
    const out = await roundService({ db }).publishRound({
      round,
      cycle,
      cal,
      accountability: DEFAULT_ACCOUNTABILITY,
      actorId: office.id,
      now: new Date(publishAt).toISOString(),
      correction: null,
    });
    published++;
    if (out.triggered.length)
      log(`demo: ${round.name} published; ${out.triggered.length} accountability record(s) triggered`);
  }
  log(
    `demo history: ${reports} monthly reports (${late} late, one returned), ${published} published rounds (campaign ${campaign?.name})`,
  );
}
