// Reports, rounds, rankings, bulletins and accountability over HTTP, with the bad input each refuses.
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import JSZip from 'jszip';
import { assign, build, evidenceFile, multipartBody, report, type World } from '../support/app.ts';
import { latinSentences } from '../support/latin.ts';

let w: World;
beforeAll(async () => {
  w = await build({ now: '2026-03-02T02:00:00.000Z' });
  const r = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
    cycle: { reportingUnitIds: [w.units.village1.id, w.units.village2.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(r.status).toBe(200);
});

const rows = async (table: string) =>
  Number((await w.db.execute(sql.raw(`select count(*)::int as n from ${table}`))).rows[0]!.n);
const base = () => `/api/v1/campaigns/${w.campaignId}`;
const narrative = { progress: '完成入户排查', problems: '个别户不配合', nextSteps: '继续动员' };

describe('monthly reports', () => {
  it('freezes statistics at submission that equal a recomputation from the trail; the board shows who is late', async () => {
    const a = await report(w);
    await assign(w, a);
    await w.call('h1', 'POST', `/api/v1/items/${a}/accept`, {});
    const b = await report(w);
    await assign(w, b);
    w.clock.set('2026-03-30T02:00:00.000Z');
    const r = await w.call('h1', 'POST', `${base()}/reports/2026-03/units/${w.units.village1.id}/submit`, {
      narrative,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'submitted',
      late: false,
      stats: { newItems: 2, inProgress: 2, rectified: 0 },
    });
    expect(r.body.stats.byCategory.c04.newItems).toBe(2);
    // The ledger moves on after the submission; as of the frozen instant the figures are the same.
    w.clock.set('2026-03-30T02:30:00.000Z');
    await assign(w, await report(w));
    const again = await w.call('super', 'GET', `${base()}/reports/2026-03/units/${w.units.village1.id}/stats`);
    expect(again.body).toEqual(r.body.stats);
    const now = await w.call(
      'super',
      'GET',
      `${base()}/reports/2026-03/units/${w.units.village1.id}/stats?asOf=2026-03-30T03:00:00.000Z`,
    );
    expect(now.body.newItems).toBe(3);

    w.clock.set('2026-04-01T02:00:00.000Z');
    const board = await w.call('super', 'GET', `${base()}/reports/2026-03`);
    expect(board.body.units.map((u: { unitName: string; standing: string }) => [u.unitName, u.standing])).toEqual([
      ['南陈村', 'missing'],
      ['朝阳村', 'on_time'],
    ]);
    const late = await w.call('h2', 'POST', `${base()}/reports/2026-03/units/${w.units.village2.id}/submit`, {
      narrative,
    });
    expect(late.body).toMatchObject({ late: true });
    // A village sees only its own line of the board.
    expect(
      (await w.call('h2', 'GET', `${base()}/reports/2026-03`)).body.units.map((u: { unitName: string }) => u.unitName),
    ).toEqual(['南陈村']);
    // Return, resubmit with If-Match, accept.
    const ret = await w.call('super', 'POST', `${base()}/reports/2026-03/units/${w.units.village2.id}/return`, {
      reason: '缺少下步计划',
    });
    expect(ret.body).toMatchObject({ status: 'returned', returnCount: 1 });
    expect(
      (
        await w.call(
          'h2',
          'POST',
          `${base()}/reports/2026-03/units/${w.units.village2.id}/submit`,
          {},
          { 'if-match': '"1"' },
        )
      ).status,
    ).toBe(412);
    expect(
      (
        await w.call(
          'h2',
          'POST',
          `${base()}/reports/2026-03/units/${w.units.village2.id}/submit`,
          {},
          { 'if-match': `"${ret.body.version}"` },
        )
      ).body.status,
    ).toBe('submitted');
    expect(
      (await w.call('super', 'POST', `${base()}/reports/2026-03/units/${w.units.village2.id}/accept`, {})).body.status,
    ).toBe('accepted');
  });

  it('refuses a report for a period not yet open or already accepted, and another unit’s report, writing nothing', async () => {
    const before = await rows('reports');
    const notOpen = await w.call('h1', 'POST', `${base()}/reports/2026-05/units/${w.units.village1.id}/draft`, {
      narrative,
    });
    expect(notOpen).toMatchObject({ status: 409, body: { code: 'period_not_open' } });
    expect(notOpen.headers['content-type']).toMatch(/problem\+json/);
    const accepted = await w.call('h2', 'POST', `${base()}/reports/2026-03/units/${w.units.village2.id}/draft`, {
      narrative,
    });
    expect(accepted).toMatchObject({ status: 409, body: { code: 'report_already_accepted' } });
    expect(
      (await w.call('h1', 'POST', `${base()}/reports/2026-03/units/${w.units.village2.id}/draft`, { narrative }))
        .status,
    ).toBe(404);
    expect(
      (await w.call('h1', 'POST', `${base()}/reports/2025-12/units/${w.units.village1.id}/draft`, { narrative })).body
        .code,
    ).toBe('unknown_period');
    expect(await rows('reports')).toBe(before);
  });

  it('keeps files with a report: uploaded by the unit, cited by id, readable by the unit and the office only', async () => {
    const unit = w.units.village1.id;
    const uploadTo = async (user: string, unitId: string) => {
      const { body, contentType } = multipartBody([
        {
          name: '四月工作台账.pdf',
          bytes: Buffer.from(`%PDF-1.4\n% ${Math.random()}\n%%EOF\n`),
          type: 'application/pdf',
        },
      ]);
      const res = await w.app.inject({
        method: 'POST',
        url: `${base()}/reports/2026-04/units/${unitId}/attachments`,
        payload: body,
        headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': contentType },
      });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    const up = await uploadTo('h1', unit);
    expect(up).toMatchObject({
      status: 201,
      body: { attachments: [{ fileName: '四月工作台账.pdf', purpose: 'report' }] },
    });
    const fileId = up.body.attachments[0].id as string;
    expect((await uploadTo('h2', unit)).status).toBe(404); // another village's report is not there for it
    expect((await uploadTo('super', unit)).body.code).toBe('forbidden'); // the office reads reports, the unit writes them

    const draft = await w.call('h1', 'POST', `${base()}/reports/2026-04/units/${unit}/draft`, {
      narrative,
      attachments: [fileId],
    });
    expect(draft).toMatchObject({ status: 200, body: { attachments: [fileId] } });
    // Citing a file that is not this unit's report file: refused, naming the entry, nothing written.
    const itemFile = await evidenceFile(
      w,
      'h1',
      await (async () => {
        const id = await report(w);
        await assign(w, id);
        return id;
      })(),
    );
    for (const bad of [crypto.randomUUID(), itemFile, 'not-an-id']) {
      const r = await w.call('h1', 'POST', `${base()}/reports/2026-04/units/${unit}/draft`, {
        narrative,
        attachments: [fileId, bad],
      });
      expect(r).toMatchObject({
        status: 422,
        body: { code: 'unknown_attachment', errors: [{ path: 'body.attachments.1' }] },
      });
    }
    expect((await w.call('h1', 'GET', `${base()}/reports/2026-04/units/${unit}`)).body).toMatchObject({
      version: draft.body.version,
      attachments: [fileId],
    });

    const listed = await w.call('super', 'GET', `${base()}/reports/2026-04/units/${unit}/attachments`);
    expect(listed.body.attachments.map((a: { id: string; fileName: string }) => [a.id, a.fileName])).toEqual([
      [fileId, '四月工作台账.pdf'],
    ]);
    expect((await w.call('h2', 'GET', `${base()}/reports/2026-04/units/${unit}/attachments`)).status).toBe(404);
    expect((await w.call('super', 'GET', `/api/v1/attachments/${fileId}`)).status).toBe(200);
    expect((await w.call('h2', 'GET', `/api/v1/attachments/${fileId}`)).status).toBe(404);
  });
});

describe('rounds, ranking, bulletin', () => {
  let roundId: string;
  const scheme = (over: Record<string, unknown>) => ({
    version: 't1',
    indicators: [
      { key: 'on_time_completion', weight: 50 },
      { key: 'inspection_score', weight: 50 },
    ],
    peerGroups: [{ key: 'villages', title: '行政村', kinds: ['village'] }],
    ...over,
  });

  it('refuses bad schemes, naming the rule, and writes nothing', async () => {
    const post = (s: unknown) => {
      const body = {
        name: '一季度',
        periodStart: '2026-03-01',
        periodEnd: '2026-03-31',
        focusCategoryIds: [w.categoryId],
        scheme: '@scheme',
      };
      return w.call(
        'super',
        'POST',
        `${base()}/rounds`,
        JSON.stringify(body).replace('"@scheme"', typeof s === 'string' ? s : JSON.stringify(s)),
      );
    };
    const cases: [unknown, RegExp][] = [
      [scheme({ indicators: [{ key: 'speed', weight: 1 }] }), /unknown indicator/],
      [scheme({ indicators: [{ key: 'on_time_completion', weight: -5 }] }), /negative/],
      // JSON has no Infinity, but the number 1e999 parses to it.
      [
        JSON.stringify(scheme({ indicators: [{ key: 'on_time_completion', weight: 12345 }] })).replace(
          '12345',
          '1e999',
        ),
        /finite/,
      ],
      [scheme({ peerGroups: [] }), /peer group/],
    ];
    for (const [s, rule] of cases) {
      const r = await post(s);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('invalid_scheme');
      expect(r.body.errors.map((e: { message: string }) => e.message).join()).toMatch(rule);
    }
    expect(await rows('acceptance_rounds')).toBe(0);
  });

  it('creates a round, refuses an overlapping one, scores, refuses a unit outside the round, publishes once', async () => {
    const created = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '一季度',
      periodStart: '2026-03-01',
      periodEnd: '2026-03-31',
      focusCategoryIds: [w.categoryId],
      scheme: scheme({}),
    });
    expect(created.status).toBe(201);
    roundId = created.body.id;
    expect(created.body.focusCategories).toEqual(['重点人群未参保']);
    const overlap = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '三月',
      periodStart: '2026-03-15',
      periodEnd: '2026-04-15',
      focusCategoryIds: [w.categoryId],
    });
    expect(overlap).toMatchObject({ status: 409, body: { code: 'round_period_overlaps' } });
    expect(await rows('acceptance_rounds')).toBe(1);

    const outside = await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.labour.id}`, {
      lines: { ledger: 30 },
    });
    expect(outside).toMatchObject({ status: 422, body: { code: 'unit_not_in_round' } });
    const tooMany = await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.village1.id}`, {
      lines: { ledger: 41 },
    });
    expect(tooMany).toMatchObject({ status: 422, body: { code: 'invalid_score' } });
    expect(await rows('round_scores')).toBe(0);
    expect(
      (
        await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.village1.id}`, {
          lines: { ledger: 35, onsite: 50 },
        })
      ).status,
    ).toBe(200);
    // the sheet reads back for the acceptance team (to review or amend it), not for a unit
    const sheet = await w.call('insp', 'GET', `/api/v1/rounds/${roundId}/scores/${w.units.village1.id}`);
    expect(sheet).toMatchObject({
      status: 200,
      body: { unitId: w.units.village1.id, lines: { ledger: 35, onsite: 50 }, veto: false },
    });
    expect((await w.call('h1', 'GET', `/api/v1/rounds/${roundId}/scores/${w.units.village1.id}`)).status).toBe(403);
    // a unit of the round not scored yet: an empty sheet to fill in (no 404); a unit outside the round: 404
    expect(await w.call('super', 'GET', `/api/v1/rounds/${roundId}/scores/${w.units.village2.id}`)).toMatchObject({
      status: 200,
      body: { unitId: w.units.village2.id, lines: {}, veto: false, scoredAt: null },
    });
    expect(await w.call('super', 'GET', `/api/v1/rounds/${roundId}/scores/${w.units.labour.id}`)).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });

    w.clock.set('2026-03-31T10:00:00.000Z');
    expect((await w.call('super', 'POST', `/api/v1/rounds/${roundId}/publish`, {})).body.code).toBe(
      'round_not_finished',
    );
    w.clock.set('2026-04-02T02:00:00.000Z');
    expect((await w.call('super', 'POST', `/api/v1/rounds/${roundId}/publish`, {})).body.code).toBe(
      'score_sheets_missing',
    );
    expect(
      (
        await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.village2.id}`, {
          lines: { ledger: 20, onsite: 30 },
        })
      ).status,
    ).toBe(200);
    expect(await rows('round_rankings')).toBe(0);

    const pub = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/publish`, {});
    expect(pub.status).toBe(200);
    expect(pub.body.version).toBe(1);
    const again = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/publish`, {});
    expect(again).toMatchObject({ status: 409, body: { code: 'round_already_published' } });
    expect(await rows('round_rankings')).toBe(1);
    const correction = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/corrections`, {
      reason: '更正南陈村得分录入错误',
    });
    expect(correction.body.version).toBe(2);
  });

  it('explains the ranking, shows a village only its own line, and produces a bulletin .docx with the same ranking', async () => {
    const full = await w.call('super', 'GET', `/api/v1/rounds/${roundId}/ranking`);
    expect(full.body).toMatchObject({ published: true, version: 2, correction: '更正南陈村得分录入错误' });
    const lines = full.body.groups[0].lines;
    expect(lines.map((l: { name: string }) => l.name)).toEqual(['朝阳村', '南陈村']);
    for (const l of lines) {
      expect(l.score).toBeCloseTo(
        l.explanation.reduce((a: number, e: { contribution: number }) => a + e.contribution, 0) - l.deductions,
        3,
      );
      for (const e of l.explanation) expect(e).toHaveProperty('numerator');
    }
    const mine = await w.call('h2', 'GET', `/api/v1/rounds/${roundId}/ranking`);
    expect(mine.body.groups[0].lines.map((l: { name: string }) => l.name)).toEqual(['南陈村']);
    expect((await w.call('h2', 'GET', `/api/v1/rounds/${roundId}/ranking?live=true`)).status).toBe(404);

    const bulletin = await w.call('super', 'GET', `/api/v1/rounds/${roundId}/bulletin`);
    expect(bulletin.body).toMatchObject({
      version: 2,
      praised: [{ name: '朝阳村' }],
      criticised: [{ name: '南陈村' }],
    });
    const res = await w.app.inject({
      method: 'GET',
      url: `/api/v1/rounds/${roundId}/bulletin.docx`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(res.statusCode).toBe(200);
    const xml = await (await JSZip.loadAsync(res.rawPayload)).file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain(bulletin.body.title);
    expect(bulletin.body.title).toMatch(/^关于.+验收排名情况的通报$/);
    expect(bulletin.body.title).not.toContain('验收验收');
    expect(latinSentences(text)).toEqual([]); // every word of the document in Chinese
    // Sent to every unit it ranks and to the lead offices: a ranked village and a lead read it too.
    for (const user of ['h2', 'lead']) {
      const r = await w.call(user, 'GET', `/api/v1/rounds/${roundId}/bulletin`);
      expect(r.status, `${user}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.title).toBe(bulletin.body.title);
    }
    expect(text.indexOf('朝阳村')).toBeLessThan(text.lastIndexOf('南陈村'));
    expect(text).toContain(lines[0].score.toFixed(2));
    // The bulletin prints the signed trail checkpoint made when this version was published.
    const trail = bulletin.body.trail;
    expect(trail).toMatchObject({ keyId: w.trailSigner.keyId, items: expect.any(Number) });
    expect(text).toContain(`留痕检查点第${trail.checkpointNo}号`);
    expect(text).toContain(trail.signature);
    const v = await w.call('admin', 'GET', `/api/v1/admin/trail/verify?campaignId=${w.campaignId}`);
    expect(v.body).toMatchObject({ ok: true, problems: [] });
    expect(v.body.checkpoints).toBeGreaterThanOrEqual(2); // one per published version
  });
});

