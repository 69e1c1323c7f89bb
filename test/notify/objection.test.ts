// A public objection (异议) holds a sign-off until someone answers it: those who may answer are told at
// once (inbox and trail), through the real outbox, queues and notifier — not the unit under review.
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, evidenceFile, report, type World } from '../support/app.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

let w: World;
let n: NotifyWorld;
beforeAll(async () => {
  w = await build({ settings: { publicSide: { enabled: true, noticeWorkingDays: 5 } } });
  n = await startNotifyWorld(w, { prefix: `ob${process.pid}` });
});

const told = async (user: string, itemId: string) =>
  (
    (await n.call(user, 'GET', '/api/v1/notices?limit=200')).body.notices as {
      kind: string;
      title: string;
      body: string;
      itemId: string;
    }[]
  ).filter((x) => x.itemId === itemId && x.kind === 'objection_filed');

describe('公示异议', () => {
  it('tells the reviewers and the campaign office, once, with the objection in the text', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    const id = await report(w, 'super', { title: '李某户危房未改造' });
    await assign(w, id);
    expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
    const sub = await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
      summary: '已完成加固',
      evidence: [await evidenceFile(w, 'h1', id, 'f1.pdf')],
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    const ok = await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {});
    expect(ok.body.events.map((e: { type: string }) => e.type)).toContain('PublicNoticeStarted');
    await n.settle();
    expect(await told('lead', id)).toEqual([]);

    const filed = await w.call(null, 'POST', `/api/v1/public/campaigns/${w.campaignId}/notices/${id}/objections`, {
      contact: '13800001111',
      text: '李家房屋仍漏雨，加固只做了一半',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    await n.settle();
    await n.settle(); // drained again: still once
    for (const who of ['lead', 'super']) {
      const got = await told(who, id);
      expect(got, who).toHaveLength(1);
      expect(got[0]!.title).toBe('【公示异议】「李某户危房未改造」');
      expect(got[0]!.body).toContain('李家房屋仍漏雨');
    }
    // the unit whose sign-off is held hears of it when the office answers, not from the public directly
    expect(await told('h1', id)).toEqual([]);
    const trail = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body.timeline as {
      type: string;
      data: { kind?: string };
    }[];
    expect(trail.filter((e) => e.type === 'NoticeSent' && e.data.kind === 'objection_filed')).toHaveLength(1);
  });
});
