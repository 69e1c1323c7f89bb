// Issue 17 through the API, on a real database.
// Rule 3 — seed 003 §二(一): “在坚持常态化排查的基础上,每年至少组织两次集中排查。”
// Rule 6 — seed 001 §三(五): “按照贫困村20%、贫困户10%的抽样比例,完成贫困村、贫困户退出县级自评。”
import { beforeAll, describe, expect, it } from 'vitest';
import { drawSample } from '../../domain/sampling/draw.ts';
import { assign, build, evidenceFile, report, type World } from '../support/app.ts';

let w: World;
const base = () => `/api/v1/campaigns/${w.campaignId}`;

beforeAll(async () => {
  w = await build();
});

describe('集中排查 (003 §二(一))', () => {
  let roundId: string;

  it('warns the office while fewer than two screenings ended this year', async () => {
    const r = await w.call('super', 'GET', `${base()}/screenings`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ rounds: [], warnings: [{ code: 'too_few_screenings', done: 0, required: 2 }] });
  });

  it('records a round (dates, scope, who); bad input is refused by field and writes nothing', async () => {
    const body = {
      name: '第一次集中排查',
      startsOn: '2026-03-01',
      endsOn: '2026-03-02',
      scopeUnitIds: [w.units.village1.id, w.units.village2.id],
      conductedBy: '村支两委、驻村工作队',
    };
    const bad = await w.call('super', 'POST', `${base()}/screenings`, { ...body, endsOn: '2026-02-27' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.endsOn']);
    const outside = await w.call('super', 'POST', `${base()}/screenings`, {
      ...body,
      scopeUnitIds: [w.units.county.id],
    });
    expect(outside.status).toBe(422);
    expect((await w.call('h1', 'POST', `${base()}/screenings`, body)).status).toBe(403);
    const r = await w.call('super', 'POST', `${base()}/screenings`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    roundId = r.body.id;
    expect((await w.call('super', 'GET', `${base()}/screenings`)).body.rounds).toHaveLength(1);
  });

  it('items carry the screening that found them; the round counts them per unit', async () => {
    const id = await report(w, 'super', { screeningRoundId: roundId });
    await assign(w, id);
    const wrong = await w.call('super', 'POST', '/api/v1/items', {
      campaignId: w.campaignId,
      source: 'screening',
      title: 't',
      description: 'd',
      screeningRoundId: '00000000-0000-4000-8000-000000000000',
    });
    expect(wrong.status).toBe(422);
    const list = (await w.call('viewer', 'GET', `${base()}/screenings`)).body;
    expect(list.rounds[0]).toMatchObject({ itemsFound: 1, itemsByUnit: { [w.units.village1.id]: 1 } });
    // one round done: still warned
    expect(list.warnings[0]).toMatchObject({ done: 1 });
  });

  it('"no problem found" is a unit result, refused for a unit the round found problems in', async () => {
    const ok = await w.call('super', 'PUT', `${base()}/screenings/${roundId}/units/${w.units.village2.id}`, {
      result: 'no_problem_found',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.unitResults).toEqual([{ unitId: w.units.village2.id, result: 'no_problem_found' }]);
    const refused = await w.call('super', 'PUT', `${base()}/screenings/${roundId}/units/${w.units.village1.id}`, {
      result: 'no_problem_found',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('screening_unit_has_items');
  });
});

describe('核查抽样 (001 §三(五))', () => {
  const signedOff: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      const id = await report(w, 'super', i % 2 ? { person: { name: `户主${i}` } } : {});
      await assign(w, id, i % 3 ? {} : { responsibleUnitId: w.units.village2.id });
      const h = i % 3 ? 'h1' : 'h2';
      await w.call(h, 'POST', `/api/v1/items/${id}/accept`, {});
      await w.call(h, 'POST', `/api/v1/items/${id}/submit`, {
        summary: '已整改',
        evidence: [await evidenceFile(w, h, id, `凭证${i}.pdf`)],
      });
      const a = await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {});
      if (a.status !== 200) throw new Error(JSON.stringify(a.body));
      signedOff.push(id);
    }
  });

  it('draws with the recorded seed, reproducibly, and schedules each drawn item for recheck', async () => {
    const r = await w.call('super', 'POST', `${base()}/verification-rounds`, {
      name: '2026年退出核查',
      seed: 'hx-2026-1',
      dueBy: '2026-04-30',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const d = r.body.draw;
    expect(d.rates).toEqual({ villageRate: 0.2, householdRate: 0.1 });
    expect(d.villages).toMatchObject({ population: 2, size: 1 });
    expect(d.households).toMatchObject({ population: 6, size: 1 });
    // Anyone can redo it from the seed and the candidates.
    const households = [];
    for (const id of signedOff) {
      const it = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body;
      if (it.person) households.push(id);
    }
    const again = drawSample('hx-2026-1', {
      villageIds: [w.units.village1.id, w.units.village2.id],
      householdIds: households,
    });
    expect(d.villages.chosen).toEqual(again.villages.chosen);
    expect(d.households.chosen).toEqual(again.households.chosen);
    for (const id of d.itemIds) {
      const it = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body;
      expect(it.recheck).toMatchObject({ reason: expect.any(String) });
    }
    expect(d.itemIds).toEqual(expect.arrayContaining(d.households.chosen));
  });

  it("records each sampled household's result through its recheck, which the round then lists", async () => {
    const rounds = await w.call('super', 'POST', `${base()}/verification-rounds`, {
      name: 'bad',
      villageRate: 2,
      dueBy: '2026-04-30',
    });
    expect(rounds.status).toBe(400);
    const r = await w.call('super', 'POST', `${base()}/verification-rounds`, {
      name: '第二次核查',
      seed: 'hx-2026-2',
      villageRate: 0.5,
      householdRate: 0.5,
      dueBy: '2026-04-30',
    });
    expect(r.status).toBe(201);
    const [first, second] = r.body.draw.itemIds as string[];
    expect(first && second).toBeTruthy();
    expect(
      (await w.call('insp', 'POST', `/api/v1/items/${first}/recheck`, { passed: true, findings: '入户核实属实' }))
        .status,
    ).toBe(200);
    expect(
      (await w.call('insp', 'POST', `/api/v1/items/${second}/recheck`, { passed: false, findings: '仍未参保' })).status,
    ).toBe(200);
    const view = await w.call('viewer', 'GET', `${base()}/verification-rounds/${r.body.id}`);
    expect(view.status).toBe(200);
    const byId = new Map(view.body.lines.map((l: { itemId: string }) => [l.itemId, l]));
    expect(byId.get(first)).toMatchObject({ result: 'passed', findings: '入户核实属实' });
    expect(byId.get(second)).toMatchObject({ result: 'failed', findings: '仍未参保' });
    expect(view.body.lines.filter((l: { result: string }) => l.result === 'pending').length).toBe(
      r.body.draw.itemIds.length - 2,
    );
  });
});