describe('look-back (回头看) selection', () => {
  it('selects closed items of the focus categories for recheck, reproducibly from the seed, once', async () => {
    w.clock.set('2026-04-10T02:00:00.000Z');
    const closed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await report(w);
      await assign(w, id);
      await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
      await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, { summary: '已整改', evidence: ['照片.jpg'] });
      const r = await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {});
      if (r.body.status === 'closed' && !r.body.recheck) closed.push(id);
    }
    const round = await w.call('super', 'POST', `${base()}/rounds`, {
      name: '四季度回头看',
      periodStart: '2026-10-01',
      periodEnd: '2026-12-31',
      focusCategoryIds: [w.categoryId],
      lookBack: true,
    });
    expect(round.status).toBe(201);
    const sel = await w.call('super', 'POST', `/api/v1/rounds/${round.body.id}/look-back`, {
      rate: 1,
      seed: 'q4-2026',
      dueBy: '2026-04-30',
    });
    expect(sel.status).toBe(200);
    expect(sel.body.itemIds).toEqual(expect.arrayContaining(closed));
    for (const id of closed) {
      const item = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body;
      expect(item.timeline.at(-1)).toMatchObject({ type: 'RecheckScheduled', data: { reason: 'look_back' } });
    }
    const again = await w.call('super', 'POST', `/api/v1/rounds/${round.body.id}/look-back`, {
      rate: 1,
      seed: 'q4-2026',
      dueBy: '2026-04-30',
    });
    expect(again).toMatchObject({ status: 409, body: { code: 'look_back_already_selected' } });
    const notLookBack = await w.call(
      'super',
      'POST',
      `/api/v1/rounds/${(await w.call('super', 'GET', `${base()}/rounds`)).body.rounds[0].id}/look-back`,
      { rate: 0.5, seed: 'x', dueBy: '2026-04-30' },
    );
    expect(notLookBack.body.code).toBe('not_a_look_back_round');
  });
});

