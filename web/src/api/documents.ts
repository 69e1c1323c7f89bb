// Official documents (公文): issue one with the office's next 发文字号, then save its .docx (or PDF);
// list a subject's issued documents; send one to a unit's group robot.
import { t } from '../i18n.ts';
import { session } from '../session.ts';
import { ApiError, api, call, type Problem } from './client.ts';
import { download, downloadWhenReady } from './files.ts';

export interface IssuedDocument {
  id: string;
  number: string;
  title: string;
  kind: string;
  issuedAt: string;
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
        // One key per click: a retried request (lost answer) is answered once, never numbered twice.
        'idempotency-key': crypto.randomUUID(),
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

/** The issued documents of a campaign (one subject's, one kind's, one period's), newest first. */
export async function listDocuments(
  campaignId: string,
  q: { subjectId?: string; kind?: string; period?: string },
): Promise<IssuedDocument[]> {
  const data = await call(
    api.GET('/api/v1/campaigns/{id}/documents', { params: { path: { id: campaignId }, query: q as never } }),
  );
  return data.documents;
}

export const documentById = (id: string) => call(api.GET('/api/v1/documents/{id}', { params: { path: { id } } }));

export const robotsOf = async (id: string) =>
  (await call(api.GET('/api/v1/documents/{id}/robots', { params: { path: { id } } }))).robots;

export const sendToRobot = (id: string, targetId: string) =>
  call(
    api.POST('/api/v1/documents/{id}/robot-messages', {
      params: { path: { id } },
      body: { targetId },
      headers: { 'idempotency-key': crypto.randomUUID() },
    }),
  );
