// Channels and their failure modes, against real local servers: group robots that time out, answer
// 500 or garbage (retried, then dead-lettered with a readable reason, retried from the admin API),
// signed DingTalk and Feishu robots, e-mail to a local SMTP server, SMS quiet hours, the
// per-recipient rate limit, the webhook allow-list, and the ops views (/admin/queues, /metrics).
import { createHmac } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, notices, webhookTargets } from '../../db/schema.ts';
import { quietUntil } from '../../workers/notify/notifier.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { startFakeRobot } from '../support/webhook-server.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

let w: World;
let n: NotifyWorld;
const mails: { to: string; raw: string }[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  w = await build();
  n = await startNotifyWorld(w, {
    prefix: `ch${process.pid}`,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    config: { attempts: 3, backoffMs: 100, timeoutMs: 2000 },
  });
  // 2 s per request: on a loaded CI machine a robot that answers at once may still take a few hundred ms,
  // and the test must see its real answer, not a timeout.
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
});

const until = async (what: string, cond: () => Promise<boolean>, ms = 40_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

async function robotFor(unit: 'village1' | 'village2', kind: 'wecom' | 'dingtalk' | 'feishu', secret?: string) {
  const robot = await startFakeRobot(
    kind === 'dingtalk' ? '/robot/send' : kind === 'feishu' ? '/open-apis/bot/v2/hook/abc' : '/cgi-bin/webhook/send',
  );
  if (kind === 'feishu') robot.okBody = { code: 0, msg: 'success' };
  const r = await n.call('admin', 'POST', '/api/v1/admin/webhooks', {
    unitId: w.units[unit].id,
    kind,
    name: `${kind} 群`,
    url: robot.url,
    secret,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { robot, targetId: r.body.id as string };
}

async function assignedItem(unit: 'village1' | 'village2' = 'village1') {
  const id = await report(w);
  await assign(w, id, { deadline: '2026-06-30', responsibleUnitId: w.units[unit].id });
  return id;
}

const deliveryOf = async (itemId: string, targetId: string) =>
  (
    await w.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.itemId, itemId), eq(deliveries.targetId, targetId)))
  )[0]!;

describe('webhook failures: retried, then dead-lettered with a readable reason', () => {
  const cases = [
    { mode: 'timeout' as const, reason: /^wecom robot at 127\.0\.0\.1:\d+ did not answer within 2000 ms$/ },
    { mode: '500' as const, reason: /^wecom robot at 127\.0\.0\.1:\d+ answered HTTP 500: "internal robot error"$/ },
    {
      mode: 'garbage' as const,
      reason:
        /^wecom robot at 127\.0\.0\.1:\d+ answered HTTP 200 with something that is not JSON: "<html>gateway login page<\/html>"$/,
    },
    {
      mode: 'refuse' as const,
      reason: /^wecom robot at 127\.0\.0\.1:\d+ refused the message: code 310000, "sign not match"$/,
    },
  ];
  for (const c of cases) {
    it(`a robot that ${c.mode === 'refuse' ? 'refuses (errcode ≠ 0)' : c.mode === 'timeout' ? 'never answers' : `answers ${c.mode}`}`, async () => {
      const { robot, targetId } = await robotFor('village2', 'wecom');
      robot.mode = c.mode;
      const id = await assignedItem('village2');
      await n.settle();
      await until('the dead letter', async () => (await deliveryOf(id, targetId))?.status === 'dead');
      const d = await deliveryOf(id, targetId);
      expect(robot.received).toHaveLength(3); // three attempts
      expect(d.attempts).toBe(3);
      expect(d.lastError).toMatch(c.reason);
      // The delivery row says dead inside the job; BullMQ files the job as failed just after it returns.
      let letter: { reason: string } | undefined;
      await until('the dead letter in the queue', async () => {
        const dead = (await n.call('admin', 'GET', '/api/v1/admin/queues/deliver/dead')).body.dead;
        letter = dead.find((x: { id: string }) => x.id === d.key);
        return letter !== undefined;
      });
      expect(letter!.reason).toMatch(c.reason);
      // The delivery log shows each attempt; the inbox got its notice regardless.
      const notice = (
        await w.db
          .select()
          .from(notices)
          .where(and(eq(notices.itemId, id), eq(notices.userId, w.userIds.h2!)))
      )[0]!;
      const log = (await n.call('h2', 'GET', `/api/v1/notices/${notice.id}/deliveries`)).body.deliveries[0];
      expect(log.log.map((a: { ok: boolean }) => a.ok)).toEqual([false, false, false]);
      // Fixed robot, retried from the admin API: sent once.
      robot.mode = 'ok';
      const retry = await n.call('admin', 'POST', `/api/v1/admin/queues/deliver/dead/${d.key}/retry`, {});
      expect(retry.status).toBe(202);
      await until('the retried delivery', async () => (await deliveryOf(id, targetId)).status === 'sent');
      expect(robot.received).toHaveLength(4);
      expect(
        (await n.call('admin', 'GET', '/api/v1/admin/queues/deliver/dead')).body.dead.some(
          (x: { id: string }) => x.id === d.key,
        ),
      ).toBe(false);
      await w.db.update(webhookTargets).set({ enabled: false }).where(eq(webhookTargets.id, targetId));
      await robot.close();
    }, 120_000);
  }

  it('answers 404 problem+json for retrying a dead job that does not exist, or an unknown queue', async () => {
    const r = await n.call('admin', 'POST', '/api/v1/admin/queues/deliver/dead/no-such-job/retry', {});
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect((await n.call('admin', 'GET', '/api/v1/admin/queues/nope/dead')).status).toBe(404);
    expect((await n.call('admin', 'GET', '/api/v1/admin/queues/BAD!/dead')).body.code).toBe('validation_failed');
  });
});