describe('report cycle and rules configuration', () => {
  it('refuses a bad cycle or bad rules, naming the rule, and keeps the stored configuration', async () => {
    const before = (await w.call('super', 'GET', `${base()}/report-config`)).body;
    const put = (body: unknown) => w.call('super', 'PUT', `${base()}/report-config`, body);
    const good = { reportingUnitIds: [w.units.village1.id], firstMonth: '2026-03', dueDay: 'month_end' };
    expect((await put({ cycle: { ...good, firstMonth: '2026-13' } })).body).toMatchObject({
      status: 422,
      code: 'invalid_report_cycle',
    });
    expect((await put({ cycle: { ...good, reportingUnitIds: [w.units.county.id] } })).body).toMatchObject({
      status: 422,
      code: 'unit_outside_campaign',
    });
    const rules = {
      laggingShare: 0.2,
      rules: [
        {
          id: 'x',
          title: '倒数第一',
          position: 'first',
          count: 2,
          consecutive: true,
          action: 'interview',
          actionTitle: '约谈',
        },
      ],
    };
    const bad = await put({ cycle: good, accountability: rules });
    expect(bad.body).toMatchObject({ status: 422, code: 'invalid_accountability_rules' });
    expect(bad.body.errors[0].path).toBe('body.accountability.rules.0.position');
    expect((await w.call('h1', 'PUT', `${base()}/report-config`, { cycle: good })).status).toBe(403);
    expect((await w.call('super', 'GET', `${base()}/report-config`)).body).toEqual(before);
  });
});
