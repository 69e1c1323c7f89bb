// Evidence files (佐证材料): upload to an item with progress (XMLHttpRequest, since fetch has no upload
// progress), and fetch a file or thumbnail with the bearer token into a blob URL (the download
// routes take the token in a header, so a plain <img src> or <a href> cannot reach them).
import { t } from '../i18n.ts';
import { session } from '../session.ts';
import { ApiError, api, call, type Problem } from './client.ts';
import type { components } from './schema';

export type Attachment = components['schemas']['Attachment'];
export type EvidenceWarning = components['schemas']['EvidenceWarning'];
export type EvidencePurpose = 'progress' | 'submission' | 'milestone' | 'recheck';

/** Uploads one file; onProgress gets 0..100. Resolves to the stored attachment, rejects with an ApiError. */
export function uploadEvidence(
  itemId: string,
  purpose: EvidencePurpose,
  file: File,
  onProgress: (pct: number) => void,
): Promise<Attachment> {
  return uploadFile(`/api/v1/items/${encodeURIComponent(itemId)}/attachments?purpose=${purpose}`, file, onProgress);
}

/** The same to any upload endpoint of the API (a monthly report's files). An idempotency key makes a
 * repeated upload (the offline outbox trying again) answer with the file stored the first time. */
export function uploadFile(
  url: string,
  file: File,
  onProgress: (pct: number) => void,
  idempotencyKey?: string,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (session.token) xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    if (idempotencyKey) xhr.setRequestHeader('idempotency-key', idempotencyKey);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () =>
      reject(
        new ApiError({
          type: 'about:blank',
          title: 'network',
          status: 0,
          code: 'network',
          detail: t('app.networkError'),
        }),
      );
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: said below */
      }
      if (xhr.status === 201) {
        const a = (body as { attachments?: Attachment[] } | null)?.attachments?.[0];
        if (a) {
          onProgress(100);
          resolve(a);
          return;
        }
      }
      const p = (body ?? {}) as Partial<Problem>;
      reject(
        new ApiError({
          type: p.type ?? 'about:blank',
          title: p.title ?? xhr.statusText,
          status: xhr.status,
          code: p.code ?? 'other',
          detail: p.detail ?? `HTTP ${xhr.status}`,
          requestId: p.requestId,
        }),
      );
    };
    const data = new FormData();
    data.append('file', file, file.name);
    xhr.send(data);
  });
}

export async function itemAttachments(itemId: string): Promise<Attachment[]> {
  return (await call(api.GET('/api/v1/items/{id}/attachments', { params: { path: { id: itemId } } }))).attachments;
}

/** A blob: URL for an API file path, fetched with the token. The caller owns it (URL.revokeObjectURL). */
async function fetchBlobUrl(path: string): Promise<string> {
  const r = await fetch(path, { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return URL.createObjectURL(await r.blob());
}

const blobs = new Map<string, Promise<string>>();
/** A blob: URL for a thumbnail, fetched once per page and shared by every list that shows it (never revoked). */
export function blobUrl(path: string): Promise<string> {
  let p = blobs.get(path);
  if (!p) {
    p = fetchBlobUrl(path);
    p.catch(() => blobs.delete(path));
    blobs.set(path, p);
  }
  return p;
}

/** How long an opened file's blob: URL lives: the new tab or the download has read it long before. */
const OPENED_FILE_URL_MS = 60_000;

/**
 * A photo at full size for the app's viewer (EvidenceFiles.vue), fetched for this viewing: the caller revokes
 * it when the viewer closes. A full-size photo is megabytes, and a phone that kept every one opened until the
 * page closed would run out of memory on a long day of sign-offs.
 */
export const photoForViewing = (a: Attachment) => fetchBlobUrl(a.url);

/**
 * Opens a PDF in a new tab, or saves another file under its own name. The file is fetched for this opening and
 * let go a minute later, as photoForViewing's are.
 */
export async function openAttachment(a: Attachment) {
  const url = await fetchBlobUrl(a.url);
  const link = document.createElement('a');
  link.href = url;
  if (a.contentType === 'application/pdf') link.target = '_blank';
  else link.download = a.fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), OPENED_FILE_URL_MS);
}

export async function dismissEvidenceWarning(itemId: string, warningId: string, reason: string) {
  return call(
    api.POST('/api/v1/items/{id}/evidence-warnings/{warningId}/dismiss', {
      params: { path: { id: itemId, warningId } },
      body: { reason },
    }),
  );
}
