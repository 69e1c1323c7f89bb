// An issued document sent to a unit's group robot, against real local HTTP endpoints standing in for
// the robots (the webhooks are outside the system): a 企业微信 robot gets the PDF uploaded to its
// upload_media address and then a file message naming it; 钉钉 and 飞书 robots get a link to the
// document's page. The campaign office alone sends, to robots of units in the campaign's area; a retried
// request (same Idempotency-Key) plans one message.
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgUnit } from '../../db/queries/org.ts';
import { deliveries, deliveryAttempts } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { type FakeRobot, startFakeRobot } from '../support/webhook-server.ts';
import { type NotifyWorld, startNotifyWorld } from './support.ts';

const PUBLIC_URL = 'https://zhenggai.example.gov.cn';
let w: World;
let n: NotifyWorld;
const robots: Record<'wecom' | 'dingtalk' | 'feishu' | 'elsewhere', { robot: FakeRobot; targetId: string }> =
  {} as never;
let doc: { id: string; number: string; title: string };

beforeAll(async () => {
  w = await build();
  n = await startNotifyWorld(w, {
    prefix: `dr${process.pid}`,
    config: { attempts: 3, backoffMs: 100, timeoutMs: 5000, publicUrl: PUBLIC_URL },
  });
  const town2 = await createOrgUnit(w.db, { name: '白鹤镇', kind: 'township', parentId: w.units.county.id });
  const add = async (unitId: string, kind: 'wecom' | 'dingtalk' | 'feishu', name: string) => {
    const robot = await startFakeRobot(
      kind === 'dingtalk' ? '/robot/send' : kind === 'feishu' ? '/open-apis/bot/v2/hook/abc' : '/cgi-bin/webhook/send',
    );
    // WeCom answers an upload with the file's media_id; every robot answers a message with code 0.
    robot.okBody =
      kind === 'feishu' ? { code: 0, msg: 'success' } : { errcode: 0, errmsg: 'ok', type: 'file', media_id: 'm-1' };
    const r = await n.call('admin', 'POST', '/api/v1/admin/webhooks', { unitId, kind, name, url: robot.url });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return { robot, targetId: r.body.id as string };
  };
  robots.wecom = await add(w.units.village1.id, 'wecom', '朝阳村工作群');
  robots.dingtalk = await add(w.units.village2.id, 'dingtalk', '南陈村工作群');
  robots.feishu = await add(w.units.office.id, 'feishu', '振兴办工作群');
  robots.elsewhere = await add(town2.id, 'wecom', '白鹤镇工作群');

  const id = await report(w);
  await assign(w, id);
  const r = await n.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  doc = r.body;
}, 120_000);
afterAll(async () => {
  for (const r of Object.values(robots)) await r.robot.close();
});

const until = async (what: string, cond: () => Promise<boolean>, ms = 90_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const send = (targetId: string, user = 'super', key?: string) =>
  n.call(
    user,
    'POST',
    `/api/v1/documents/${doc.id}/robot-messages`,
    { targetId },
    key ? { 'idempotency-key': key } : {},
  );
const statusOf = async (id: string) =>
  (await w.db.select({ s: deliveries.status }).from(deliveries).where(eq(deliveries.id, id)))[0]?.s;

describe('a document on a group robot', () => {
  it('offers the office the robots of the campaign’s units, and refuses everyone else', async () => {
    const list = await n.call('super', 'GET', `/api/v1/documents/${doc.id}/robots`);
    expect(list.status).toBe(200);
    expect(list.body.robots.map((r: { name: string }) => r.name).sort()).toEqual(
      ['南陈村工作群', '朝阳村工作群', '振兴办工作群'].sort(),
    );
    expect((await n.call('h1', 'GET', `/api/v1/documents/${doc.id}/robots`)).status).toBe(403);
    expect((await send(robots.wecom.targetId, 'h1')).status).toBe(403);
    // Another township's robot and a robot that does not exist are not found; nothing is planned.
    expect((await send(robots.elsewhere.targetId)).status).toBe(404);
    expect((await send('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await send('not-a-uuid')).status).toBe(400);
    const [planned] = await w.db.select({ n: count() }).from(deliveries).where(eq(deliveries.documentId, doc.id));
    expect(planned!.n).toBe(0);
  });

  it('企业微信: uploads the PDF, then sends it as a file message; a retried request plans one message', async () => {
    const first = await send(robots.wecom.targetId, 'super', 'robot-1');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body).toMatchObject({ status: 'pending', queued: true, target: { kind: 'wecom' } });
    const again = await send(robots.wecom.targetId, 'super', 'robot-1');
    expect(again.body.deliveryId).toBe(first.body.deliveryId);
    await until('the file message', async () => (await statusOf(first.body.deliveryId)) === 'sent');
    // The village's robot also took the item's 交办 notice; these are the document's two requests.
    const got = robots.wecom.robot.received.filter(
      (r) => r.path.endsWith('/upload_media') || (r.body as { msgtype?: string }).msgtype === 'file',
    );
    expect(got.map((r) => r.path)).toEqual(['/cgi-bin/webhook/upload_media', '/cgi-bin/webhook/send']);
    expect(got[0]!.query.get('key')).toBe('test-robot-key');
    expect(got[0]!.query.get('type')).toBe('file');
    const upload = String(got[0]!.body);
    expect(upload).toContain('name="media"');
    expect(upload).toContain('%PDF-');
    expect(upload).toContain(`${doc.number}${doc.title}.pdf`);
    expect(got[1]!.body).toEqual({ msgtype: 'file', file: { media_id: 'm-1' } });
    const [planned] = await w.db.select({ n: count() }).from(deliveries).where(eq(deliveries.documentId, doc.id));
    expect(planned!.n).toBe(1);
    const log = await w.db
      .select()
      .from(deliveryAttempts)
      .where(and(eq(deliveryAttempts.deliveryId, first.body.deliveryId), eq(deliveryAttempts.ok, true)));
    expect(log).toHaveLength(1);
  }, 120_000);

  it('钉钉 and 飞书: a link to the document’s page, with its number and title in Chinese', async () => {
    const d = await send(robots.dingtalk.targetId);
    const f = await send(robots.feishu.targetId);
    expect([d.status, f.status]).toEqual([202, 202]);
    await until('both links', async () => {
      return (await statusOf(d.body.deliveryId)) === 'sent' && (await statusOf(f.body.deliveryId)) === 'sent';
    });
    const link = `${PUBLIC_URL}/documents/${doc.id}`;
    const ding = robots.dingtalk.robot.received[0]!.body;
    expect(ding).toMatchObject({ msgtype: 'link', link: { title: `${doc.number} ${doc.title}`, messageUrl: link } });
    expect(ding.link.text).toContain(`（${doc.number}），请查收。`);
    expect(ding.link.text).not.toMatch(/[A-Za-z]{2,}|\d{4}-\d{2}-\d{2}/);
    const post = robots.feishu.robot.received[0]!.body;
    expect(post.msg_type).toBe('post');
    expect(post.content.post.zh_cn.title).toBe(`${doc.number} ${doc.title}`);
    expect(post.content.post.zh_cn.content[0]).toContainEqual({ tag: 'a', text: '查看文件', href: link });
  }, 120_000);
});