describe('signed robots', () => {
  it('signs DingTalk requests: timestamp and HmacSHA256 sign in the query, checked by the robot', async () => {
    const secret = 'SEC-dingtalk-test-secret';
    const { robot, targetId } = await robotFor('village1', 'dingtalk', secret);
    robot.verify = (r) => {
      const ts = r.query.get('timestamp');
      const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
      if (!ts || Math.abs(Date.now() - Number(ts)) > 3600_000) return 'timestamp missing or stale';
      return r.query.get('sign') === expected ? null : 'sign not match';
    };
    const id = await assignedItem();
    await n.settle();
    await until('the signed delivery', async () => (await deliveryOf(id, targetId)).status === 'sent');
    expect(robot.received[0]!.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: expect.stringContaining('【交办】') },
    });
    await w.db.update(webhookTargets).set({ enabled: false }).where(eq(webhookTargets.id, targetId));
    await robot.close();
  });

  it('signs Feishu requests: timestamp and sign in the body, checked by the robot', async () => {
    const secret = 'feishu-test-secret';
    const { robot, targetId } = await robotFor('village1', 'feishu', secret);
    robot.verify = (r) => {
      const expected = createHmac('sha256', `${r.body.timestamp}\n${secret}`).update('').digest('base64');
      return r.body.sign === expected && r.body.msg_type === 'text' ? null : 'sign not match';
    };
    const id = await assignedItem();
    await n.settle();
    await until('the signed delivery', async () => (await deliveryOf(id, targetId)).status === 'sent');
    expect(robot.received[0]!.body.content.text).toContain('【交办】');
    await w.db.update(webhookTargets).set({ enabled: false }).where(eq(webhookTargets.id, targetId));
    await robot.close();
  });
});

