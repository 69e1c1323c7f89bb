// Notices from the trail to the inbox and a local group robot, on real PostgreSQL and BullMQ's
// PostgreSQL backend: each once per cause and recipient, recorded in the trail (催办记录).
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliveries, notices } from '../../db/schema.ts';
import { drainOutbox } from '../../workers/notify/notifier.ts';
import { assign, build, report, type World, evidenceFile } from '../support/app.ts';
import { type FakeRobot, startFakeRobot } from '../support/webhook-server.ts';
import { addUser, type NotifyWorld, startNotifyWorld } from './support.ts';

let w: World;
let n: NotifyWorld;
let robot: FakeRobot;
beforeAll(async () => {
  w = await build();
  n = await startNotifyWorld(w, { prefix: `nt${process.pid}` });
  robot = await startFakeRobot();
  await addUser(w, 'head1', w.units.village1.id, { roles: ['handler'], isUnitHead: true });
  const r = await n.call('admin', 'POST', '/api/v1/admin/webhooks', {
    unitId: w.units.village1.id,
    kind: 'wecom',
    name: '朝阳村工作群',
    url: robot.url,
  });
  expect(r.status).toBe(201);
  return async () => {
    await robot.close();
  };
});

const inbox = async (user: string) =>
  (await n.call(user, 'GET', '/api/v1/notices?limit=200')).body.notices as {
    id: string;
    kind: string;
    title: string;
    itemId: string;
  }[];
const kinds = async (user: string, itemId: string) =>
  (await inbox(user))
    .filter((x) => x.itemId === itemId)
    .map((x) => x.kind)
    .reverse();

