// A document on a group robot: 企业微信 robots take files — uploaded first to the robot's upload_media
// address (same key), then sent as a file message by its media_id; 钉钉 and 飞书 custom robots take no
// files, so they get a link to the document's page in the web (PUBLIC_URL), where people sign in to read it.
import type { Db } from '../../../db/client.ts';
import { issuedById } from '../../../db/queries/documents.ts';
import type { WebhookTargetRow } from '../../../db/schema.ts';
import { documentPdf } from '../../../services/documents.ts';
import type { FileStore } from '../../../storage/file-store.ts';
import { PermanentDeliveryError, robotAnswer, type WebhookMessage, webhookUrlProblem } from './webhook.ts';

/** WeCom's limit for a robot's file. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

export async function documentMessage(
  deps: { db: Db; store?: FileStore; publicUrl?: string; allowedHosts: readonly string[]; timeoutMs: number },
  target: Pick<WebhookTargetRow, 'kind' | 'url'>,
  msg: WebhookMessage,
  documentId: string,
): Promise<WebhookMessage> {
  const doc = await issuedById(deps.db, documentId);
  if (!doc) throw new PermanentDeliveryError(`文件已不存在（${documentId}）`);
  if (target.kind !== 'wecom') {
    if (!deps.publicUrl)
      throw new PermanentDeliveryError(
        `a ${target.kind} robot takes only a link, and no public address is set (PUBLIC_URL)`,
      );
    return { ...msg, attach: { link: new URL(`/documents/${doc.id}`, deps.publicUrl).toString() } };
  }
  const pdf = await documentPdf({ db: deps.db, store: deps.store }, doc.id);
  if (pdf.length > MAX_FILE_BYTES)
    throw new PermanentDeliveryError(`the PDF is ${pdf.length} bytes, over the robot's 20 MB for a file`);
  const mediaId = await uploadWecomFile(target.url, `${doc.number}${doc.title}.pdf`, pdf, deps);
  return { ...msg, attach: { mediaId } };
}

/** Upload a file for a WeCom robot; resolves with its media_id (valid three days). */
export async function uploadWecomFile(
  webhookUrl: string,
  name: string,
  bytes: Buffer,
  opts: { allowedHosts: readonly string[]; timeoutMs: number },
): Promise<string> {
  const problem = webhookUrlProblem(webhookUrl, opts.allowedHosts);
  if (problem) throw new PermanentDeliveryError(`webhook URL ${problem}`);
  const send = new URL(webhookUrl);
  const key = send.searchParams.get('key');
  if (!key)
    throw new PermanentDeliveryError('the 企业微信 robot URL carries no key, so no file can be uploaded for it');
  const upload = new URL(send.pathname.replace(/\/send$/, '/upload_media'), send);
  upload.searchParams.set('key', key);
  upload.searchParams.set('type', 'file');
  const form = new FormData();
  form.append('media', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
  const where = `wecom robot at ${send.host} (file upload)`;
  let res: Response;
  try {
    res = await fetch(upload, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new Error(`${where} did not answer within ${opts.timeoutMs} ms`);
    throw new Error(`${where} could not be reached: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  const json = await robotAnswer(res, where);
  if (typeof json.media_id !== 'string' || json.media_id === '')
    throw new Error(`${where} answered without a media_id`);
  return json.media_id;
}
