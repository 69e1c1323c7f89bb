// Item commands as the API names them: one endpoint per command, the body type taken from the
// generated schema (so a changed endpoint breaks the build), the item version sent as If-Match.
import { ApiError, api, call, type Item } from './client.ts';
import type { paths } from './schema';

export const COMMAND_PATHS = {
  assign: '/api/v1/items/{id}/assign',
  accept: '/api/v1/items/{id}/accept',
  record_progress: '/api/v1/items/{id}/progress',
  request_extension: '/api/v1/items/{id}/request-extension',
  decide_extension: '/api/v1/items/{id}/decide-extension',
  transfer: '/api/v1/items/{id}/transfer',
  submit: '/api/v1/items/{id}/submit',
  approve: '/api/v1/items/{id}/approve',
  reject: '/api/v1/items/{id}/reject',
  recheck: '/api/v1/items/{id}/recheck',
  dismiss: '/api/v1/items/{id}/dismiss',
  flag: '/api/v1/items/{id}/flag',
  unflag: '/api/v1/items/{id}/unflag',
  comment: '/api/v1/items/{id}/comments',
} as const satisfies Record<string, keyof paths>;

export type ItemAction = keyof typeof COMMAND_PATHS | 'complete_milestone';
export type CommandBody<K extends keyof typeof COMMAND_PATHS> =
  paths[(typeof COMMAND_PATHS)[K]]['post']['requestBody']['content']['application/json'];
type MilestoneBody =
  paths['/api/v1/items/{id}/milestones/{milestoneId}/complete']['post']['requestBody']['content']['application/json'];

/** The actions this screen offers forms for, in the order they are shown (domain names). */
export const ACTIONS: ItemAction[] = [
  'accept',
  'assign',
  'record_progress',
  'complete_milestone',
  'submit',
  'approve',
  'reject',
  'recheck',
  'request_extension',
  'decide_extension',
  'transfer',
  'flag',
  'unflag',
  'dismiss',
  'comment',
];

/**
 * The Idempotency-Key of each command whose answer was lost (network gone, 5xx — e.g. 503 with `applied:
 * "unknown"` while the engine is slow): pressing send again for the same item, version and body sends the
 * same key, so the server applies it once whether or not the first attempt went through. A definite answer
 * (success, or a 4xx refusal) forgets it.
 */
const unsettled = new Map<string, string>();

async function once<T>(signature: unknown, send: (key: string) => Promise<T>): Promise<T> {
  const id = JSON.stringify(signature);
  const key = unsettled.get(id) ?? crypto.randomUUID();
  unsettled.set(id, key);
  try {
    const out = await send(key);
    unsettled.delete(id);
    return out;
  } catch (e) {
    const lost = e instanceof ApiError && (e.status === 0 || e.status >= 500);
    if (!lost) unsettled.delete(id);
    throw e;
  }
}

export async function runCommand<K extends keyof typeof COMMAND_PATHS>(
  action: K,
  id: string,
  version: number,
  body: CommandBody<K>,
): Promise<Item> {
  const path = COMMAND_PATHS[action] as '/api/v1/items/{id}/assign';
  return once([path, id, version, body], (key) =>
    call(
      api.POST(path, {
        params: { path: { id }, header: { 'if-match': `"${version}"` } },
        headers: { 'idempotency-key': key },
        body: body as CommandBody<'assign'>,
      }),
    ),
  );
}

export async function completeMilestone(
  id: string,
  milestoneId: string,
  version: number,
  body: MilestoneBody,
): Promise<Item> {
  return once(['complete', id, milestoneId, version, body], (key) =>
    call(
      api.POST('/api/v1/items/{id}/milestones/{milestoneId}/complete', {
        params: { path: { id, milestoneId }, header: { 'if-match': `"${version}"` } },
        headers: { 'idempotency-key': key },
        body,
      }),
    ),
  );
}
