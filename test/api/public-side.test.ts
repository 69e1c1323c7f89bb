// Issue 17, 公示 and rule 7 through the API on a real database.
// Seed 000 §八: “扎实推进“互联网+监督”,……乡村两级扶贫项目安排和资金使用情况一律公告公示,接受群众和社会监督”
// Seed 002 §六(三): “每次督查考评结果在媒体予以公布。”
// Seed 000 §七: “全面建立县乡村三级涉贫信访台账,严格实行台账管理、销号管理、跟踪督办和复核制度”
import { beforeAll, describe, expect, it } from 'vitest';
import { createOrgUnit } from '../../db/queries/org.ts';
import { publicObjections } from '../../db/schema.ts';
import { assign, build, report, upload, type World } from '../support/app.ts';
import { photo } from '../support/photos.ts';

let w: World;
const pub = () => `/api/v1/public/campaigns/${w.campaignId}`;
const PERSON = { name: '王小明', phone: '13912345678', idNumber: '410308196501012345' };

/** An item of village 1 in its 公示, with one photo chosen for the public page. */
async function inNotice(): Promise<{ id: string; shown: string; hidden: string }> {
  const id = await report(w, 'super', {
    title: '王小明户未参加城乡居民医保',
    description: '王小明（电话13912345678，身份证410308196501012345）家中2人未参保',
    person: PERSON,
  });
  await assign(w, id);
  expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
  const [shown, hidden] = await upload(w, 'h1', id, [
    { name: '参保凭证.jpg', bytes: await photo(Math.floor(Math.random() * 1e6)), type: 'image/jpeg' },
    { name: '户口本.jpg', bytes: await photo(Math.floor(Math.random() * 1e6)), type: 'image/jpeg' },
  ]);
  const sub = await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
    summary: '已为王小明户2人办理参保，缴费凭证见附件',
    evidence: [shown, hidden],
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(200);
  const ok = await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, { publicEvidence: [shown] });
  expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  expect(ok.body.events.map((e: { type: string }) => e.type)).toEqual(['SignOffStepApproved', 'PublicNoticeStarted']);
  return { id, shown: shown!, hidden: hidden! };
}

const objectionRows = async () => w.db.select().from(publicObjections);

beforeAll(async () => {
  w = await build({ settings: { publicSide: { enabled: true, noticeWorkingDays: 5 } } });
});

