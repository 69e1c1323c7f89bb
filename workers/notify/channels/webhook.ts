// Group-robot webhooks in the formats WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) accept.
// DingTalk and Feishu robots with 加签 check a timestamp and an HMAC-SHA256 signature; WeCom robots
// carry their key in the URL. Requests go only to hosts on the configured allow-list, so a webhook
// field can never be used to reach arbitrary internal addresses.
import { createHmac } from 'node:crypto';
import type { WebhookKind } from '../../../db/schema.ts';
import { webhookUrlProblem } from '../../../services/webhook-url.ts';

export class PermanentDeliveryError extends Error {}

export { webhookUrlProblem };

/** DingTalk: sign = Base64(HmacSHA256(key = secret, "timestamp\nsecret")), timestamp in ms, both in the query. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Feishu: sign = Base64(HmacSHA256(key = "timestamp\nsecret", empty message)), timestamp in seconds, both in the body. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

export interface WebhookMessage {
  title: string;
  body: string;
  /** A document sent along: WeCom posts it as a file (uploaded first, `mediaId`), DingTalk and Feishu as a link. */
  attach?: { mediaId?: string; link?: string };
}

export function webhookRequest(
  kind: WebhookKind,
  url: string,
  secret: string | null,
  msg: WebhookMessage,
  nowMs: number,
): { url: string; body: unknown } {
  const link = msg.attach?.link;
  switch (kind) {
    case 'wecom':
      if (msg.attach?.mediaId) return { url, body: { msgtype: 'file', file: { media_id: msg.attach.mediaId } } };
      if (link)
        return {
          url,
          body: { msgtype: 'news', news: { articles: [{ title: msg.title, description: msg.body, url: link }] } },
        };
      return { url, body: { msgtype: 'markdown', markdown: { content: `**${msg.title}**\n${msg.body}` } } };
    case 'dingtalk': {
      let target = url;
      if (secret) {
        const u = new URL(url);
        u.searchParams.set('timestamp', String(nowMs));
        u.searchParams.set('sign', dingtalkSign(secret, nowMs));
        target = u.toString();
      }
      if (link)
        return { url: target, body: { msgtype: 'link', link: { title: msg.title, text: msg.body, messageUrl: link } } };
      return {
        url: target,
        body: { msgtype: 'markdown', markdown: { title: msg.title, text: `#### ${msg.title}\n${msg.body}` } },
      };
    }
    case 'feishu': {
      const ts = Math.floor(nowMs / 1000);
      const signed = secret ? { timestamp: String(ts), sign: feishuSign(secret, ts) } : {};
      if (link)
        return {
          url,
          body: {
            ...signed,
            msg_type: 'post',
            content: {
              post: {
                zh_cn: {
                  title: msg.title,
                  content: [
                    [
                      { tag: 'text', text: `${msg.body}\n` },
                      { tag: 'a', text: '查看文件', href: link },
                    ],
                  ],
                },
              },
            },
          },
        };
      return { url, body: { ...signed, msg_type: 'text', content: { text: `${msg.title}\n${msg.body}` } } };
    }
    default: {
      const _exhaustive: never = kind;
      throw new PermanentDeliveryError(`unknown webhook kind ${String(_exhaustive)}`);
    }
  }
}

/** Post to a robot. Resolves with a short description of the answer; throws with a readable reason. */
export async function postWebhook(
  target: { kind: WebhookKind; url: string; secret: string | null },
  msg: WebhookMessage,
  opts: { allowedHosts: readonly string[]; timeoutMs: number; nowMs: number },
): Promise<string> {
  const problem = webhookUrlProblem(target.url, opts.allowedHosts);
  if (problem) throw new PermanentDeliveryError(`webhook URL ${problem}`);
  const req = webhookRequest(target.kind, target.url, target.secret, msg, opts.nowMs);
  const where = `${target.kind} robot at ${new URL(target.url).host}`;
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(req.body),
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new Error(`${where} did not answer within ${opts.timeoutMs} ms`);
    throw new Error(`${where} could not be reached: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  await robotAnswer(res, where);
  return `HTTP ${res.status}, code 0`;
}

/** The robot's JSON answer when it accepted (code 0); throws with a readable reason otherwise. */
export async function robotAnswer(res: Response, where: string): Promise<Record<string, unknown>> {
  const text = await res.text().catch(() => '');
  const snippet = JSON.stringify(text.slice(0, 200));
  if (res.status >= 300 && res.status < 400)
    throw new PermanentDeliveryError(`${where} answered a redirect (HTTP ${res.status}); redirects are not followed`);
  if (!res.ok) throw new Error(`${where} answered HTTP ${res.status}: ${snippet}`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${where} answered HTTP ${res.status} with something that is not JSON: ${snippet}`);
  }
  // WeCom and DingTalk answer {errcode, errmsg}; Feishu {code, msg} (older versions {StatusCode}).
  const code = json.errcode ?? json.code ?? json.StatusCode;
  if (code !== 0)
    throw new Error(
      `${where} refused the message: code ${JSON.stringify(code ?? null)}, ${JSON.stringify(json.errmsg ?? json.msg ?? json.StatusMessage ?? '')}`,
    );
  return json;
}
