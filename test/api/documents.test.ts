// Official documents over HTTP: issued with the office's next 发文字号 from a round, an accountability
// record and an item; read back as .docx (the register's content) and PDF (LibreOffice, converted
// inline here: no background queue in this app); refused when the subject is not ready or the caller
// is not the campaign office, writing nothing.
import { sql } from 'drizzle-orm';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountabilityRecords } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { inspectPdf } from '../support/pdf.ts';

let w: World;
let roundId: string;
beforeAll(async () => {
  w = await build({ now: '2026-03-02T02:00:00.000Z' });
  const r = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
    cycle: { reportingUnitIds: [w.units.village1.id, w.units.village2.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(r.status).toBe(200);
  const round = await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/rounds`, {
    name: '第一季度验收',
    periodStart: '2026-01-01',
    periodEnd: '2026-03-31',
    focusCategoryIds: [w.categoryId],
    scheme: {
      version: '2026.1-township',
      indicators: [
        { key: 'on_time_completion', weight: 50 },
        { key: 'inspection_score', weight: 50 },
      ],
      peerGroups: [{ key: 'villages', title: '行政村', kinds: ['village'] }],
    },
  });
  expect(round.status).toBe(201);
  roundId = round.body.id;
});

const registered = async () =>
  Number((await w.db.execute(sql`select count(*)::int as n from issued_documents`)).rows[0]!.n);
const docxText = async (id: string, user = 'super') => {
  const res = await w.app.inject({
    method: 'GET',
    url: `/api/v1/documents/${id}.docx`,
    headers: { authorization: `Bearer ${w.tokens[user]}` },
  });
  expect(res.statusCode).toBe(200);
  const xml = await (await JSZip.loadAsync(res.rawPayload)).file('word/document.xml')!.async('string');
  return xml.replace(/<[^>]+>/g, '');
};

describe('office style', () => {
  it('derives the style from the org tree, then takes the office’s prefix; bad prefixes are refused', async () => {
    const office = w.units.office.id;
    expect((await w.call('super', 'GET', `/api/v1/org-units/${office}/document-style`)).body).toMatchObject({
      prefix: '朝阳镇乡村振兴办',
      saved: false,
    });
    const style = {
      prefix: '朝振办',
      flag: '朝阳镇乡村振兴办公室文件',
      fullName: '朝阳镇乡村振兴办公室',
      copyTo: ['镇纪委'],
    };
    for (const prefix of ['ZZB', '朝振办〔', '朝']) {
      const bad = await w.call('super', 'PUT', `/api/v1/org-units/${office}/document-style`, { ...style, prefix });
      expect(bad.status).toBe(400);
    }
    expect((await w.call('h1', 'PUT', `/api/v1/org-units/${office}/document-style`, style)).status).toBe(403);
    const ok = await w.call('super', 'PUT', `/api/v1/org-units/${office}/document-style`, style);
    expect(ok).toMatchObject({ status: 200, body: { prefix: '朝振办', saved: true, dateStyle: 'chinese' } });
  });
});

describe('issuing', () => {
  it('refuses a bulletin before the round is published, writing nothing', async () => {
    const r = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/documents/bulletin`, {});
    expect(r).toMatchObject({ status: 409, body: { code: 'round_not_published' } });
    expect(await registered()).toBe(0);
  });

  it('issues the bulletin numbered 朝振办〔2026〕1号, in the office’s words, and records who and when', async () => {
    w.clock.set('2026-04-02T02:00:00.000Z');
    expect(
      (
        await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.village1.id}`, {
          lines: { ledger: 20 },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await w.call('insp', 'PUT', `/api/v1/rounds/${roundId}/scores/${w.units.village2.id}`, {
          lines: { ledger: 10 },
        })
      ).status,
    ).toBe(200);
    expect((await w.call('super', 'POST', `/api/v1/rounds/${roundId}/publish`, {})).status).toBe(200);
    expect((await w.call('h1', 'POST', `/api/v1/rounds/${roundId}/documents/bulletin`, {})).status).toBe(403);
    const r = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/documents/bulletin`, { note: '联系人：李主任' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      number: '朝振办〔2026〕1号',
      kind: 'bulletin',
      subjectId: roundId,
      issuedBy: w.userIds.super,
      issuedAt: '2026-04-02T02:00:00.000Z',
    });
    expect(r.body.title).toMatch(/^关于第一季度.+验收排名情况的通报$/); // the catalogue's wording: the period first
    expect(r.body.title).not.toContain('验收验收');
    const text = await docxText(r.body.id);
    expect(text).toContain('朝振办〔2026〕1号');
    expect(text).toContain('二〇二六年四月二日');
    expect(text).toContain('数据截至2026年3月31日');
    expect(text).toContain('抄送：镇纪委。');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T|2026\.1-township|[A-Za-z]{3,}/);
    // A second issue takes the next number; both stay in the register.
    const again = await w.call('super', 'POST', `/api/v1/rounds/${roundId}/documents/bulletin`, {});
    expect(again.body.number).toBe('朝振办〔2026〕2号');
    const list = await w.call('viewer', 'GET', `/api/v1/campaigns/${w.campaignId}/documents?subjectId=${roundId}`);
    expect(list.body.documents.map((d: { number: string }) => d.number)).toEqual([
      '朝振办〔2026〕2号',
      '朝振办〔2026〕1号',
    ]);
  });

  it('issues the 约谈通知 of an interview record, and refuses one whose action is not an interview', async () => {
    const [rec] = await w.db
      .insert(accountabilityRecords)
      .values({
        campaignId: w.campaignId,
        unitId: w.units.village2.id,
        unitPath: w.units.village2.path,
        ruleId: 'last_twice_in_row',
        action: 'interview',
        title: '连续2次排名倒数第一',
        actionTitle: '约谈主要负责人、分管负责人',
        roundIds: [roundId],
        firedAtRoundId: roundId,
        createdAt: '2026-04-02T02:00:00.000Z',
      })
      .returning();
    const r = await w.call('super', 'POST', `/api/v1/accountability/${rec!.id}/documents/interview`, {
      at: '2026-04-08T01:00:00.000Z',
      place: '镇政府三楼会议室',
    });
    expect(r).toMatchObject({ status: 201, body: { number: '朝振办〔2026〕3号', kind: 'interview' } });
    const text = await docxText(r.body.id);
    expect(text).toContain('南陈村');
    expect(text).toContain('2026年4月8日上午9时');
    // The unit itself reads its notice; another village does not see it.
    expect(await docxText(r.body.id, 'h2')).toContain('约谈');
    expect((await w.call('h1', 'GET', `/api/v1/documents/${r.body.id}.docx`)).status).toBe(404);

    const [crit] = await w.db
      .insert(accountabilityRecords)
      .values({
        campaignId: w.campaignId,
        unitId: w.units.village1.id,
        unitPath: w.units.village1.path,
        ruleId: 'bottom_twice',
        action: 'criticism',
        title: '累计2次后进',
        actionTitle: '通报批评',
        roundIds: [roundId],
        firedAtRoundId: roundId,
        createdAt: '2026-04-02T02:00:00.000Z',
      })
      .returning();
    const before = await registered();
    const refused = await w.call('super', 'POST', `/api/v1/accountability/${crit!.id}/documents/interview`, {});
    expect(refused).toMatchObject({ status: 409, body: { code: 'not_an_interview' } });
    expect(await registered()).toBe(before);
  });

  it('issues the 交办单 of an assigned item and the 督办通知 with its 回执; refuses an unassigned item and a past reply date', async () => {
    const fresh = await report(w);
    expect((await w.call('super', 'POST', `/api/v1/items/${fresh}/documents/assignment`, {})).body.code).toBe(
      'not_assigned',
    );
    const id = await report(w);
    await assign(w, id);
    const a = await w.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
    expect(a).toMatchObject({ status: 201, body: { kind: 'assignment', number: '朝振办〔2026〕4号' } });
    expect(await docxText(a.body.id)).toContain('整改通知书');
    // The responsible village reads its item's documents.
    expect(
      (await w.call('h1', 'GET', `/api/v1/campaigns/${w.campaignId}/documents?subjectId=${id}`)).body.documents,
    ).toHaveLength(1);

    const before = await registered();
    const past = await w.call('super', 'POST', `/api/v1/items/${id}/documents/supervision`, { replyBy: '2026-04-01' });
    expect(past).toMatchObject({ status: 422, body: { code: 'rule_violated' } });
    const bad = await w.call('super', 'POST', `/api/v1/items/${id}/documents/supervision`, { replyBy: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(await registered()).toBe(before);
    const s = await w.call('super', 'POST', `/api/v1/items/${id}/documents/supervision`, { replyBy: '2026-04-10' });
    expect(s).toMatchObject({ status: 201, body: { kind: 'supervision', number: '朝振办〔2026〕5号' } });
    const text = await docxText(s.body.id);
    expect(text).toContain('回执');
    expect(text).toContain('2026年4月10日');

    // PDF: converted here (no background queue in this app), then served from the file store.
    const pdf = await w.app.inject({
      method: 'GET',
      url: `/api/v1/documents/${s.body.id}.pdf`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const facts = await inspectPdf(pdf.rawPayload);
    expect(facts.text.replace(/\s+/g, '')).toContain('朝振办〔2026〕5号');
  }, 120_000);
});
