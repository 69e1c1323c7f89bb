// Official documents (公文): issue one with the office's next 发文字号, then save its .docx (or PDF).
import { t } from '../i18n.ts';
import { session } from '../session.ts';
import { ApiError, type Problem } from './client.ts';
import { download, downloadWhenReady } from './files.ts';

export interface IssuedDocument {
  id: string;
  number: string;
  title: string;
  docx: string;
  pdf: string;
}

/** POSTs the issue request; resolves to the issued document (its number and download paths). */
export async function issueDocument(path: string, body: Record<string, unknown> = {}): Promise<IssuedDocument> {
  let r: Response;
  try {
    r = await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'network',
      status: 0,
      code: 'network',
      detail: t('app.networkError'),
    });
  }
  const json = (await r.json().catch(() => ({}))) as Partial<Problem> & Partial<IssuedDocument>;
  if (!r.ok)
    throw new ApiError({
      type: json.type ?? 'about:blank',
      title: json.title ?? r.statusText,
      status: r.status,
      code: json.code ?? 'other',
      detail: json.detail ?? `HTTP ${r.status}`,
      requestId: json.requestId,
    });
  return json as IssuedDocument;
}

export const saveDocx = (d: IssuedDocument) => download(d.docx, `${d.number}${d.title}.docx`);
export const savePdf = (d: IssuedDocument) => downloadWhenReady(d.pdf, `${d.title}.pdf`);
