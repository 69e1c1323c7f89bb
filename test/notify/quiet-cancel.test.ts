// An SMS held back for quiet hours (22:00–07:00 Shanghai) is decided when it goes out at 07:00: if its
// cause is gone by then (the unit applied for closure, the deadline was extended) it is cancelled with
// the reason in the delivery log and the worker's log; otherwise, and for notices of facts, it is sent.
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliveries, itemEvents, users } from '../../db/schema.ts';
import { DELIVER_QUEUE } from '../../workers/notify/notifier.ts';
import { assign, build, evidenceFile, report, type World } from '../support/app.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

let w: World;
let n: NotifyWorld;
const PHONE = '13900001111';
beforeAll(async () => {
  w = await build();
  n = await startNotifyWorld(w, { prefix: `qc${process.pid}` });
  await w.db.update(users).set({ phone: PHONE }).where(eq(users.id, w.userIds.h1!));
  expect((await n.call('h1', 'PUT', '/api/v1/me/notification-preferences', { channels: ['sms'] })).status).toBe(200);
});

const until = async (what: string, cond: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; log: ${n.logs.slice(-5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const ok = (r: { status: number; body: any }) => {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

async function smsFor(itemId: string, type: string) {
  const [e] = await w.db
    .select({ seq: itemEvents.seq })
    .from(itemEvents)
    .where(and(eq(itemEvents.itemId, itemId), eq(itemEvents.type, type)));
  expect(e, `${type} in the trail of ${itemId}`).toBeDefined();
  const [d] = await w.db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.itemId, itemId), eq(deliveries.causeSeq, e!.seq), eq(deliveries.channel, 'sms')));
  expect(d, `an SMS for ${type} of ${itemId}`).toBeDefined();
  return d!;
}
const reload = async (id: string) => (await w.db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

describe('quiet-hour SMS whose cause is gone by 07:00', () => {
  it('cancels the held message with a logged reason when the cause is gone, and sends it when it still holds', async () => {
    w.clock.set('2026-04-01T02:00:00.000Z'); // 10:00 Shanghai
    const [closing, extended, still] = [await report(w), await report(w), await report(w)];
    for (const id of [closing, extended, still]) {
      await assign(w, id, { deadline: '2026-04-10' });
      ok(await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {}));
    }
    await n.settle();

    // 00:30 on April 11 in Shanghai: all three are past their deadline; the 逾期 SMS are held until 07:00.
    w.clock.set('2026-04-10T16:30:00.000Z');
    await n.sweep();
    await n.settle();
    const held = {
      closing: await smsFor(closing, 'DeadlineMissed'),
      extended: await smsFor(extended, 'DeadlineMissed'),
      still: await smsFor(still, 'DeadlineMissed'),
    };
    for (const d of Object.values(held)) {
      expect(d).toMatchObject({ status: 'pending', attempts: 0 });
      expect(new Date(d.notBefore!).toISOString()).toBe('2026-04-10T23:00:00.000Z');
    }

    // Before 07:00 the unit applies for closure of one item, and the office extends another's deadline.
    w.clock.set('2026-04-10T17:00:00.000Z');
    ok(
      await w.call('h1', 'POST', `/api/v1/items/${closing}/submit`, {
        summary: '已整改到位',
        evidence: [await evidenceFile(w, 'h1', closing)],
      }),
    );
    ok(
      await w.call('h1', 'POST', `/api/v1/items/${extended}/request-extension`, {
        newDeadline: '2026-04-30',
        reason: '需协调医保部门',
      }),
    );
    ok(await w.call('lead', 'POST', `/api/v1/items/${extended}/decide-extension`, { approve: true }));
    await n.settle();
    const extensionSms = await smsFor(extended, 'ExtensionDecided');
    expect(extensionSms.status).toBe('pending'); // held as well

    // 07:00: the held jobs run now (promoted in the queue, as the delay would have them run).
    w.clock.set('2026-04-10T23:00:00.000Z');
    const sentBefore = n.sms.sent.length;
    for (const d of [held.closing, held.extended, held.still, extensionSms]) {
      const job = await n.kit.queue(DELIVER_QUEUE).getJob(d.key);
      expect(job, `the delayed job ${d.key}`).toBeTruthy();
      await job!.promote();
    }
    await until('the held messages to be decided', async () =>
      (await Promise.all([held.closing, held.extended, held.still, extensionSms].map((d) => reload(d.id)))).every(
        (d) => d.status === 'sent' || d.status === 'cancelled',
      ),
    );

    const closingNow = await reload(held.closing.id);
    expect(closingNow).toMatchObject({
      status: 'cancelled',
      lastError: '未发送：责任单位已申请销号',
      sentAt: null,
    });
    const extendedNow = await reload(held.extended.id);
    expect(extendedNow).toMatchObject({
      status: 'cancelled',
      lastError: '未发送：整改时限已由 2026-04-10 调整为 2026-04-30',
    });
    expect(await reload(held.still.id)).toMatchObject({ status: 'sent' });
    expect(await reload(extensionSms.id)).toMatchObject({ status: 'sent' }); // a fact: the extension was decided
    const texts = n.sms.sent
      .slice(sentBefore)
      .filter((s) => s.phone === PHONE)
      .map((s) => s.text);
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => t.includes('【逾期】'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('【延期已批准】'))).toHaveLength(1);
    expect(n.logs.filter((l) => l.includes('cancelled: the cause no longer holds'))).toHaveLength(2);

    // The delivery log says why, and the reconcile pass does not bring a cancelled message back.
    const notice = (await n.call('h1', 'GET', '/api/v1/notices?limit=200')).body.notices.find(
      (x: { itemId: string; kind: string }) => x.itemId === closing && x.kind === 'deadline_missed',
    );
    const log = await n.call('h1', 'GET', `/api/v1/notices/${notice.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).toContain('发送时取消：责任单位已申请销号');
    await n.notifier.reconcileNow();
    await n.settle();
    expect((await reload(held.closing.id)).status).toBe('cancelled');
    expect(n.sms.sent.slice(sentBefore).filter((s) => s.phone === PHONE)).toHaveLength(2);
  }, 60_000);
});