describe('e-mail, SMS and preferences', () => {
  it('e-mails a user who chose e-mail, through the SMTP server', async () => {
    const r = await n.call('h1', 'PUT', '/api/v1/me/notification-preferences', {
      channels: ['email'],
      email: 'h1@village.test',
    });
    expect(r.status).toBe(200);
    const id = await assignedItem();
    await n.settle();
    await until('the e-mail', async () => mails.some((m) => m.to === 'h1@village.test'));
    const [d] = await w.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.itemId, id), eq(deliveries.channel, 'email')));
    expect(d).toMatchObject({ status: 'sent', address: 'h1@village.test', attempts: 1 });
    expect(mails.filter((m) => m.to === 'h1@village.test')).toHaveLength(1);
    await n.call('h1', 'PUT', '/api/v1/me/notification-preferences', { channels: [] });
  });

  it('refuses bad preferences with problem+json and changes nothing', async () => {
    const before = (await n.call('h2', 'GET', '/api/v1/me/notification-preferences')).body;
    for (const body of [
      { channels: ['email'] },
      { channels: ['pigeon'] },
      { channels: [], email: 'not-an-address' },
      { channels: [], extra: 1 },
    ]) {
      const r = await n.call('h2', 'PUT', '/api/v1/me/notification-preferences', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    expect((await n.call('h2', 'GET', '/api/v1/me/notification-preferences')).body).toEqual(before);
  });

  it('holds SMS during quiet hours (22:00–07:00 Shanghai) until 07:00, unless the user turned quiet hours off', async () => {
    expect(quietUntil('2026-06-01T14:30:00.000Z')).toBe('2026-06-01T23:00:00.000Z'); // 22:30 → 07:00 next day
    expect(quietUntil('2026-06-01T20:00:00.000Z')).toBe('2026-06-01T23:00:00.000Z'); // 04:00 → 07:00 same day
    expect(quietUntil('2026-06-01T01:00:00.000Z')).toBeNull(); // 09:00
    await w.db
      .update((await import('../../db/schema.ts')).users)
      .set({ phone: '13900002222' })
      .where(eq((await import('../../db/schema.ts')).users.id, w.userIds.h2!));
    await n.call('h2', 'PUT', '/api/v1/me/notification-preferences', { channels: ['sms'] });
    w.clock.set('2026-06-01T15:00:00.000Z'); // 23:00 in Shanghai
    const quiet = await assignedItem('village2');
    await n.settle();
    const [held] = await w.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.itemId, quiet), eq(deliveries.channel, 'sms')));
    expect(held).toMatchObject({ status: 'pending', attempts: 0 });
    expect(new Date(held!.notBefore!).toISOString()).toBe('2026-06-01T23:00:00.000Z');
    expect(n.sms.sent.some((s) => s.phone === '13900002222')).toBe(false);
    await n.call('h2', 'PUT', '/api/v1/me/notification-preferences', { channels: ['sms'], smsQuietHours: false });
    const loud = await assignedItem('village2');
    await n.settle();
    await until('the SMS', async () => n.sms.sent.some((s) => s.phone === '13900002222'));
    const [sent] = await w.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.itemId, loud), eq(deliveries.channel, 'sms')));
    expect(sent).toMatchObject({ status: 'sent' });
    w.clock.set('2026-06-02T02:00:00.000Z');
    await n.call('h2', 'PUT', '/api/v1/me/notification-preferences', { channels: [] });
  });

  it("keeps a digest user's external messages for the daily digest; the inbox still gets each notice", async () => {
    await n.call('h1', 'PUT', '/api/v1/me/notification-preferences', {
      channels: ['email'],
      email: 'h1-digest@village.test',
      digest: true,
    });
    const id = await assignedItem();
    await n.settle();
    expect(
      await w.db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.itemId, id), eq(deliveries.channel, 'email'))),
    ).toEqual([]);
    expect(
      await w.db
        .select()
        .from(notices)
        .where(and(eq(notices.itemId, id), eq(notices.userId, w.userIds.h1!))),
    ).toHaveLength(1);
    await n.kit.queue('notify').add('digest', {});
    await until('the digest e-mail', async () => mails.some((m) => m.to === 'h1-digest@village.test'));
    const digest = (await n.call('h1', 'GET', '/api/v1/notices?limit=200')).body.notices.find(
      (x: { kind: string }) => x.kind === 'daily_digest',
    );
    expect(digest.title).toMatch(/^【每日汇总】2026-06-02：逾期 0 件，3 日内到期 0 件$/);
    const log = (await n.call('h1', 'GET', `/api/v1/notices/${digest.id}/deliveries`)).body.deliveries;
    expect(log).toEqual([
      expect.objectContaining({ channel: 'email', status: 'sent', address: 'h1-digest@village.test' }),
    ]);
    await n.kit.queue('notify').add('digest', {}); // the same day again: nothing new
    await new Promise((r) => setTimeout(r, 1500));
    expect(mails.filter((m) => m.to === 'h1-digest@village.test')).toHaveLength(1);
    await n.call('h1', 'PUT', '/api/v1/me/notification-preferences', { channels: [] });
  });

  it('limits messages per recipient per hour: the rest wait for the next window, none is dropped', async () => {
    const { robot, targetId } = await robotFor('village2', 'wecom');
    n.deps.config.ratePerHour = 2;
    const ids = [await assignedItem('village2'), await assignedItem('village2'), await assignedItem('village2')];
    await n.settle();
    await until('two messages', async () => robot.received.length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(robot.received).toHaveLength(2);
    const rows = await Promise.all(ids.map((id) => deliveryOf(id, targetId)));
    const waiting = rows.filter((r) => r.status === 'pending');
    expect(waiting).toHaveLength(1);
    expect(Date.parse(waiting[0]!.notBefore!)).toBeGreaterThan(w.clock.now().getTime());
    n.deps.config.ratePerHour = 100;
    await w.db.update(webhookTargets).set({ enabled: false }).where(eq(webhookTargets.id, targetId));
    await robot.close();
  });
});