describe('公示: a sign-off waits on a public page, anyone may object', () => {
  let item: { id: string; shown: string; hidden: string };
  beforeAll(async () => {
    item = await inNotice();
  });

  it('shows the item without sign-in, names, phones and ID numbers masked, cacheable', async () => {
    const list = await w.call(null, 'GET', `${pub()}/notices`);
    expect(list.status).toBe(200);
    expect(list.body.notices.map((n: { id: string }) => n.id)).toContain(item.id);
    const r = await w.call(null, 'GET', `${pub()}/notices/${item.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      village: '朝阳村',
      category: '重点人群未参保',
      title: '王*明户未参加城乡居民医保',
      evidence: [item.shown],
      endsOn: '2026-03-09',
      openObjections: 0,
    });
    const text = JSON.stringify(r.body);
    for (const secret of ['王小明', '13912345678', '410308196501012345']) expect(text).not.toContain(secret);
    expect(r.body.description).toContain('139****5678');
    expect(r.headers['cache-control']).toBe('public, max-age=30');
    const again = await w.call(null, 'GET', `${pub()}/notices/${item.id}`, undefined, {
      'if-none-match': String(r.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
  });

  it('serves the chosen photo (re-encoded thumbnail), never the others', async () => {
    const ok = await w.app.inject({ url: `${pub()}/notices/${item.id}/photos/${item.shown}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/webp');
    const no = await w.call(null, 'GET', `${pub()}/notices/${item.id}/photos/${item.hidden}`);
    expect(no.status).toBe(404);
    expect(no.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses bad objections with problem+json and stores nothing', async () => {
    const before = (await w.call('lead', 'GET', `/api/v1/items/${item.id}`)).body.version;
    const url = `${pub()}/notices/${item.id}/objections`;
    const cases: [unknown, number][] = [
      [{ text: '漏雨' }, 400],
      [{ contact: '13800000000', text: '' }, 400],
      [{ contact: '13800000000', text: '异'.repeat(1001) }, 400],
      [{ contact: '13800000000', text: '漏雨', extra: 1 }, 400],
      [{ contact: '138\u0000', text: '漏雨' }, 400],
      ['{not json', 400],
      [{ contact: 'x'.repeat(20_000), text: 'y' }, 413],
    ];
    for (const [body, status] of cases) {
      const r = await w.call(null, 'POST', url, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const unknown = await w.call(null, 'POST', `${pub()}/notices/00000000-0000-4000-8000-000000000000/objections`, {
      contact: '13800000000',
      text: '漏雨',
    });
    expect(unknown.status).toBe(404);
    expect(await objectionRows()).toHaveLength(0);
    expect((await w.call('lead', 'GET', `/api/v1/items/${item.id}`)).body.version).toBe(before);
  });

  it('an objection holds the sign-off and reaches the reviewer with the contact; the queue has it', async () => {
    const r = await w.call(null, 'POST', `${pub()}/notices/${item.id}/objections`, {
      contact: '13800001111',
      text: '王家老人仍未参保，情况不属实',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const seen = await w.call('lead', 'GET', `/api/v1/items/${item.id}`);
    expect(seen.body.publicNotice.objections).toMatchObject([{ id: r.body.id, text: '王家老人仍未参保，情况不属实' }]);
    expect(seen.body.objectionContacts).toEqual({ [r.body.id]: '13800001111' });
    expect(seen.body.allowedCommands).toContain('resolve_objection');
    expect(seen.body.allowedCommands).not.toContain('approve');
    const queue = await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/objections`);
    expect(queue.body.objections).toMatchObject([{ id: r.body.id, contact: '13800001111', status: 'open' }]);
    expect((await w.call('h1', 'GET', `/api/v1/campaigns/${w.campaignId}/objections`)).status).toBe(403);
    expect((await w.call(null, 'GET', `/api/v1/campaigns/${w.campaignId}/objections`)).status).toBe(401);
  });

  it("the period's end is an event; the sign-off waits for the answer, then takes effect", async () => {
    w.clock.set('2026-03-09T16:00:01.000Z');
    await w.engine.execute({ itemId: item.id, command: { type: 'tick' }, actor: null });
    const held = await w.call('lead', 'GET', `/api/v1/items/${item.id}`);
    expect(held.body.status).toBe('submitted');
    expect(held.body.timeline.at(-1)).toMatchObject({ type: 'PublicNoticeEnded', data: { objections: 1, open: 1 } });
    const [o] = await objectionRows();
    const bad = await w.call('lead', 'POST', `/api/v1/items/${item.id}/resolve-objection`, { objectionId: o!.id });
    expect(bad.status).toBe(400);
    const done = await w.call('lead', 'POST', `/api/v1/items/${item.id}/resolve-objection`, {
      objectionId: o!.id,
      upheld: false,
      note: '经入户核实，2人均已参保',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.status).toBe('closed');
    expect((await objectionRows())[0]!.status).toBe('not_upheld');
    expect((await w.call(null, 'GET', `${pub()}/notices/${item.id}`)).status).toBe(404);
  });
});

describe('public summary and abuse guard', () => {
  it('counts per village and category, no sign-in, with an ETag', async () => {
    const r = await w.call(null, 'GET', pub());
    expect(r.status).toBe(200);
    expect(r.body.villages).toEqual([
      expect.objectContaining({ name: '朝阳村', closed: 1, total: expect.any(Number) }),
    ]);
    expect(r.body.categories[0]).toMatchObject({ name: '重点人群未参保' });
    expect(r.body.rankings).toEqual([]);
    expect(r.headers.etag).toMatch(/^"/);
    expect(r.headers['cache-control']).toBe('public, max-age=60');
  });

  it('limits objections per address: 429 with Retry-After, nothing stored beyond the limit', async () => {
    const { id } = await inNotice();
    const stored = (await objectionRows()).length; // 1 from before, same address
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await w.call(null, 'POST', `${pub()}/notices/${id}/objections`, { contact: `c${i}`, text: `t${i}` });
      answers.push(r.status);
      if (r.status === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // the clock moved past the last window (the tick test): five in this one, then refused
    expect(answers).toEqual([201, 201, 201, 201, 201, 429]);
    expect((await objectionRows()).length).toBe(stored + 5);
  });

  it('a township switches its public side off: every public route answers 404', async () => {
    const c = await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}`);
    const off = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/settings`, {
      ...c.body.settings,
      publicSide: { enabled: false, noticeWorkingDays: 5 },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const { id } = (await w.call('super', 'GET', `/api/v1/items?campaignId=${w.campaignId}&status=submitted`)).body
      .items[0];
    for (const url of [pub(), `${pub()}/notices`, `${pub()}/notices/${id}`]) {
      expect((await w.call(null, 'GET', url)).status, url).toBe(404);
    }
    const before = (await objectionRows()).length;
    w.clock.set('2026-03-20T02:00:00.000Z'); // a new window: only the switch stops it
    const post = await w.call(null, 'POST', `${pub()}/notices/${id}/objections`, { contact: 'c', text: 't' });
    expect(post.status).toBe(404);
    expect((await objectionRows()).length).toBe(before);
  });

  it('the public routes are in OpenAPI, tagged public', async () => {
    const doc = (await w.call(null, 'GET', '/openapi.json')).body;
    for (const p of [
      '/api/v1/public/campaigns/{id}',
      '/api/v1/public/campaigns/{id}/notices',
      '/api/v1/public/campaigns/{id}/notices/{itemId}',
      '/api/v1/public/campaigns/{id}/notices/{itemId}/objections',
      '/api/v1/public/campaigns/{id}/notices/{itemId}/photos/{attachmentId}',
    ]) {
      const ops = Object.values(doc.paths[p] ?? {}) as { tags?: string[] }[];
      expect(ops.length, p).toBeGreaterThan(0);
      for (const op of ops) expect(op.tags).toEqual(['public']);
    }
  });
});

describe('000 §七 sign-off chain set through the campaign settings', () => {
  it('stores a chain naming the county office by id; an unknown or foreign unit is refused and nothing changes', async () => {
    const countyOffice = await createOrgUnit(w.db, {
      name: '县乡村振兴局',
      kind: 'office',
      parentId: w.units.county.id,
    });
    const c = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}`)).body;
    const chain = [
      { id: 'township', name: '镇牵头部门审核', roles: ['lead'] },
      { id: 'county', name: '县级复核确认', roles: ['supervisor'], unitId: countyOffice.id, onlyFor: 'serious' },
    ];
    const other = await createOrgUnit(w.db, { name: '外县', kind: 'county', parentId: null });
    const bad = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/settings`, {
      ...c.settings,
      signOffChain: [chain[0], { ...chain[1], unitId: other.id }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('body.signOffChain.1.unitId');
    const dup = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/settings`, {
      ...c.settings,
      signOffChain: [chain[0], chain[0]],
    });
    expect(dup.status).toBe(400);
    expect((await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}`)).body.settings).toEqual(c.settings);
    const ok = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/settings`, {
      ...c.settings,
      signOffChain: chain,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.settings.signOffChain).toEqual([{ ...chain[0], unitId: null }, chain[1]]);
    const id = await report(w, 'super', { source: 'petition' });
    const item = (await w.call('lead', 'GET', `/api/v1/items/${id}`)).body;
    expect(item.signOffSteps).toEqual([
      { id: 'township', name: '镇牵头部门审核', decided: false },
      { id: 'county', name: '县级复核确认', decided: false },
    ]);
  });
});
