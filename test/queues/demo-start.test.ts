// `start --demo` (issue 15 §5): the demo is loaded before the wake-up sweep (or any other background work)
// starts — otherwise the sweep ticks items whose year of history is still being written. Checked on the
// real start path (startAll) with the demo loader as `beforeListen`, on the PostgreSQL queue backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../bin/config.ts';
import { loadDemo } from '../../bin/demo.ts';
import { startAll } from '../../bin/runtime.ts';
import { freePort } from '../../db/embedded.ts';
import { queueName } from '../../domain/messages/index.ts';
import { createTestDatabase } from '../support/db.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zg-demo-start-'));
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers) await c().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe('start --demo', () => {
  it('loads the demo first; the sweep and the notifier start after it', async () => {
    const { url } = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SWEEP_EVERY_SECONDS: '1',
    });
    const lines: string[] = [];
    let seenWhileLoading: string[] | null = null;
    const server = await startAll(config, {
      log: (m) => lines.push(m),
      beforeListen: async (db) => {
        await loadDemo(db, () => {}, { items: 12, now: new Date() });
        seenWhileLoading = [...lines];
      },
    });
    closers.push(() => server.close());
    expect(seenWhileLoading).not.toBeNull();
    const started = (l: string) => /wake-up sweep every|notifications every/.test(l);
    expect(seenWhileLoading!.filter(started)).toEqual([]);
    expect(lines.filter(started)).toHaveLength(2);

    // Every queue the running server opened has its name in Chinese on the administrator's queue page.
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'zhenggai-demo' },
    });
    const queues = await server.app.inject({
      method: 'GET',
      url: '/api/v1/admin/queues',
      headers: { authorization: `Bearer ${login.json().token}` },
    });
    const names: string[] = queues.json().queues.map((q: { name: string }) => q.name);
    expect(names).toContain('tally-fold');
    expect(names.filter((n) => queueName(n) === n)).toEqual([]);
  });
});
