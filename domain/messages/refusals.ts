// Refusals and background failures as a person reads them. A refusal has a stable code; its words come
// from the catalogue. A job's failure is an English sentence the system wrote (BullMQ keeps a string);
// the known ones are recognised and worded, any other is a generic text with the job's reference, so
// no English reaches the screen and support can still find the job.
import { isMessageCode, type MessageCode, render } from './index.ts';

/** A Latin-letter sentence: two or more words of Latin letters in a row (a lone product name, .docx,
 * PDF、Word、Excel or a host name such as qyapi.weixin.qq.com is not one). What "no English reaches a
 * person" checks for. */
export const LATIN_SENTENCE = /[A-Za-z]{2,}(?:(?:[ ,:;()'-]|\.\s)+[A-Za-z]{2,})+/;

/** Has this text a Latin-letter sentence in it? */
export const hasLatinSentence = (text: string) => LATIN_SENTENCE.test(text);

/** Is a text the server wrote fit to show as it is: Chinese, and no Latin sentence in it? */
export const isChineseText = (text: string) => /[\u4e00-\u9fff]/.test(text) && !hasLatinSentence(text);

/** Is there a catalogue text for this refusal code? */
export const knownRefusal = (code: string) => isMessageCode(`refusal.${code}`);

/** The words for a refusal code; an unknown code is a generic text carrying the request's reference. */
export function refusalText(code: string, ref = ''): string {
  const key = `refusal.${code}`;
  const params = { ref: ref || '无' };
  return render({ code: isMessageCode(key) ? key : 'refusal.unknown', params });
}

const FAILURES: { re: RegExp; to: (m: RegExpExecArray) => { code: MessageCode; params?: Record<string, string> } }[] = [
  {
    re: /robot at (\S+) did not answer within (\d+) ms/,
    to: (m) => ({ code: 'failure.robot_timeout', params: { host: m[1]!, ms: m[2]! } }),
  },
  {
    re: /robot at (\S+) could not be reached/,
    to: (m) => ({ code: 'failure.robot_unreachable', params: { host: m[1]! } }),
  },
  {
    re: /robot at (\S+) answered a redirect/,
    to: (m) => ({ code: 'failure.robot_redirect', params: { host: m[1]! } }),
  },
  {
    re: /robot at (\S+) answered HTTP (\d+) with something that is not JSON/,
    to: (m) => ({ code: 'failure.robot_not_json', params: { host: m[1]!, status: m[2]! } }),
  },
  {
    re: /robot at (\S+) answered HTTP (\d+)/,
    to: (m) => ({ code: 'failure.robot_http', params: { host: m[1]!, status: m[2]! } }),
  },
  {
    re: /robot at (\S+) refused the message: code ([^,]*),/,
    to: (m) => ({ code: 'failure.robot_refused', params: { host: m[1]!, code: m[2]!.replace(/"/g, '') } }),
  },
  { re: /^webhook URL /, to: () => ({ code: 'failure.robot_bad_url' }) },
  { re: /^webhook target \S+ was removed/, to: () => ({ code: 'failure.robot_removed' }) },
  { re: /^webhook target (.+) is disabled$/, to: (m) => ({ code: 'failure.robot_disabled', params: { name: m[1]! } }) },
  { re: /not a phone number: (\S*)/, to: (m) => ({ code: 'failure.not_a_phone', params: { phone: m[1]! } }) },
  { re: /^SMTP server refused or failed/, to: () => ({ code: 'failure.smtp' }) },
  { re: /^e-mail is not configured/, to: () => ({ code: 'failure.no_smtp' }) },
  { re: /^delivery \S+ does not exist/, to: () => ({ code: 'failure.delivery_gone' }) },
  { re: /^no handler for job "([^"]+)"/, to: (m) => ({ code: 'failure.no_handler', params: { job: m[1]! } }) },
  { re: /^payload of (\S+) does not match/, to: (m) => ({ code: 'failure.bad_payload', params: { job: m[1]! } }) },
  { re: /stalled more than allowable limit/, to: () => ({ code: 'failure.stalled' }) },
];

/**
 * Why a background job failed, in Chinese: a reason the system is known to write is worded from the
 * catalogue; a reason already in Chinese is kept; anything else says only that the job failed, with
 * `ref` (queue and job id) for support, who read the original reason beside the job.
 */
export function failureText(reason: string | null | undefined, ref: string): string {
  const text = reason ?? '';
  for (const { re, to } of FAILURES) {
    const m = re.exec(text);
    if (m) return render(to(m));
  }
  if (isChineseText(text)) return text;
  return render({ code: 'failure.unknown', params: { ref } });
}
