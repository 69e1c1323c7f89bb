// The paper sign-off guard (纸面销号) end to end: each of the four warnings raised as an event on the
// item with the evidence it points to, shown in the review data, dismissed with a reason, counted per unit.
// As `npm start` runs it: photos' picture work (dHash) and waiting guard passes are jobs on the
// evidence queue, so each check waits for the queue to be idle and then reads the item.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assign, build, report, upload, type World } from '../support/app.ts';
import { photo, variants } from '../support/photos.ts';

// Background work (a child process started with tsx, queue polling) is slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

let w: World;
const items = '/api/v1/items';

async function working(unit: 'village1' | 'village2', extra: Record<string, unknown> = {}) {
  const id = await report(w, 'super', extra);
  await assign(w, id, { responsibleUnitId: w.units[unit].id });
  const handler = unit === 'village1' ? 'h1' : 'h2';
  expect((await w.call(handler, 'POST', `${items}/${id}/accept`, {})).status).toBe(200);
  return { id, handler };
}

async function cite(handler: string, id: string, files: { name: string; bytes: Buffer }[], purpose = 'progress') {
  const ids = await upload(w, handler, id, files, purpose);
  const r = await w.call(handler, 'POST', `${items}/${id}/progress`, {
    note: '已整改，附现场照片',
    substantive: true,
    evidence: ids,
  });
  expect(r.status).toBe(200);
  // Read as the office, who may open every item a warning points to (a handler sees fewer: see (a)).
  return { ids, warnings: await settled('super', id) };
}

/** The item's warnings once the evidence queue has nothing left to do. */
async function settled(user: string, id: string) {
  await w.background!.idle();
  const r = await w.call(user, 'GET', `${items}/${id}`);
  expect(r.status).toBe(200);
  return r.body.evidenceWarnings as {
    id: string;
    code: string;
    attachmentIds: string[];
    related: { itemId: string; attachmentId: string }[];
    detail: string;
  }[];
}

beforeAll(async () => {
  w = await build({ background: true });
  const place = await w.call('super', 'PUT', `/api/v1/org-units/${w.units.village1.id}/place`, {
    lat: 34.7,
    lon: 112.45,
    radiusM: 3000,
  });
  expect(place.status).toBe(200);
});

