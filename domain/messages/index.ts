// Rendering the system's own texts from the catalogue. A message is a code with parameters; events
// written since carry it (`message`) beside the rendered text, and texts stored before codes existed
// (English sentences) are recognised and worded again, so an old trail reads the same as a new one.
import { type MessageCode, ZH_CN } from './zh-CN.ts';

export { type MessageCode, ZH_CN } from './zh-CN.ts';

export type MessageParams = Record<string, string | number>;
export interface Message {
  code: MessageCode;
  params?: MessageParams;
}

export function isMessageCode(code: string): code is MessageCode {
  return Object.hasOwn(ZH_CN, code);
}

/** The text of a message; an unknown placeholder stays visible rather than vanishing. */
export function render(m: Message): string {
  const params = m.params ?? {};
  return ZH_CN[m.code].replace(/\{(\w+)\}/g, (_, k: string) =>
    params[k] !== undefined ? String(params[k]) : `{${k}}`,
  );
}

/** A queue's or a job's name as the administrator reads it; an unknown one as it is. */
export function queueName(name: string): string {
  const code = `queue.${name}`;
  return isMessageCode(code) ? render({ code }) : name;
}
export function jobName(name: string): string {
  const code = `job.${name}`;
  return isMessageCode(code) ? render({ code }) : name;
}

const STATUS_WORD: Record<string, string> = {
  closed: '销号',
  verified: '复核通过',
  dismissed: '核销（不属实）',
};

/** English sentences the system stored before this catalogue (events are never rewritten). */
const LEGACY: { re: RegExp; to: (m: RegExpExecArray) => Message }[] = [
  {
    re: /^overdue since (\S+): flagged for supervision \(挂牌督办\)$/,
    to: (m) => ({ code: 'flag.overdue_escalation', params: { since: m[1]! } }),
  },
  {
    re: /^assigned (\S+), no measures recorded within (\d+) month\(s\) \(纳而不帮\)$/,
    to: (m) => ({ code: 'quality.included_not_helped', params: { assignedOn: m[1]!, months: m[2]! } }),
  },
  {
    re: /^reported (\S+) and closed (\S+) without substantive measures \(快进快出\)$/,
    to: (m) => ({ code: 'quality.fast_in_fast_out', params: { reportedOn: m[1]!, closedOn: m[2]! } }),
  },
  {
    re: /^the item is (closed|verified|dismissed) \(.*\) now$/,
    to: (m) => ({ code: 'cause_gone.closed', params: { status: STATUS_WORD[m[1]!]! } }),
  },
  {
    re: /^the deadline moved from (\S+) to (\S+)$/,
    to: (m) => ({ code: 'cause_gone.deadline_moved', params: { from: m[1]!, to: m[2]! } }),
  },
  { re: /^the item went to another unit$/, to: () => ({ code: 'cause_gone.moved' }) },
  { re: /^the unit has applied for closure \(申请销号\)$/, to: () => ({ code: 'cause_gone.submitted' }) },
  { re: /^the closure application was reviewed$/, to: () => ({ code: 'cause_gone.reviewed' }) },
  { re: /^the recheck was done$/, to: () => ({ code: 'cause_gone.recheck_done' }) },
];

/**
 * A stored text as a person should read it: the message when the record carries one, an old English
 * sentence of the system's worded again, anything else (what a person wrote) unchanged.
 */
export function localize(text: string, message?: Message | null): string {
  if (message && isMessageCode(message.code)) return render(message);
  for (const { re, to } of LEGACY) {
    const m = re.exec(text);
    if (m) return render(to(m));
  }
  return text;
}

/** The status word used in "该问题已…" (cause_gone.closed). */
export function closedWord(status: string): string {
  return STATUS_WORD[status] ?? status;
}

/**
 * The bulletin's title as an office words it: the period first, the campaign, then 验收排名情况的通报 —
 * a round named 「2026年第三季度验收」 does not repeat 验收, and the campaign's 「(2026年)」 is dropped when
 * the period already names the year.
 */
export function bulletinTitle(campaign: string, roundName: string): string {
  return render({ code: 'bulletin.title', params: bulletinTitleParams(campaign, roundName) });
}

/** The period and the campaign as the title says them (the 公文 layout breaks its lines at their edges). */
export function bulletinTitleParams(campaign: string, roundName: string): { period: string; campaign: string } {
  const period = roundName.replace(/\s*验收(轮次)?$/, '').trim();
  const year = /(\d{4})年/.exec(period)?.[1];
  return { period, campaign: year ? campaign.replace(new RegExp(`\\s*[(（]${year}年?[)）]$`), '') : campaign };
}

export { failureText, hasLatinSentence, isChineseText, knownRefusal, LATIN_SENTENCE, refusalText } from './refusals.ts';
