// The typed API client: openapi-fetch over the types generated from the service's OpenAPI document.
// Every request carries the user's token; a 401 signs the user out and sends them to sign in.
import createClient from 'openapi-fetch';
import { isChineseText, refusalText } from '../../../domain/messages/index.ts';
import { t } from '../i18n.ts';
import { session, signOutLocally } from '../session.ts';
import type { components, paths } from './schema';
import { sawResponse } from '../offline/status.ts';

export type Problem = components['schemas']['Problem'];
export type Item = components['schemas']['Item'];
export type ItemDetail = components['schemas']['ItemDetail'];

export const api = createClient<paths>({ baseUrl: '' });

let onSignedOut: () => void = () => {};
export const setSignedOutHandler = (fn: () => void) => {
  onSignedOut = fn;
};

api.use({
  onRequest({ request }) {
    if (session.token) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && session.token && !request.url.endsWith('/auth/login')) {
      signOutLocally();
      onSignedOut();
    }
    return response;
  },
});

/** An API refusal, carrying its problem+json body. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problemMessage(problem));
  }
  get status() {
    return this.problem.status;
  }
  get code() {
    return this.problem.code;
  }
  /** Field errors keyed by the field name ("body.reason" → "reason"). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const field = e.path.replace(/^(body|querystring|params)\./, '').split('.')[0]!;
      out[field] ??= fieldMessage(e.message);
    }
    return out;
  }
}

/** The data of a successful call, or an ApiError (network failures become one too). */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'network',
      status: 0,
      code: 'network',
      detail: t('app.networkError'),
    });
  }
  sawResponse(r.response);
  if (r.response.ok) return r.data as T;
  const body = r.error as Partial<Problem> | undefined;
  throw new ApiError({
    type: body?.type ?? 'about:blank',
    title: body?.title ?? r.response.statusText,
    status: r.response.status,
    code: body?.code ?? 'other',
    detail: body?.detail,
    errors: body?.errors,
    allowed: body?.allowed,
    requestId: body?.requestId,
  });
}

/**
 * A problem in Chinese, worded by the catalogue (domain/messages): a detail the server or this app wrote in
 * Chinese says more than the code's general words and is shown; an English detail stays in the console for
 * support, and a code the catalogue does not know is a general text with the request's reference.
 */
export function problemMessage(p: Problem): string {
  if (p.code === 'network') return refusalText('network');
  if (p.detail && isChineseText(p.detail)) return p.detail;
  if (p.detail) console.info(`[api] ${p.code}: ${p.detail}${p.requestId ? ` (request ${p.requestId})` : ''}`);
  return refusalText(p.code, p.requestId ?? '');
}

// The schema's English messages for common field failures, said in Chinese.
const FIELD_MESSAGES: [RegExp, string][] = [
  [/too small|at least|>=\s*1|Too small/i, '不能为空或过短'],
  [/too big|at most|Too big/i, '内容过长'],
  [/expected YYYY-MM-DD|no such date/i, '日期格式应为 YYYY-MM-DD'],
  [/not a phone number/i, '电话号码格式不正确'],
  [/resident ID/i, '身份证号应为 18 位'],
  [/control characters/i, '含有不允许的控制字符'],
  [/uuid|Invalid UUID/i, '请选择有效的选项'],
  [/deadline.*past|in the past/i, '日期不能早于今天'],
  [/outside the campaign area|unknown unit/i, '该单位不在本整改行动范围内'],
  [/the period overlaps round “(.+?)”/, '与验收轮次“$1”的期间重叠'],
  [/not in this campaign/i, '不属于本整改行动'],
  [/required with veto/i, '一票否决须写明理由'],
  [/not in this round/i, '不是本轮的被考核单位'],
];
export function fieldMessage(m: string): string {
  for (const [re, zh] of FIELD_MESSAGES) {
    const hit = re.exec(m);
    if (hit) return zh.replace('$1', hit[1] ?? '');
  }
  // A message the server wrote in Chinese is shown; an English one is not (it stays in the console).
  if (isChineseText(m)) return m;
  console.info(`[api] field: ${m}`);
  return t('form.invalidField');
}
