// The 销号审批表 of an item and the period's 月报汇总 over HTTP: issued with the office's next 发文字号
// (once per Idempotency-Key), in the office's words with every signer and Shanghai date, rendered by
// LibreOffice; refused before the item is signed off or for a period the cycle does not have, and
// invisible to another township's office. An item's documents are events in its trail.
import { eq, sql } from 'drizzle-orm';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../db/queries/auth.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { campaigns, users } from '../../db/schema.ts';
import type { SignOffStep } from '../../domain/item/types.ts';
import { assign, build, evidenceFile, PASSWORD, report, type World } from '../support/app.ts';
import { inspectPdf } from '../support/pdf.ts';

let w: World;
let outsider = ''; // a supervisor of another township's office
beforeAll(async () => {
  w = await build({ now: '2026-03-02T02:00:00.000Z' });
  // People sign with their names: the test's log-in names are Latin, an office's people are not.
  const names: Record<string, string> = { super: '李主任', lead: '赵所长', h1: '王文书', insp: '周组长' };
  for (const [u, name] of Object.entries(names))
    await w.db.update(users).set({ displayName: name }).where(eq(users.id, w.userIds[u]!));
  const style = await w.call('super', 'PUT', `/api/v1/org-units/${w.units.office.id}/document-style`, {
    prefix: '朝振办',
    flag: '朝阳镇乡村振兴办公室文件',
    fullName: '朝阳镇乡村振兴办公室',
    copyTo: ['镇纪委'],
  });
  expect(style.status).toBe(200);
  const cfg = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
    cycle: { reportingUnitIds: [w.units.village1.id, w.units.village2.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(cfg.status).toBe(200);
  // Another township with its own office and supervisor.
  const town2 = await createOrgUnit(w.db, { name: '白鹤镇', kind: 'township', parentId: w.units.county.id });
  const office2 = await createOrgUnit(w.db, { name: '镇乡村振兴办', kind: 'office', parentId: town2.id });
  await w.db.insert(users).values({
    username: 'super2',
    displayName: '钱主任',
    unitId: office2.id,
    roles: ['supervisor'],
    passwordHash: await hashPassword(PASSWORD),
  });
  const login = await w.call(null, 'POST', '/api/v1/auth/login', { username: 'super2', password: PASSWORD });
  outsider = login.body.token;
});

const registered = async () =>
  Number((await w.db.execute(sql`select count(*)::int as n from issued_documents`)).rows[0]!.n);
const as = (token: string, method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) =>
  w.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
const docxText = async (id: string, user = 'super') => {
  const res = await as(w.tokens[user]!, 'GET', `/api/v1/documents/${id}.docx`);
  expect(res.statusCode).toBe(200);
  const xml = await (await JSZip.loadAsync(res.rawPayload)).file('word/document.xml')!.async('string');
  return xml.replace(/<[^>]+>/g, '');
};
const pdfText = async (id: string) => {
  const res = await as(w.tokens.super!, 'GET', `/api/v1/documents/${id}.pdf`);
  expect(res.statusCode).toBe(200);
  return (await inspectPdf(res.rawPayload)).text.replace(/\s+/g, '');
};
/** What no document sent out may carry: ISO times, Latin words, scheme codes, internal ids. */
const clean = (text: string) => {
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  expect(text).not.toMatch(/[A-Za-z]{2,}/);
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
};

describe('销号审批表', () => {
  let itemId = '';
  it('is refused until the item is signed off, writing nothing', async () => {
    itemId = await report(w);
    await assign(w, itemId);
    expect((await w.call('h1', 'POST', `/api/v1/items/${itemId}/accept`, {})).status).toBe(200);
    w.clock.set('2026-03-10T03:00:00.000Z');
    const submit = await w.call('h1', 'POST', `/api/v1/items/${itemId}/submit`, {
      summary: '王某户已参保，资助资金已到位',
      evidence: [await evidenceFile(w, 'h1', itemId), await evidenceFile(w, 'h1', itemId, '参保凭证.pdf')],
    });
    expect(submit.body.status).toBe('submitted');
    const early = await w.call('super', 'POST', `/api/v1/items/${itemId}/documents/signoff`, {});
    expect(early).toMatchObject({ status: 409, body: { code: 'not_signed_off' } });
    expect(await registered()).toBe(0);
  });

  it('is issued once per Idempotency-Key with each signer and their Shanghai date, and recorded in the trail', async () => {
    // Approved at 2026-03-11 17:30 UTC = 3月12日 01:30 in Shanghai: the date offices write is the 12th.
    w.clock.set('2026-03-11T17:30:00.000Z');
    expect(
      (await w.call('lead', 'POST', `/api/v1/items/${itemId}/approve`, { note: '经现场核实，同意销号' })).status,
    ).toBe(200);
    w.clock.set('2026-03-12T02:00:00.000Z');
    const key = { 'idempotency-key': 'signoff-1' };
    const first = await w.call('super', 'POST', `/api/v1/items/${itemId}/documents/signoff`, {}, key);
    expect(first).toMatchObject({
      status: 201,
      body: { kind: 'signoff', number: '朝振办〔2026〕1号', subjectId: itemId, issuedBy: w.userIds.super },
    });
    const again = await w.call('super', 'POST', `/api/v1/items/${itemId}/documents/signoff`, {}, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await registered()).toBe(1);
    // The same key with another body is refused and numbers nothing.
    const other = await w.call('super', 'POST', `/api/v1/items/${itemId}/documents/signoff`, { note: '联系人' }, key);
    expect(other.status).toBe(422);
    expect(await registered()).toBe(1);

    const text = await docxText(first.body.id);
    expect(text).toContain('朝振办〔2026〕1号');
    expect(text).toContain('问题销号审批表');
    expect(text).toContain('王某户已参保，资助资金已到位');
    expect(text).toContain('2份');
    expect(text).toContain('朝阳村　王文书　2026年3月10日');
    expect(text).toContain('经现场核实，同意销号');
    expect(text).toContain('镇劳保所　赵所长　2026年3月12日');
    expect(text).toContain('二〇二六年三月十二日');
    clean(text);

    // The trail says who issued which 文号, when — once, however often the document is recorded.
    const trail = (await w.call('viewer', 'GET', `/api/v1/items/${itemId}`)).body.timeline as {
      type: string;
      data: Record<string, unknown>;
    }[];
    const issued = trail.filter((e) => e.type === 'DocumentIssued');
    expect(issued).toHaveLength(1);
    expect(issued[0]!.data).toMatchObject({
      documentId: first.body.id,
      number: '朝振办〔2026〕1号',
      kind: 'signoff',
      issuedBy: { userId: w.userIds.super, name: '李主任' },
      issuedAt: '2026-03-12T02:00:00.000Z',
    });
    expect((await w.call('viewer', 'GET', `/api/v1/items/${itemId}/audit`)).body).toMatchObject({ ok: true });
  });

  it('renders through LibreOffice with its number and Chinese date, and no Latin words', async () => {
    const [doc] = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/documents?kind=signoff`)).body
      .documents;
    const text = await pdfText(doc.id);
    expect(text).toContain('朝振办〔2026〕1号');
    expect(text).toContain('二〇二六年三月十二日');
    expect(text).toContain('赵所长');
    clean(text);
  }, 120_000);

  it('is another township’s secret: its office gets 404 for the item, the document and the register', async () => {
    const before = await registered();
    const [doc] = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/documents?kind=signoff`)).body
      .documents;
    expect((await as(outsider, 'POST', `/api/v1/items/${itemId}/documents/signoff`, {})).statusCode).toBe(404);
    expect((await as(outsider, 'GET', `/api/v1/documents/${doc.id}.docx`)).statusCode).toBe(404);
    expect((await as(outsider, 'GET', `/api/v1/documents/${doc.id}.pdf`)).statusCode).toBe(404);
    expect((await as(outsider, 'GET', `/api/v1/documents/${doc.id}`)).statusCode).toBe(404);
    expect((await as(outsider, 'GET', `/api/v1/campaigns/${w.campaignId}/documents`)).statusCode).toBe(404);
    // Inside the township a village that is not the item's may not issue it (it reads the campaign).
    expect((await w.call('h2', 'POST', `/api/v1/items/${itemId}/documents/signoff`, {})).status).toBe(404);
    expect((await w.call('h1', 'POST', `/api/v1/items/${itemId}/documents/signoff`, {})).status).toBe(403);
    expect(await registered()).toBe(before);
  });

  it('with a sign-off chain (销号 by level), each step signs with its name, person and date', async () => {
    const [c] = await w.db.select().from(campaigns).where(eq(campaigns.id, w.campaignId));
    const chain: SignOffStep[] = [
      { id: 'lead', name: '镇牵头部门审核', roles: ['lead'] },
      { id: 'office', name: '镇振兴办复核', roles: ['supervisor'] },
    ];
    await w.db
      .update(campaigns)
      .set({ settings: { ...c!.settings, signOffChain: chain } })
      .where(eq(campaigns.id, w.campaignId));
    try {
      const id = await report(w);
      await assign(w, id);
      expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
      const sub = await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
        summary: '已落实分类资助',
        evidence: [await evidenceFile(w, 'h1', id)],
      });
      expect(sub.body.status).toBe('submitted');
      expect((await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, { note: '资料齐全' })).status).toBe(200);
      w.clock.set('2026-03-13T02:00:00.000Z');
      const last = await w.call('super', 'POST', `/api/v1/items/${id}/approve`, {});
      expect(last.body.status).toBe('closed');
      const doc = await w.call('super', 'POST', `/api/v1/items/${id}/documents/signoff`, {});
      expect(doc.status).toBe(201);
      const text = await docxText(doc.body.id);
      expect(text).toContain('镇牵头部门审核');
      expect(text).toContain('资料齐全');
      expect(text).toContain('镇劳保所　赵所长　2026年3月12日');
      expect(text).toContain('镇振兴办复核');
      expect(text).toContain('镇乡村振兴办　李主任　2026年3月13日');
      expect(text.match(/李主任/g)).toHaveLength(1); // the closing ItemApproved does not sign twice
      clean(text);
    } finally {
      await w.db.update(campaigns).set({ settings: c!.settings }).where(eq(campaigns.id, w.campaignId));
    }
  });

  it('records every document of the item in its trail, in the order issued', async () => {
    const id = await report(w);
    await assign(w, id);
    const a = await w.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
    const s = await w.call('super', 'POST', `/api/v1/items/${id}/documents/supervision`, { replyBy: '2026-03-20' });
    expect([a.status, s.status]).toEqual([201, 201]);
    const trail = (await w.call('h1', 'GET', `/api/v1/items/${id}`)).body.timeline as {
      type: string;
      actor: unknown;
      data: { number: string; kind: string };
    }[];
    expect(trail.filter((e) => e.type === 'DocumentIssued').map((e) => [e.data.kind, e.data.number])).toEqual([
      ['assignment', a.body.number],
      ['supervision', s.body.number],
    ]);
  });
});