describe('paper sign-off guard', () => {
  it('(a) the same file as evidence on an item of another village', async () => {
    const a = await working('village1', { person: { name: '王某', idNumber: '410308195001011234' } });
    const b = await working('village2', { person: { name: '李某', idNumber: '410308196002022345' } });
    const bytes = Buffer.from(`%PDF-1.4\n% 入户核查表 ${Math.random()}\n%%EOF\n`);
    const first = await cite('h1', a.id, [{ name: '入户核查表.pdf', bytes }]);
    expect(first.warnings).toEqual([]);
    const second = await cite('h2', b.id, [{ name: '核查表.pdf', bytes }]);
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]).toMatchObject({
      code: 'same_file_elsewhere',
      attachmentIds: second.ids,
      related: [{ itemId: a.id, attachmentId: first.ids[0] }],
    });
    expect(second.warnings[0]!.detail).toContain('朝阳村');
    // The handler of 南陈村 cannot open 朝阳村's item: the warning neither links nor names it.
    const told = (await w.call('h2', 'GET', `${items}/${b.id}`)).body;
    expect(told.evidenceWarnings[0]).toMatchObject({ code: 'same_file_elsewhere', related: [] });
    expect(told.evidenceWarnings[0].detail).toContain('与其他 1 个事项（其中 1 个不在您的查看范围内）');
    const raisedEvent = told.timeline.find((e: { type: string }) => e.type === 'EvidenceWarningRaised');
    expect(raisedEvent.data).toMatchObject({ related: [] });
    for (const said of [told.evidenceWarnings, raisedEvent]) {
      expect(JSON.stringify(said)).not.toContain('朝阳村');
      expect(JSON.stringify(told)).not.toContain(a.id);
    }

    // Citing the same file again raises nothing new.
    const again = await w.call('h2', 'POST', `${items}/${b.id}/progress`, { note: '补充说明', evidence: second.ids });
    expect(again.status).toBe(200);
    expect(await settled('h2', b.id)).toHaveLength(1);

    // The review screen's data: the warning, and an event in the trail pointing at the evidence.
    const detail = await w.call('lead', 'GET', `${items}/${b.id}`);
    const ev = detail.body.timeline.find((e: { type: string }) => e.type === 'EvidenceWarningRaised');
    expect(ev).toMatchObject({ actor: null, data: { code: 'same_file_elsewhere', attachmentIds: second.ids } });
    expect((await w.call('viewer', 'GET', `${items}/${b.id}/audit`)).body.ok).toBe(true);
  });

  it('(b) a near-duplicate photo: the same picture resized, cropped or recompressed on other items', async () => {
    const a = await working('village1');
    const original = await photo(4242);
    const first = await cite('h1', a.id, [{ name: '危房改造后.jpg', bytes: original }]);
    expect(first.warnings).toEqual([]);
    const v = await variants(original);
    for (const how of ['resized to half', 'cropped 2% each side', 'recompressed (JPEG q35)'] as const) {
      const other = await working('village2');
      const r = await cite('h2', other.id, [{ name: `${how}.jpg`, bytes: v[how] }]);
      expect({ how, codes: r.warnings.map((x) => x.code) }).toEqual({ how, codes: ['near_duplicate_photo'] });
      expect(r.warnings[0]!.related).toContainEqual({ itemId: a.id, attachmentId: first.ids[0] });
    }
    // A different photo is not a near-duplicate of anything.
    const fresh = await working('village2');
    expect((await cite('h2', fresh.id, [{ name: '新照片.jpg', bytes: await photo(9999) }])).warnings).toEqual([]);
  });

  it('(c) a photo taken before the problem was reported, or far from the village', async () => {
    const a = await working('village1');
    const early = await cite('h1', a.id, [
      {
        name: '整改前.jpg',
        bytes: await photo(11, { takenAt: '2026-02-20T03:00:00.000Z', gps: { lat: 34.701, lon: 112.451 } }),
      },
    ]);
    expect(early.warnings.map((x) => x.code)).toEqual(['photo_before_report']);
    expect(early.warnings[0]!.attachmentIds).toEqual(early.ids);

    const far = await cite('h1', a.id, [
      {
        name: '现场.jpg',
        bytes: await photo(12, { takenAt: '2026-03-02T05:00:00.000Z', gps: { lat: 34.9, lon: 112.45 } }),
      },
    ]);
    expect(far.warnings.map((x) => x.code)).toEqual(['photo_before_report', 'photo_far_away']);
    expect(far.warnings[1]!.detail).toMatch(/22\.\d 公里/);

    const near = await cite('h1', a.id, [
      {
        name: '现场2.jpg',
        bytes: await photo(13, { takenAt: '2026-03-02T05:00:00.000Z', gps: { lat: 34.705, lon: 112.455 } }),
      },
    ]);
    expect(near.warnings).toHaveLength(2); // nothing new
  });

  it('a reviewer dismisses a warning with a reason; the handler may not; counts per unit follow', async () => {
    const b = await working('village2');
    const a = await working('village1');
    const bytes = Buffer.from(`%PDF-1.4\n% 同一份材料 ${Math.random()}\n%%EOF\n`);
    await cite('h1', a.id, [{ name: 'x.pdf', bytes }]);
    const { warnings } = await cite('h2', b.id, [{ name: 'y.pdf', bytes }]);
    const wid = warnings[0]!.id;
    const before = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/evidence-warnings`)).body.units;
    const v2 = before.find((u: { unitId: string }) => u.unitId === w.units.village2.id);
    expect(v2.open).toBeGreaterThan(0);

    const url = `${items}/${b.id}/evidence-warnings/${wid}/dismiss`;
    expect((await w.call('h2', 'POST', url, { reason: '同一户' })).status).toBe(403);
    expect((await w.call('lead', 'POST', url, { reason: '' })).status).toBe(400);
    const ok = await w.call('lead', 'POST', url, { reason: '经核实，两户为同一家庭分户，材料共用' });
    expect(ok.status).toBe(200);
    expect(ok.body.evidenceWarnings.find((x: { id: string }) => x.id === wid).dismissed).toMatchObject({
      by: w.userIds.lead,
      reason: '经核实，两户为同一家庭分户，材料共用',
    });
    const twice = await w.call('lead', 'POST', url, { reason: '再次' });
    expect([409, 422]).toContain(twice.status);
    const after = (await w.call('super', 'GET', `/api/v1/campaigns/${w.campaignId}/evidence-warnings`)).body.units;
    const v2after = after.find((u: { unitId: string }) => u.unitId === w.units.village2.id);
    expect(v2after).toMatchObject({ open: v2.open - 1, dismissed: v2.dismissed + 1 });
    // A village handler sees only their own subtree's counts.
    const mine = (await w.call('h1', 'GET', `/api/v1/campaigns/${w.campaignId}/evidence-warnings`)).body.units;
    expect(mine.map((u: { unitId: string }) => u.unitId)).toEqual([w.units.village1.id]);
  });

  it('(d) signed off with evidence uploaded in bulk in the last minutes before the deadline', async () => {
    const late = await working('village1');
    const steady = await working('village1');
    const deadline = (await w.call('h1', 'GET', `${items}/${late.id}`)).body.deadline as string;
    // Evidence for `steady` arrives days earlier.
    const early = await upload(
      w,
      'h1',
      steady.id,
      await Promise.all([21, 22, 23].map(async (s) => ({ name: `${s}.jpg`, bytes: await photo(s) }))),
      'submission',
    );
    // 23:20 Shanghai on the deadline day: 40 minutes left.
    w.clock.set(`${deadline}T15:20:00.000Z`);
    const bulk = await upload(
      w,
      'h1',
      late.id,
      await Promise.all([31, 32, 33].map(async (s) => ({ name: `${s}.jpg`, bytes: await photo(s) }))),
      'submission',
    );
    w.clock.set(`${deadline}T15:30:00.000Z`);
    const r = await w.call('h1', 'POST', `${items}/${late.id}/submit`, { summary: '已全部整改到位', evidence: bulk });
    expect(r.status).toBe(200);
    const raised = await settled('h1', late.id);
    expect(raised.map((x: { code: string }) => x.code)).toEqual(['last_minute_bulk']);
    expect(raised[0]!.attachmentIds.sort()).toEqual([...bulk].sort());
    const s = await w.call('h1', 'POST', `${items}/${steady.id}/submit`, {
      summary: '已全部整改到位',
      evidence: early,
    });
    expect(s.status).toBe(200);
    expect(await settled('h1', steady.id)).toEqual([]);
  });
});
