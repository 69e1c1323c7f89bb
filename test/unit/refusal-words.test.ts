// Every refusal the system can give has Chinese words in the catalogue, and a background job's failure
// reaches the administrator in Chinese: known reasons worded, unknown ones as a general text with a
// reference — never the English the job stored.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureText, knownRefusal, refusalText } from '../../domain/messages/index.ts';
import { latinSentences } from '../support/latin.ts';

const ROOT = join(import.meta.dirname, '../..');
const files = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

/** The refusal codes written in the source: thrown (Refused, Problem, the helpers that make them), the
 * decider's and the report lifecycle's unions, the code→status table and the API's own answers. */
function refusalCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const add = (code: string, where: string) => {
    if (!codes.has(code)) codes.set(code, where);
  };
  for (const dir of ['domain', 'services', 'api', 'workflows', 'db']) {
    for (const f of files(dir)) {
      const s = readFileSync(join(ROOT, f), 'utf8');
      for (const m of s.matchAll(
        /(?:Refused|ruleBroken|refuse|refused|Problem|base)\(\s*(?:\d+\s*,\s*)?['"]([a-z0-9_]+)['"]/g,
      ))
        add(m[1]!, f);
      for (const m of s.matchAll(/\[\d{3}, '([a-z0-9_]+)'\]/g)) add(m[1]!, f);
      if (dir !== 'domain') for (const m of s.matchAll(/\bcode: '([a-z0-9_]+)'/g)) if (m[1] !== 'custom') add(m[1]!, f);
      for (const union of s.matchAll(/type (?:DomainErrorCode|ReportRefusalCode) =([^;]+);/g))
        for (const m of union[1]!.matchAll(/'([a-z0-9_]+)'/g)) add(m[1]!, f);
    }
  }
  const table = readFileSync(join(ROOT, 'api/plugins/errors.ts'), 'utf8');
  for (const m of table.matchAll(/^ {2}([a-z0-9_]+): \d{3},$/gm)) add(m[1]!, 'api/plugins/errors.ts');
  return codes;
}

describe('refusals in Chinese', () => {
  it('finds the codes it checks (the harvest itself works)', () => {
    const codes = refusalCodes();
    expect(codes.size).toBeGreaterThan(60);
    for (const c of ['invalid_transition', 'separation_of_duties', 'round_not_finished', 'invalid_utf8', 'no_calendar'])
      expect(codes.has(c), c).toBe(true);
  });

  it('has catalogue words for every refusal code in the source', () => {
    const missing = [...refusalCodes()].filter(([code]) => !knownRefusal(code)).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it('words each in Chinese, with no Latin sentence', () => {
    for (const [code] of refusalCodes()) {
      const text = refusalText(code, 'req-1');
      expect(text, code).toMatch(/[\u4e00-\u9fff]/);
      expect(latinSentences(text), code).toEqual([]);
    }
  });

  it('says an unknown code and an internal error with the request reference, not the server English', () => {
    expect(refusalText('fst_err_something_new', 'req-7f3a')).toBe(
      '操作未能完成（参考号 req-7f3a），请把参考号告诉系统管理员',
    );
    expect(refusalText('internal', 'req-7f3a')).toBe('服务器出错，请稍后重试（参考号 req-7f3a）');
    expect(refusalText('separation_of_duties')).toBe('不能审核或复核本人/本单位办理的事项');
  });
});

describe('a background job failure (死信) in Chinese', () => {
  const cases: [string, string][] = [
    [
      'wecom robot at qyapi.example.cn did not answer within 5000 ms',
      '群机器人（qyapi.example.cn）在 5000 毫秒内没有应答',
    ],
    ['dingtalk robot at oapi.example.cn could not be reached: ECONNREFUSED', '连接不上群机器人（oapi.example.cn）'],
    [
      'feishu robot at open.example.cn answered HTTP 502: "bad gateway"',
      '群机器人（open.example.cn）拒收，应答状态码 502',
    ],
    [
      'wecom robot at qyapi.example.cn refused the message: code 93000, "invalid webhook url"',
      '群机器人（qyapi.example.cn）拒收消息，错误码 93000',
    ],
    [
      'wecom robot at h.example.cn answered HTTP 200 with something that is not JSON: "<html>"',
      '群机器人（h.example.cn）的应答无法识别（状态码 200）',
    ],
    ['webhook target 镇办群 is disabled', '群机器人“镇办群”已停用，通知不再投递'],
    ['not a phone number: 138****0000', '手机号码格式不正确（138****0000）'],
    ['SMTP server refused or failed: 550 mailbox unavailable', '邮件服务器拒收或出错'],
    ['e-mail is not configured: set SMTP_URL (and SMTP_FROM)', '未设置邮件服务器，电子邮件无法发送'],
    ['no handler for job "shred" on queue deliver (known: deliver)', '本版本无法处理这种任务（shred）'],
    ['job stalled more than allowable limit', '任务执行中断次数过多（进程重启或超时）'],
  ];
  it.each(cases)('words %s', (reason, zh) => {
    expect(failureText(reason, 'deliver/42')).toBe(zh);
  });

  it('keeps a reason already in Chinese, and says an unknown one with the job reference only', () => {
    expect(failureText('发送时取消：该问题已销号', 'deliver/1')).toBe('发送时取消：该问题已销号');
    const unknown = failureText('TypeError: Cannot read properties of undefined (reading "path")', 'evidence/17');
    expect(unknown).toBe('任务执行出错（参考号 evidence/17），请把参考号告诉技术支持');
    expect(failureText(null, 'imports/3')).toBe('任务执行出错（参考号 imports/3），请把参考号告诉技术支持');
    for (const [reason] of cases) expect(latinSentences(failureText(reason, 'x/1'))).toEqual([]);
  });
});

describe('what counts as a Latin sentence', () => {
  it('finds English words in a row, not a lone name, a file type or a host', () => {
    expect(latinSentences('the item is outside your scope')).toEqual(['the item is outside your scope']);
    expect(latinSentences('错误：Not found. Try again')).toEqual(['Not found. Try again']);
    expect(latinSentences('企业微信、DingTalk、飞书；上传 PDF、Word、Excel；qyapi.weixin.qq.com；.docx')).toEqual([]);
  });
});
