// The demo campaign fast-forwarded through a year on an injected clock (seed 003 with 002's rules):
// reports from March at each month end with the late ones marked; four rounds with 003's focus
// categories; rankings whose every score is explained and equals a recomputation from the trail;
// the 002 rules firing exactly where the published history says; a bulletin .docx that parses back.
import { beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import { fold } from '../../domain/item/index.ts';
import type { ItemEvent } from '../../domain/item/types.ts';
import { findPeriod } from '../../domain/report/cycle.ts';
import type { ReportStats } from '../../db/queries/ledger-stats.ts';
import JSZip from 'jszip';
import { buildApp } from '../../api/app.ts';
import { loadDemo } from '../../bin/demo.ts';
import { RETURNED_REPORT, WEAK_VILLAGE } from '../../bin/demo-history.ts';
import { DEMO } from '../../bin/demo-data.ts';
import { reportConfig, reportStats } from '../../db/queries/reports.ts';
import { publishedHistory, roundWindow } from '../../db/queries/rounds.ts';
import { computeRanking } from '../../services/rounds.ts';
import { accountabilityRecords, itemEvents, items, orgUnits, reports } from '../../db/schema.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine } from '../../workflows/local/local-engine.ts';
import { createTestDatabase } from '../support/db.ts';
import { TestClock } from '../support/app.ts';
import type { Db } from '../../db/client.ts';
import type { FastifyInstance } from 'fastify';

const NOW = '2027-01-12T02:00:00.000Z';
let db: Db;
let app: FastifyInstance;
let campaignId: string;
let token: string;
const get = async (url: string, t = token) => {
  const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t}` } });
  return {
    status: r.statusCode,
    body: r.headers['content-type']?.toString().includes('json') ? r.json() : null,
    raw: r.rawPayload,
  };
};
const login = async (username: string) =>
  (
    await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'zhenggai-demo' } })
  ).json().token as string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const clock = new TestClock(new Date(NOW));
  ({ campaignId } = await loadDemo(db, () => {}, { items: 160, now: clock.now(), year: 2026 }));
  const env = createEngineEnv(db, 0);
  app = await buildApp({
    db,
    engine: createLocalEngine({ db, env, clock }),
    env,
    clock,
    config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 65536, LOG_LEVEL: 'silent' },
  });
  token = await login('ducha');
}, 240_000);

describe('a year of the demo campaign', () => {
  it('owes reports from March at each month end, and marks exactly the late ones', async () => {
    const cfg = await get(`/api/v1/campaigns/${campaignId}/report-config`);
    const months = cfg.body.periods.filter((p: { period: string }) => !p.period.startsWith('x-'));
    expect(months.map((p: { period: string }) => p.period)).toEqual(
      ['03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2026-${m}`),
    );
    expect(months.map((p: { dueOn: string }) => p.dueOn)).toEqual(
      ['03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31'].map(
        (d) => `2026-${d}`,
      ),
    );
    const rows = await db.select().from(reports).where(eq(reports.campaignId, campaignId));
    expect(rows.length).toBe(11 * 17); // ten months + the September work report, 10 villages + 7 lead offices
    for (const r of rows) expect(r.late).toBe(new Date(r.firstSubmittedAt!).getTime() > new Date(r.dueAt).getTime());
    const lateCount = rows.filter((r) => r.late).length;
    expect(lateCount).toBeGreaterThan(0);
    let boardLate = 0;
    for (const p of cfg.body.periods)
      boardLate += (await get(`/api/v1/campaigns/${campaignId}/reports/${p.period}`)).body.counts.late ?? 0;
    expect(boardLate).toBe(lateCount);
    const returned = rows.filter((r) => r.returnCount > 0);
    expect(returned).toHaveLength(1);
    expect(returned[0]).toMatchObject({ period: `2026-${RETURNED_REPORT.month}`, status: 'accepted' });
  });

  it('freezes report statistics that equal a recomputation from the trail, and a fold of every item’s events by the pure evolve', async () => {
    const rows = await db.select().from(reports).where(eq(reports.campaignId, campaignId));
    const cfg = (await reportConfig(db, campaignId))!;
    const cal = await createEngineEnv(db, 0).calendar();
    const units = await db.select().from(orgUnits);
    for (const r of rows.filter((x) => ['2026-03', '2026-06', '2026-09', '2026-12'].includes(x.period))) {
      const stats = r.stats as ReportStats;
      const unit = units.find((u) => u.id === r.unitId)!;
      expect(await reportStats(db, campaignId, unit.path, findPeriod(cfg.cycle, r.period, cal)!, stats.asOf)).toEqual(
        stats,
      );
    }
    // Independently: fold each item's events up to the month end with the domain's evolve.
    const events = await db.select().from(itemEvents).orderBy(asc(itemEvents.itemId), asc(itemEvents.seq));
    const byItem = new Map<string, typeof events>();
    for (const e of events) byItem.set(e.itemId, [...(byItem.get(e.itemId) ?? []), e]);
    for (const month of ['2026-06', '2026-12']) {
      const p = findPeriod(cfg.cycle, month, cal)!;
      const cut = new Date(Date.parse(p.to) - 1).toISOString();
      const folded = [...byItem.values()].map((list) => {
        const upTo = list.filter((e) => new Date(e.at).toISOString() <= cut);
        const s = fold(
          upTo.map(
            (e) => ({ type: e.type, at: new Date(e.at).toISOString(), actorId: e.actorId, data: e.data }) as ItemEvent,
          ),
        );
        return { s, inWindow: upTo.filter((e) => new Date(e.at).toISOString() >= p.from) };
      });
      // Every village, so the check never rests on one village that happened to be quiet that month.
      let volume = 0;
      for (const name of DEMO.villages) {
        const village = units.find((u) => u.name === name)!;
        const expected = {
          newItems: 0,
          closed: 0,
          rectified: 0,
          inProgress: 0,
          overdue: 0,
          lateSubmitted: 0,
          reopened: 0,
        };
        for (const { s, inWindow } of folded) {
          if (!s) continue;
          const mine = [s.responsibleUnit?.path, s.leadUnit?.path, s.reportingUnit.path].some((x) =>
            x?.startsWith(village.path),
          );
          if (!mine) continue;
          expected.newItems += inWindow.some((e) => e.type === 'ItemReported') ? 1 : 0;
          expected.closed += inWindow.filter((e) => e.type === 'ItemApproved').length;
          expected.rectified += inWindow.filter((e) => e.type === 'ItemVerified').length;
          expected.reopened += inWindow.filter((e) => e.type === 'ItemReopened').length;
          const open = ['assigned', 'in_progress', 'submitted'].includes(s.status);
          expected.inProgress += open ? 1 : 0;
          // Overdue is still with the unit past its deadline; handed in late is 逾期提交, counted apart.
          expected.overdue += open && s.status !== 'submitted' && s.overdue ? 1 : 0;
          expected.lateSubmitted += s.status === 'submitted' && s.overdue ? 1 : 0;
        }
        const got = await reportStats(db, campaignId, village.path, p, NOW);
        expect(
          {
            newItems: got.newItems,
            closed: got.closed,
            rectified: got.rectified,
            inProgress: got.inProgress,
            overdue: got.overdue,
            lateSubmitted: got.lateSubmitted,
            reopened: got.reopened,
          },
          `${name} ${month}`,
        ).toEqual(expected);
        volume += expected.newItems + expected.inProgress;
      }
      expect(volume).toBeGreaterThan(0);
    }
  });

  it('has four published rounds with 003’s focus categories, Q4 a look-back over all ten', async () => {
    const rounds = (await get(`/api/v1/campaigns/${campaignId}/rounds`)).body.rounds;
    const focus = (q: number) =>
      DEMO.categories.filter((c) => (c.quarters as readonly number[]).includes(q)).map((c) => c.name);
    expect(rounds.map((r: { focusCategories: string[] }) => r.focusCategories)).toEqual([
      focus(1),
      focus(2),
      focus(3),
      focus(4),
    ]);
    expect(focus(1)).toEqual([
      '“应纳未纳”专项整治',
      '“重点人群未参保”专项整治',
      '“就业帮扶不到位”专项整治',
      '“金融帮扶不到位”专项整治',
    ]);
    expect(rounds[3]).toMatchObject({
      lookBack: true,
      status: 'published',
      selection: { rate: 0.3, seed: 'chaoyang-2026-q4' },
    });
    expect(rounds[3].focusCategories).toHaveLength(10);
    expect(rounds.every((r: { status: string }) => r.status === 'published')).toBe(true);
  });

  it('explains every score and equals a recomputation from the event trail as of each period end', async () => {
    const cfg = (await reportConfig(db, campaignId))!;
    const env = createEngineEnv(db, 0);
    for (const h of await publishedHistory(db, campaignId)) {
      const api = (await get(`/api/v1/rounds/${h.round.id}/ranking`)).body;
      const again = await computeRanking(db, h.round, cfg.cycle, await env.calendar(), roundWindow(h.round).to);
      expect(api.groups).toEqual(again.groups);
      expect(api.groups.map((g: { key: string }) => g.key)).toEqual(['villages', 'departments']);
      // The demo's township minimum volume (DEMO_SCHEME): no unit is 样本不足 on an indicator that has items.
      const notes = api.groups.flatMap((g: { lines: { explanation: { note: string }[] }[] }) =>
        g.lines.flatMap((l) => l.explanation.map((e) => e.note)),
      );
      expect(notes).not.toContain('below_min_volume');
      for (const line of api.groups.flatMap((g: { lines: unknown[] }) => g.lines) as {
        score: number;
        deductions: number;
        explanation: { contribution: number; weight: number; numerator: number; denominator: number }[];
      }[]) {
        expect(line.explanation).toHaveLength(8);
        expect(line.score).toBeCloseTo(line.explanation.reduce((a, e) => a + e.contribution, 0) - line.deductions, 3);
      }
    }
    const villageToken = await login('cun01');
    const first = (await publishedHistory(db, campaignId))[0]!;
    const own = (await get(`/api/v1/rounds/${first.round.id}/ranking`, villageToken)).body;
    expect(own.groups.flatMap((g: { lines: { name: string }[] }) => g.lines.map((l) => l.name))).toEqual([
      DEMO.villages[0],
    ]);
  });

  it('fires the 002 rules exactly where the published history says', async () => {
    const history = await publishedHistory(db, campaignId);
    // Count last and lagging places straight from the published tables (not through the rule engine).
    const expected = new Set<string>();
    const lastSeq = new Map<string, string[]>();
    for (const [i, h] of history.entries()) {
      for (const g of h.ranking.groups) {
        if (g.lines.length < 2) continue;
        const lagging = Math.max(1, Math.ceil(g.lines.length * 0.2 - 1e-9));
        for (const l of g.lines) {
          const key = l.unitId;
          const seq = lastSeq.get(key) ?? [];
          seq[i] = l.rank === l.groupSize ? 'L' : l.rank > l.groupSize - lagging ? 'B' : '-';
          lastSeq.set(key, seq);
        }
      }
    }
    for (const [unitId, seq] of lastSeq) {
      const s = Array.from({ length: history.length }, (_, i) => seq[i] ?? '-').join('');
      // 002 §六(三): last place twice in a row or three times → 约谈 and 通报批评
      if (s.includes('LL')) expected.add(`${unitId}:last_twice_in_row`).add(`${unitId}:last_twice_in_row_criticism`);
      if ([...s].filter((c) => c === 'L').length >= 3)
        expected.add(`${unitId}:last_three_total`).add(`${unitId}:last_three_total_criticism`);
      // 后进 (last is 后进 too): twice in total → 通报批评; twice in a row or three times → 约谈
      const lagging = s.replace(/L/g, 'B');
      if ([...lagging].filter((c) => c === 'B').length >= 2) expected.add(`${unitId}:lagging_twice_total`);
      if (lagging.includes('BB')) expected.add(`${unitId}:lagging_twice_in_row`);
      if ([...lagging].filter((c) => c === 'B').length >= 3) expected.add(`${unitId}:lagging_three_total`);
    }
    // 整改不到位: a failed recheck of a ranked unit's subtree up to the last published period end → 约谈
    const lastEnd = roundWindow(history.at(-1)!.round).to;
    const failed = await db
      .select({ path: items.responsibleUnitPath })
      .from(itemEvents)
      .innerJoin(items, eq(items.id, itemEvents.itemId))
      .where(and(eq(items.campaignId, campaignId), eq(itemEvents.type, 'RecheckFailed'), lte(itemEvents.at, lastEnd)));
    const ranked = await db
      .select({ id: orgUnits.id, path: orgUnits.path })
      .from(orgUnits)
      .where(inArray(orgUnits.id, [...lastSeq.keys()]));
    for (const u of ranked)
      if (failed.some((f) => f.path?.startsWith(u.path))) expected.add(`${u.id}:rectification_failed`);
    const records = await db
      .select()
      .from(accountabilityRecords)
      .where(eq(accountabilityRecords.campaignId, campaignId));
    expect(new Set(records.map((r) => `${r.unitId}:${r.ruleId}`))).toEqual(expected);
    const [weak] = await db.select().from(orgUnits).where(eq(orgUnits.name, WEAK_VILLAGE));
    const interview = records.find((r) => r.unitId === weak!.id && r.ruleId === 'last_twice_in_row');
    expect(interview).toMatchObject({
      action: 'interview',
      actionTitle: '约谈主要负责人、分管负责人',
      roundIds: [history[0]!.round.id, history[1]!.round.id],
      firedAtRoundId: history[1]!.round.id,
    });
    const listed = (await get(`/api/v1/campaigns/${campaignId}/accountability`)).body.records;
    expect(listed).toHaveLength(records.length);
    // The office tracks a record to done, with a note; once.
    const post = (body: unknown) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/accountability/${interview!.id}/done`,
        payload: body as object,
        headers: { authorization: `Bearer ${token}` },
      });
    const done = await post({
      note: '已于1月8日约谈村党支部书记、村委会主任，责令限期整改。',
      attachments: ['约谈记录.pdf'],
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', attachments: ['约谈记录.pdf'] });
    expect((await post({ note: '再次' })).json().code).toBe('already_done');
    const villageToken = await login('cun01');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/v1/accountability/${interview!.id}/done`,
          payload: { note: 'x' },
          headers: { authorization: `Bearer ${villageToken}` },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('produces a bulletin .docx that opens and lists the same ranking and the 约谈', async () => {
    const history = await publishedHistory(db, campaignId);
    const q2 = history[1]!;
    const res = await get(`/api/v1/rounds/${q2.round.id}/bulletin.docx`);
    expect(res.status).toBe(200);
    const zip = await JSZip.loadAsync(res.raw);
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = xml.replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '');
    expect(text).toContain('第二季度');
    // Every table row of the docx, in order, is the published ranking.
    const rows = [...xml.matchAll(/<w:tr>([\s\S]*?)<\/w:tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]),
    );
    const expectedRows = q2.ranking.groups.flatMap((g) => [
      ['名次', '单位', '得分', '备注'],
      ...g.lines.map((l) => [String(l.rank), l.name, l.score.toFixed(2), l.veto ? '一票否决' : '']),
    ]);
    expect(rows).toEqual(expectedRows);
    expect(text).toContain(`${WEAK_VILLAGE}连续2次排名倒数第一，约谈主要负责人、分管负责人`);
  });
});