describe('who may set webhook targets, and where they may point', () => {
  it('lets only admins manage webhook targets', async () => {
    const body = { unitId: w.units.village1.id, kind: 'wecom', name: '群', url: 'http://127.0.0.1:9/x' };
    for (const user of ['super', 'lead', 'h1']) {
      const r = await n.call(user, 'POST', '/api/v1/admin/webhooks', body);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    expect((await n.call('h1', 'GET', '/api/v1/admin/webhooks')).status).toBe(403);
    expect((await n.call('h1', 'GET', '/api/v1/admin/queues')).status).toBe(403);
  });

  it('refuses hosts off the allow-list, other schemes and credentials in the URL, with problem+json', async () => {
    const before = (await n.call('admin', 'GET', '/api/v1/admin/webhooks')).body.webhooks.length;
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://localhost:8080/hook',
      'http://10.0.0.5/robot',
      'file:///etc/passwd',
      'http://user:pw@127.0.0.1/x',
      'not a url',
      'http://127.0.0.1.evil.example/x',
    ]) {
      const r = await n.call('admin', 'POST', '/api/v1/admin/webhooks', {
        unitId: w.units.village1.id,
        kind: 'wecom',
        name: '群',
        url,
      });
      expect(r.status, url).toBe(422);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'webhook_host_not_allowed', errors: [{ path: 'body.url' }] });
    }
    const r = await n.call(
      'admin',
      'PATCH',
      `/api/v1/admin/webhooks/${(await n.call('admin', 'GET', '/api/v1/admin/webhooks')).body.webhooks[0].id}`,
      { url: 'http://10.0.0.5/robot' },
    );
    expect(r.status).toBe(422);
    expect((await n.call('admin', 'GET', '/api/v1/admin/webhooks')).body.webhooks.length).toBe(before);
  });

  it('never shows the robot key or secret back', async () => {
    const list = (await n.call('admin', 'GET', '/api/v1/admin/webhooks')).body.webhooks;
    expect(list.length).toBeGreaterThan(0);
    for (const t of list) {
      expect(t.url).not.toContain('test-robot-key');
      expect(t).not.toHaveProperty('secret');
    }
    expect(list.some((t: { signed: boolean }) => t.signed)).toBe(true);
  });

  it('refuses to send to a target whose host left the allow-list since it was set (dead at once, with the reason)', async () => {
    const { robot, targetId } = await robotFor('village1', 'wecom');
    n.deps.config.allowedHosts = ['robots.example.cn'];
    const id = await assignedItem();
    await n.settle();
    await until('the dead letter', async () => (await deliveryOf(id, targetId))?.status === 'dead');
    expect((await deliveryOf(id, targetId)).lastError).toBe(
      'webhook URL host 127.0.0.1 is not on the webhook allow-list (WEBHOOK_ALLOWED_HOSTS: robots.example.cn)',
    );
    expect(robot.received).toHaveLength(0);
    n.deps.config.allowedHosts = ['127.0.0.1'];
    await w.db.update(webhookTargets).set({ enabled: false }).where(eq(webhookTargets.id, targetId));
    await robot.close();
  });
});

describe('operations', () => {
  it('shows queue depth, failed and delayed jobs to admins, and in /metrics', async () => {
    const r = await n.call('admin', 'GET', '/api/v1/admin/queues');
    expect(r.status).toBe(200);
    expect(r.body.backend).toBe('postgres');
    const deliver = r.body.queues.find((q: { name: string }) => q.name === 'deliver');
    expect(deliver.counts.failed).toBeGreaterThanOrEqual(1); // the allow-list refusal above
    expect(deliver.counts.delayed).toBeGreaterThanOrEqual(1); // the SMS held for quiet hours
    const m = await n.call(null, 'GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toMatch(
      new RegExp(`zhenggai_queue_jobs\\{queue="deliver",state="failed"\\} ${deliver.counts.failed}`),
    );
    expect(m.body).toMatch(/zhenggai_deliveries\{channel="webhook",status="sent"\} \d+/);
    expect(m.body).toMatch(/zhenggai_notify_outbox 0/);
  });
});