describe('月报汇总', () => {
  it('lists who reported on time and who did not, with their figures, numbered once per key', async () => {
    w.clock.set('2026-03-30T02:00:00.000Z');
    const sub = await w.call(
      'h1',
      'POST',
      `/api/v1/campaigns/${w.campaignId}/reports/2026-03/units/${w.units.village1.id}/submit`,
      { narrative: { progress: '完成入户排查', problems: '个别户不配合', nextSteps: '继续动员' } },
    );
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    w.clock.set('2026-04-02T02:00:00.000Z');
    const url = `/api/v1/campaigns/${w.campaignId}/reports/2026-03/documents/monthly`;
    const before = await registered();
    expect(
      (await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/reports/2026-13/documents/monthly`, {})).status,
    ).toBe(400);
    expect(
      (await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/reports/2025-01/documents/monthly`, {})).body
        .code,
    ).toBe('unknown_period');
    expect((await w.call('h1', 'POST', url, {})).status).toBe(403);
    expect((await as(outsider, 'POST', url, {})).statusCode).toBe(404);
    expect(await registered()).toBe(before);

    const key = { 'idempotency-key': 'monthly-2026-03' };
    const r = await w.call('super', 'POST', url, {}, key);
    expect(r).toMatchObject({ status: 201, body: { kind: 'monthly', period: '2026-03', subjectId: w.campaignId } });
    const again = await w.call('super', 'POST', url, {}, key);
    expect(again.body.number).toBe(r.body.number);
    expect(await registered()).toBe(before + 1);

    const text = await docxText(r.body.id);
    expect(text).toContain(r.body.number);
    expect(text).toContain('2026年3月工作月报情况的通报');
    expect(text).toContain('截至2026年3月31日，应报送2026年3月整改工作月报的单位2个，按时报送1个');
    expect(text).toContain('未报送1个（南陈村）');
    expect(text).toMatch(/朝阳村按时报送/);
    expect(text).toContain('二〇二六年四月二日');
    clean(text);
    // Every unit of the township reads it (主送 各行政村); the register lists it under its period.
    expect(await docxText(r.body.id, 'h2')).toContain('南陈村');
    const list = await w.call(
      'viewer',
      'GET',
      `/api/v1/campaigns/${w.campaignId}/documents?kind=monthly&period=2026-03`,
    );
    expect(list.body.documents.map((d: { id: string }) => d.id)).toEqual([r.body.id]);
    expect(
      (await w.call('viewer', 'GET', `/api/v1/campaigns/${w.campaignId}/documents?kind=monthly&period=2026-04`)).body
        .documents,
    ).toEqual([]);
    expect((await as(outsider, 'GET', `/api/v1/documents/${r.body.id}.docx`)).statusCode).toBe(404);

    const pdf = await pdfText(r.body.id);
    expect(pdf).toContain(r.body.number);
    expect(pdf).toContain('二〇二六年四月二日');
    clean(pdf);
  }, 120_000);
});