describe('notices for an item, once each', () => {
  let id: string;
  it('tells the responsible unit an item was assigned: inbox, trail, group robot', async () => {
    w.clock.set('2026-03-02T02:00:00.000Z');
    id = await report(w);
    await assign(w, id, { deadline: '2026-03-13' });
    await n.settle();
    expect(await kinds('h1', id)).toEqual(['assigned']);
    expect(await kinds('head1', id)).toEqual(['assigned']); // a handler too
    expect(await kinds('lead', id)).toEqual([]); // the assigning unit is not told about its own assignment
    const trail = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body.timeline;
    const sent = trail.filter((e: { type: string }) => e.type === 'NoticeSent');
    expect(sent).toHaveLength(1);
    expect(sent[0].data).toMatchObject({ causeSeq: 2, kind: 'assigned', channels: ['inbox', 'webhook:wecom'] });
    expect(sent[0].data.recipients.map((r: { name: string }) => r.name).sort()).toEqual(['h1', 'head1', 'leadhandler']);
    expect(robot.received.map((r) => r.body.markdown.content)).toEqual([expect.stringContaining('【交办】')]);
    expect((await w.call('super', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
  });

  it('reminds, marks overdue and escalates as the clock passes the deadline; the assigning unit hears it too', async () => {
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    for (let day = 0; day < 40; day++) {
      w.clock.advanceDays(1);
      await n.sweep();
    }
    await n.settle();
    expect(await kinds('h1', id)).toEqual([
      'assigned',
      'deadline_approaching',
      'deadline_approaching',
      'deadline_missed',
      'escalated',
      'escalated',
      'escalated',
    ]);
    // level 1 (handler), 2 (unit head), 4 (flag) reach handlers; level 3 (supervisor) does not.
    expect(await kinds('head1', id)).toEqual([
      'assigned',
      'deadline_approaching',
      'deadline_approaching',
      'deadline_missed',
      'escalated',
      'escalated',
      'escalated',
      'escalated',
    ]);
    expect(await kinds('lead', id)).toEqual(['deadline_missed', 'escalated', 'escalated', 'escalated', 'escalated']);
    expect(await kinds('super', id)).toEqual(['escalated', 'escalated']); // supervisor step and 挂牌督办
    const titles = (await inbox('super')).filter((x) => x.itemId === id).map((x) => x.title);
    expect(titles.some((t) => t.includes('挂牌督办'))).toBe(true);
    // Every cause in the trail once; the robot got one message per cause that concerns its unit.
    const trail = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body.timeline as {
      type: string;
      data: { causeSeq: number };
    }[];
    const causes = trail.filter((e) => e.type === 'NoticeSent').map((e) => e.data.causeSeq);
    expect(new Set(causes).size).toBe(causes.length);
    expect(causes).toHaveLength(8);
    expect(robot.received).toHaveLength(8);
  });

  it('sends nothing twice when the outbox is drained again, jobs are re-enqueued or the sweep runs again', async () => {
    const before = { h1: (await inbox('h1')).length, robot: robot.received.length };
    await n.sweep();
    await drainOutbox(n.deps);
    // Re-enqueue every delivery as if its job had been lost, and the cause jobs as well.
    await w.db.update(deliveries).set({ enqueuedAt: null });
    await n.notifier.reconcileNow();
    await new Promise((r) => setTimeout(r, 1500));
    await n.settle();
    expect((await inbox('h1')).length).toBe(before.h1);
    expect(robot.received.length).toBe(before.robot);
  });

  it('keeps the inbox: unread count, mark one read, mark all read; other users cannot touch my notices', async () => {
    const count = async () => (await n.call('h1', 'GET', '/api/v1/notices/unread-count')).body.unread;
    const all = await inbox('h1');
    expect(await count()).toBe(all.length);
    const first = all[0]!;
    const r = await n.call('h1', 'POST', `/api/v1/notices/${first.id}/read`, {});
    expect(r.status).toBe(200);
    expect(r.body.readAt).toBe(w.clock.now().toISOString());
    expect(await count()).toBe(all.length - 1);
    expect((await n.call('h2', 'POST', `/api/v1/notices/${first.id}/read`, {})).status).toBe(404);
    expect((await n.call('h2', 'GET', `/api/v1/notices/${first.id}/deliveries`)).status).toBe(404);
    const unread = (await n.call('h1', 'GET', '/api/v1/notices?unread=true&limit=200')).body.notices;
    expect(unread.map((x: { id: string }) => x.id)).not.toContain(first.id);
    expect((await n.call('h1', 'POST', '/api/v1/notices/read-all', {})).body.marked).toBe(all.length - 1);
    expect(await count()).toBe(0);
  });

  it('pages the inbox with a cursor and refuses a bad one with problem+json', async () => {
    const p1 = (await n.call('head1', 'GET', '/api/v1/notices?limit=3')).body;
    expect(p1.notices).toHaveLength(3);
    const p2 = (await n.call('head1', 'GET', `/api/v1/notices?limit=3&before=${encodeURIComponent(p1.nextCursor)}`))
      .body;
    expect(p2.notices[0].id).not.toBe(p1.notices[2].id);
    const all = (await inbox('head1')).map((x) => x.id);
    expect([...p1.notices, ...p2.notices].map((x: { id: string }) => x.id)).toEqual(all.slice(0, 6));
    // filtered by kind: only that kind, the same ones the whole inbox holds; a bad kind is refused
    const whole = await inbox('head1');
    const kind = whole[0]!.kind;
    const only = (await n.call('head1', 'GET', `/api/v1/notices?kind=${kind}&limit=200`)).body.notices as {
      id: string;
      kind: string;
    }[];
    expect(only.map((x) => x.id)).toEqual(whole.filter((x) => x.kind === kind).map((x) => x.id));
    expect((await n.call('head1', 'GET', '/api/v1/notices?kind=DROP%20TABLE')).status).toBe(400);
    const bad = await n.call('head1', 'GET', '/api/v1/notices?before=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('shows the delivery log of a notice: the robot message, its status and attempt', async () => {
    const notice = (await inbox('h1')).find((x) => x.itemId === id && x.kind === 'deadline_missed')!;
    const r = await n.call('h1', 'GET', `/api/v1/notices/${notice.id}/deliveries`);
    expect(r.status).toBe(200);
    expect(r.body.deliveries).toEqual([
      expect.objectContaining({
        channel: 'webhook',
        status: 'sent',
        attempts: 1,
        lastError: null,
        log: [expect.objectContaining({ ok: true, detail: 'HTTP 200, code 0' })],
      }),
    ]);
  });
});

describe('other triggers', () => {
  it("rejection, extension decided, review waiting too long, recheck due and the petitioner's answer", async () => {
    w.clock.set('2026-05-04T02:00:00.000Z');
    await addUser(w, 'inspTown', w.units.town.id, { roles: ['inspector'] });
    const id = await report(w, 'super', { source: 'petition', person: { name: '王某', phone: '13800001234' } });
    await assign(w, id, { deadline: '2026-06-30' });
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    await w
      .call('h1', 'POST', `/api/v1/items/${id}/request-extension`, {
        newDeadline: '2026-07-31',
        reason: '等待汛期结束',
      })
      .then((r) => expect(r.status, JSON.stringify(r.body)).toBe(200));
    await w
      .call('lead', 'POST', `/api/v1/items/${id}/decide-extension`, { approve: true })
      .then((r) => expect(r.status, JSON.stringify(r.body)).toBe(200));
    await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
      summary: '已参保',
      evidence: [await evidenceFile(w, 'h1', id, 'f1.pdf')],
    });
    await w.call('lead', 'POST', `/api/v1/items/${id}/reject`, { reason: '缺少缴费凭证' });
    await w.call('h1', 'POST', `/api/v1/items/${id}/submit`, {
      summary: '已参保并缴费',
      evidence: [await evidenceFile(w, 'h1', id, 'f2.pdf')],
    });
    w.clock.set('2026-05-20T02:00:00.000Z'); // more than 5 working days later: the reviewers are reminded
    await n.sweep();
    await n.settle();
    expect(await kinds('lead', id)).toEqual(['review_waiting']);
    await w.call('lead', 'POST', `/api/v1/items/${id}/approve`, {});
    w.clock.set('2026-06-25T02:00:00.000Z'); // the recheck window (30 days) ran out: 复核 reminder
    await n.sweep();
    await n.settle();
    expect(await kinds('h1', id)).toEqual(['assigned', 'extension_decided', 'rejected']);
    expect(await kinds('inspTown', id)).toEqual(['recheck_due']);
    expect(await kinds('insp1', id)).toEqual([]); // an inspector of the village itself does not recheck it
    // 事事有回音 (000 §七): told at assignment; not 已整改销号 at sign-off — only once the county's recheck verified it.
    const told = () => n.sms.sent.filter((s) => s.phone === '13800001234').map((s) => s.text);
    expect(told()).toEqual([expect.stringContaining('已受理并交办责任单位整改')]);
    const rechecked = await w.call('xfj', 'POST', `/api/v1/items/${id}/recheck`, { passed: true, findings: '属实' });
    expect(rechecked.status, JSON.stringify(rechecked.body)).toBe(200);
    await n.settle();
    expect(told()).toEqual([
      expect.stringContaining('已受理并交办责任单位整改'),
      expect.stringContaining('已整改销号'),
    ]);
    // Each message is in the item's trail as a notice record naming the petitioner.
    const trail = (await w.call('super', 'GET', `/api/v1/items/${id}`)).body.timeline as {
      type: string;
      data: { kind?: string; recipients?: { userId: string | null; name: string }[]; channels?: string[] };
    }[];
    const toPetitioner = trail.filter((e) => e.type === 'NoticeSent' && e.data.kind === 'reporter_feedback');
    expect(toPetitioner).toHaveLength(2);
    for (const e of toPetitioner) expect(e.data.recipients).toEqual([expect.objectContaining({ userId: null })]);
    const petitioner = await w.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.itemId, id), eq(deliveries.address, '13800001234')));
    expect(petitioner).toHaveLength(2);
    for (const d of petitioner) expect(d).toMatchObject({ channel: 'sms', status: 'sent' });
  });

  it('tells the new unit when an item is transferred, resolving its people at send time', async () => {
    w.clock.set('2026-07-01T02:00:00.000Z');
    const id = await report(w);
    await assign(w, id, { deadline: '2026-07-30' });
    await w
      .call('lead', 'POST', `/api/v1/items/${id}/transfer`, {
        responsibleUnitId: w.units.village2.id,
        reason: '属地调整',
      })
      .then((r) => expect(r.status, JSON.stringify(r.body)).toBe(200));
    await n.settle();
    expect(await kinds('h2', id)).toEqual(['transferred']);
    const rows = await w.db.select().from(notices).where(eq(notices.itemId, id));
    expect(rows.filter((r) => r.userId === w.userIds.h2)).toHaveLength(1);
  });
});
