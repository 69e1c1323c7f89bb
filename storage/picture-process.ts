// The picture work (decode, thumbnail, dHash) in a child process at the lowest CPU priority
// (nice 19), so on a busy machine the API's event loop and PostgreSQL come first and photos wait.
// In-process, libvips' threads would compete with the API at equal priority. One child, started on
// first use, restarted after it dies; a picture that takes longer than `timeoutMs` kills it (the
// job is then retried by the queue).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PictureFacts } from './photo.ts';

export type PictureWork = (path: string, thumbPath: string, contentType: string) => Promise<PictureFacts>;

export function createPictureProcess(opts: { timeoutMs?: number; log?: (m: string) => void } = {}): {
  run: PictureWork;
  pid(): number | null;
  close(): Promise<void>;
} {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let child: ChildProcess | null = null;
  let ready: Promise<ChildProcess> | null = null;
  let next = 1;
  const pending = new Map<
    number,
    { resolve: (f: PictureFacts) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  const failAll = (why: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
      pending.delete(id);
    }
  };
  const start = () =>
    (ready ??= new Promise<ChildProcess>((resolve, reject) => {
      // 'advanced' serialization carries the dHash as a bigint; tsx loads the TypeScript child.
      const c = fork(fileURLToPath(new URL('./picture-child.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child = c;
      c.on('message', (m: { ready?: true; id?: number; facts?: PictureFacts; error?: string }) => {
        if (m.ready) {
          resolve(c);
          return;
        }
        const p = m.id === undefined ? undefined : pending.get(m.id);
        if (!p) return;
        clearTimeout(p.timer);
        pending.delete(m.id!);
        if (m.error !== undefined) p.reject(new Error(`picture work failed: ${m.error}`));
        else p.resolve(m.facts!);
      });
      c.once('exit', (code, signal) => {
        if (child === c) {
          child = null;
          ready = null;
        }
        reject(new Error(`the picture process exited before it was ready (code ${code}, signal ${signal})`));
        if (pending.size > 0)
          opts.log?.(
            `picture process exited (code ${code}, signal ${signal}) with ${pending.size} picture(s) in hand; their jobs will retry`,
          );
        failAll(`the picture process exited (code ${code}, signal ${signal}) before finishing`);
      });
    }));

  return {
    async run(path, thumbPath, contentType) {
      const c = await start();
      const id = next++;
      return new Promise<PictureFacts>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`picture work took longer than ${timeoutMs} ms; the picture process was restarted`));
          c.kill('SIGKILL');
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        c.send({ id, path, thumbPath, contentType });
      });
    },
    pid: () => child?.pid ?? null,
    async close() {
      const c = child;
      failAll('shutting down');
      if (!c) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.disconnect();
      const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
    },
  };
}
