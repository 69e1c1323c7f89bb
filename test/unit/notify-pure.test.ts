// Pure parts of notifications: which events tell whom, quiet hours, the webhook allow-list and the
// robot message formats and signatures.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../bin/config.ts';
import { noticeFor } from '../../domain/notice/derive.ts';
import { dingtalkSign, feishuSign, webhookRequest, webhookUrlProblem } from '../../workers/notify/channels/webhook.ts';
import { quietUntil } from '../../workers/notify/notifier.ts';
import { A, storyAt } from './support/fixtures.ts';

describe('who hears of what', () => {
  it('tells the handlers and the assigning unit of a missed deadline; escalation climbs with the level', () => {
    const s = storyAt('in_progress');
    const events = s.do({ type: 'tick' }, null, '2026-06-30T00:00:00.000Z');
    const audiences = events
      .map((e) => noticeFor(e, s.state))
      .filter(Boolean)
      .map((n) => `${n!.kind}:${n!.audiences.join('+')}`);
    // The reminders' moment passed before this late tick: they are dropped, not told (issue 15 §5).
    expect(audiences).toEqual([
      'deadline_missed:responsible_handlers+assigning_unit',
      'escalated:responsible_handlers+assigning_unit',
      'escalated:unit_head+responsible_handlers+assigning_unit',
      'escalated:supervising_office+unit_head+assigning_unit',
      'escalated:supervising_office+unit_head+responsible_handlers+assigning_unit',
    ]);
  });

  it('is silent on events nobody needs to hear (progress, comments, a flag set by escalation)', () => {
    const s = storyAt('in_progress');
    const [progress] = s.do({ type: 'record_progress', note: '已入户' }, A.handler, '2026-03-05T01:00:00.000Z');
    expect(noticeFor(progress!, s.state)).toBeNull();
    const flagged = s.do({ type: 'tick' }, null, '2026-06-30T00:00:00.000Z').find((e) => e.type === 'ItemFlagged')!;
    expect(noticeFor(flagged, s.state)).toBeNull();
  });
});

describe('quiet hours for SMS (22:00–07:00 Asia/Shanghai)', () => {
  it.each([
    ['2026-06-01T13:59:59.000Z', null], // 21:59:59
    ['2026-06-01T14:00:00.000Z', '2026-06-01T23:00:00.000Z'], // 22:00 → 07:00 next day
    ['2026-06-01T22:59:59.000Z', '2026-06-01T23:00:00.000Z'], // 06:59:59
    ['2026-06-01T23:00:00.000Z', null], // 07:00
    ['2026-12-31T15:30:00.000Z', '2026-12-31T23:00:00.000Z'], // 23:30 on New Year's Eve → 07:00 on Jan 1
  ])('%s → %s', (at, until) => expect(quietUntil(at)).toBe(until));
});

describe('webhook allow-list', () => {
  const allowed = ['qyapi.weixin.qq.com', '*.feishu.cn', '127.0.0.1'];
  it.each([
    ['https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', null],
    ['https://open.feishu.cn/open-apis/bot/v2/hook/x', null],
    ['http://127.0.0.1:8080/x', null],
    ['https://feishu.cn.evil.example/x', /not on the webhook allow-list/],
    ['https://qyapi.weixin.qq.com.evil.example/x', /not on the webhook allow-list/],
    ['http://[::1]/x', /host ::1 is not on/],
    ['gopher://127.0.0.1/x', /only http and https/],
    ['http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', /plain http/],
    ['http://open.feishu.cn/open-apis/bot/v2/hook/x', /plain http/],
    ['https://a:b@qyapi.weixin.qq.com/x', /user name or password/],
    ['qyapi.weixin.qq.com/x', /not a valid URL/],
  ])('%s', (url, expected) => {
    const why = webhookUrlProblem(url, allowed);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });
  it('reads WEBHOOK_ALLOWED_HOSTS as a trimmed, lower-case list with the three platforms by default', () => {
    expect(loadConfig({}).WEBHOOK_ALLOWED_HOSTS).toEqual([
      'qyapi.weixin.qq.com',
      'oapi.dingtalk.com',
      'open.feishu.cn',
    ]);
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' Robots.Example.cn , ,127.0.0.1' }).WEBHOOK_ALLOWED_HOSTS).toEqual([
      'robots.example.cn',
      '127.0.0.1',
    ]);
  });
});

describe('robot formats and signatures', () => {
  const msg = { title: '【逾期】「某户未参保」', body: '请立即整改' };
  it('DingTalk: HmacSHA256 over "timestamp\\nsecret", base64, in the query with the ms timestamp', () => {
    const expected = createHmac('sha256', 'SECxyz').update('1700000000000\nSECxyz').digest('base64');
    expect(dingtalkSign('SECxyz', 1700000000000)).toBe(expected);
    const r = webhookRequest(
      'dingtalk',
      'https://oapi.dingtalk.com/robot/send?access_token=t',
      'SECxyz',
      msg,
      1700000000000,
    );
    const u = new URL(r.url);
    expect([u.searchParams.get('access_token'), u.searchParams.get('timestamp'), u.searchParams.get('sign')]).toEqual([
      't',
      '1700000000000',
      expected,
    ]);
    expect(r.body).toEqual({
      msgtype: 'markdown',
      markdown: { title: msg.title, text: `#### ${msg.title}\n${msg.body}` },
    });
  });
  it('Feishu: HmacSHA256 keyed by "timestamp\\nsecret" over nothing, base64, in the body with the s timestamp', () => {
    const expected = createHmac('sha256', '1700000000\nfs').update('').digest('base64');
    expect(feishuSign('fs', 1700000000)).toBe(expected);
    expect(
      webhookRequest('feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/x', 'fs', msg, 1700000000999).body,
    ).toEqual({
      timestamp: '1700000000',
      sign: expected,
      msg_type: 'text',
      content: { text: `${msg.title}\n${msg.body}` },
    });
  });
  it('WeCom: markdown, unsigned (the key is in the URL)', () => {
    expect(webhookRequest('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', null, msg, 0)).toEqual({
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
      body: { msgtype: 'markdown', markdown: { content: `**${msg.title}**\n${msg.body}` } },
    });
  });
});
