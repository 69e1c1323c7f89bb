// Downloads and multipart posts the typed client does not cover: the bearer token goes in a header,
// the file is saved under the name the server gives (Content-Disposition, UTF-8 names).
import { t } from '../i18n.ts';
import { session } from '../session.ts';
import { ApiError, type Problem } from './client.ts';

const auth = (): Record<string, string> => (session.token ? { authorization: `Bearer ${session.token}` } : {});

async function problemOf(r: Response): Promise<ApiError> {
  const body = (await r.json().catch(() => ({}))) as Partial<Problem>;
  return new ApiError({
    type: body.type ?? 'about:blank',
    title: body.title ?? r.statusText,
    status: r.status,
    code: body.code ?? 'other',
    detail: body.detail ?? `HTTP ${r.status}`,
    requestId: body.requestId,
  });
}
const networkError = () =>
  new ApiError({ type: 'about:blank', title: 'network', status: 0, code: 'network', detail: t('app.networkError') });

function fileNameOf(r: Response, fallback: string): string {
  const cd = r.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]!);
  const plain = /filename="([^"]+)"/i.exec(cd);
  return plain ? plain[1]! : fallback;
}

/** GETs an API file and saves it; resolves to the saved file name. */
export async function download(path: string, fallbackName: string): Promise<string> {
  let r: Response;
  try {
    r = await fetch(path, { headers: auth() });
  } catch {
    throw networkError();
  }
  if (!r.ok) throw await problemOf(r);
  const name = fileNameOf(r, fallbackName);
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** POSTs one file as multipart/form-data (field `file`); resolves to the JSON answer. */
export async function postFile<T>(path: string, file: File): Promise<T> {
  const data = new FormData();
  data.append('file', file, file.name);
  let r: Response;
  try {
    r = await fetch(path, { method: 'POST', headers: auth(), body: data });
  } catch {
    throw networkError();
  }
  if (!r.ok) throw await problemOf(r);
  return (await r.json()) as T;
}

/**
 * GETs a file that the server may still be making (202 + Retry-After, e.g. a document's PDF in the
 * background queue): asks again after the server's delay, up to `maxWaitMs`, then saves it.
 */
export async function downloadWhenReady(path: string, fallbackName: string, maxWaitMs = 90_000): Promise<string> {
  const until = Date.now() + maxWaitMs;
  for (;;) {
    let r: Response;
    try {
      r = await fetch(path, { method: 'HEAD', headers: auth() });
    } catch {
      throw networkError();
    }
    if (r.status !== 202) break;
    if (Date.now() > until)
      throw new ApiError({
        type: 'about:blank',
        title: 'busy',
        status: 202,
        code: 'converting',
        detail: t('documents.stillConverting'),
      });
    const wait = Number(r.headers.get('retry-after') ?? '5') * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 10_000)));
  }
  return download(path, fallbackName);
}
