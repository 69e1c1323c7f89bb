// Work written without a network (a village with weak signal): a progress report, a sign-off
// application or a 月报 draft, with its photos, kept on the device (IndexedDB) and sent when the network
// returns. Each entry carries the Idempotency-Key made when the cadre pressed send, and each of its files
// a key derived from it, so a send that was cut off half-way and tried again never doubles anything:
// the server answers a repeated key with its first answer.
import { createStore, del, entries, set } from 'idb-keyval';
import { reactive, toRaw } from 'vue';
import { ApiError, problemMessage } from '../api/client.ts';
import { uploadFile } from '../api/evidence.ts';
import { session } from '../session.ts';

export interface OutboxFile {
  name: string;
  type: string;
  blob: Blob;
  /** The attachment id once uploaded (kept, so a second try skips it). */
  id: string | null;
}
export interface OutboxEntry {
  /** The Idempotency-Key of the command; also the entry's id. */
  key: string;
  userId: string;
  createdAt: string;
  /** What the waiting list says: 「整改进展：…」. */
  title: string;
  /** Where the files go and where the command goes (JSON POST). */
  uploadUrl: string;
  commandUrl: string;
  body: Record<string, unknown>;
  /** The body's list of file ids the uploaded files are added to. */
  filesField: 'evidence' | 'attachments';
  files: OutboxFile[];
  state: 'waiting' | 'sending' | 'failed';
  error: string | null;
  /** Where to look at the result (an item, a report). */
  link: string;
}

const store = createStore('zhenggai-offline', 'outbox');
export const outbox = reactive({ entries: [] as OutboxEntry[] });

async function refresh() {
  const all = (await entries<string, OutboxEntry>(store)).map(([, e]) => e);
  outbox.entries = all
    .filter((e) => e.userId === session.user?.id)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
/** Stores a plain copy (Vue's reactive proxies cannot be cloned into IndexedDB; the Blobs can). */
const save = (e: OutboxEntry) =>
  set(
    e.key,
    {
      ...toRaw(e),
      body: JSON.parse(JSON.stringify(toRaw(e.body))) as Record<string, unknown>,
      files: e.files.map((f) => ({ name: f.name, type: f.type, blob: toRaw(f.blob), id: f.id })),
    },
    store,
  );

/** Keeps an entry on the device; sends it at once when the network allows. */
export async function enqueue(e: Omit<OutboxEntry, 'userId' | 'createdAt' | 'state' | 'error'>) {
  await save({ ...e, userId: session.user!.id, createdAt: new Date().toISOString(), state: 'waiting', error: null });
  await refresh();
  void flush();
}

export async function remove(key: string) {
  await del(key, store);
  await refresh();
}

/** A failure of the network (the request never got an answer), as opposed to the server's refusal. */
const isNetwork = (e: unknown) => !(e instanceof ApiError) || e.problem.status === 0 || e.problem.status === 503;

let running: Promise<void> | null = null;
/** Sends what is waiting, oldest first; stops at the first network failure (the rest would fail too). */
export function flush(): Promise<void> {
  running ??= (async () => {
    try {
      await refresh();
      for (const e of outbox.entries.filter((x) => x.state !== 'failed')) {
        if (!navigator.onLine) return;
        if (!(await send(e))) return;
      }
    } finally {
      running = null;
      await refresh();
    }
  })();
  return running;
}

/** Tries one entry again after a refusal was dealt with (or to see the refusal again). */
export async function retry(key: string) {
  const e = outbox.entries.find((x) => x.key === key);
  if (!e) return;
  await save({ ...e, state: 'waiting', error: null });
  await flush();
}

async function send(e: OutboxEntry): Promise<boolean> {
  await save({ ...e, state: 'sending' });
  try {
    for (const [i, f] of e.files.entries()) {
      if (f.id) continue;
      const file = new File([f.blob], f.name, { type: f.type });
      const a = await uploadFile(e.uploadUrl, file, () => undefined, `${e.key}.f${i}`);
      f.id = a.id;
      await save({ ...e, state: 'sending' });
    }
    const ids = [...((e.body[e.filesField] as string[] | undefined) ?? []), ...e.files.map((f) => f.id!)];
    const body = { ...e.body, ...(ids.length ? { [e.filesField]: ids } : {}) };
    const r = await fetch(e.commandUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': e.key,
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
      },
      body: JSON.stringify(body),
    }).catch(() => null);
    if (!r) throw new ApiError({ type: 'about:blank', title: 'network', status: 0, code: 'network' });
    if (!r.ok) {
      const p = await r.json().catch(() => ({}));
      throw new ApiError({ type: 'about:blank', title: r.statusText, status: r.status, code: 'other', ...p });
    }
    await del(e.key, store);
    return true;
  } catch (err) {
    if (isNetwork(err)) {
      await save({ ...e, state: 'waiting' });
      return false;
    }
    const message = err instanceof ApiError ? problemMessage(err.problem) : String(err);
    await save({ ...e, state: 'failed', error: message });
    return true;
  }
}

/** Watches the network: sends when it returns, and every half minute while anything waits. */
let started = false;
export function startOutbox() {
  if (started) return void flush();
  started = true;
  window.addEventListener('online', () => void flush());
  window.setInterval(() => {
    if (navigator.onLine && outbox.entries.some((e) => e.state === 'waiting')) void flush();
  }, 30_000);
  void flush();
}
