// temporal-migrate without a Temporal server: which items count as open, the keyset walk, and
// resuming after an interruption. The `start` callback here records what the walk asks for; it
// stands for Temporal's start call and claims nothing about Temporal. Connecting to a closed port
// is a real failure and must name the address.
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../bin/config.ts';
import {
  migrateOpenItems,
  runTemporalMigrate,
  selectOpenItems,
  type StartOutcome,
} from '../../bin/temporal-migrate.ts';
import { connectToTemporal } from '../../workers/temporal-worker.ts';
import { assign, build, report, type World, evidenceFile } from '../support/app.ts';

let w: World;
let open: string[];
let closedOnes: string[];
const quiet = () => {};

beforeAll(async () => {
  w = await build();
  const reported = await report(w);
  const assigned = await report(w);
  await assign(w, assigned);
  const dismissed = await report(w);
  expect((await w.call('super', 'POST', `/api/v1/items/${dismissed}/dismiss`, { reason: '经核实不属实' })).status).toBe(
    200,
  );
  // Closed, waiting for its recheck window: a timer is pending, so it is open for the runtime.
  const closed = await report(w);
  await assign(w, closed);
  expect((await w.call('h1', 'POST', `/api/v1/items/${closed}/accept`, {})).status).toBe(200);
  expect(
    (
      await w.call('h1', 'POST', `/api/v1/items/${closed}/submit`, {
        summary: '已参保',
        evidence: [await evidenceFile(w, 'h1', closed, '缴费凭证.pdf')],
      })
    ).status,
  ).toBe(200);
  expect((await w.call('lead', 'POST', `/api/v1/items/${closed}/approve`, {})).status).toBe(200);
  // Verified after a passed recheck: nothing pending.
  const verified = await report(w, 'super', { source: 'petition' });
  await assign(w, verified);
  await w.call('h1', 'POST', `/api/v1/items/${verified}/accept`, {});
  await w.call('h1', 'POST', `/api/v1/items/${verified}/submit`, {
    summary: '已参保',
    evidence: [await evidenceFile(w, 'h1', verified, '缴费凭证2.pdf')],
  });
  await w.call('lead', 'POST', `/api/v1/items/${verified}/approve`, {});
  const rc = await w.call('xfj', 'POST', `/api/v1/items/${verified}/recheck`, { passed: true, findings: '复核属实' });
  expect(rc.status).toBe(200);
  expect(rc.body.status).toBe('verified');
  open = [reported, assigned, closed].sort();
  closedOnes = [dismissed, verified];
  for (let i = 0; i < 4; i++) open.push(await report(w));
  open.sort();
});

describe('temporal-migrate', () => {
  it('selects open items — active ones and closed ones with a pending timer — in id order', async () => {
    const rows = await selectOpenItems(w.db, { limit: 100 });
    expect(rows.map((r) => r.id)).toEqual(open);
    for (const id of closedOnes) expect(rows.map((r) => r.id)).not.toContain(id);
    expect(rows.every((r) => r.state.id === r.id)).toBe(true);
    expect((await selectOpenItems(w.db, { after: open[2], limit: 2 })).map((r) => r.id)).toEqual(open.slice(3, 5));
  });

  it('walks every open item once, in batches, logging where to resume', async () => {
    const asked: string[] = [];
    const lines: string[] = [];
    const r = await migrateOpenItems(
      {
        db: w.db,
        log: (m) => lines.push(m),
        start: async (item) => {
          asked.push(item.id);
          return 'started';
        },
      },
      { batch: 3 },
    );
    expect(asked).toEqual(open);
    expect(r).toEqual({ started: open.length, running: 0, last: open[open.length - 1] });
    expect(lines).toHaveLength(Math.ceil(open.length / 3));
    expect(lines[0]).toContain(`--after ${open[2]}`);
  });

  it('stops at a failure naming the cursor, and resuming from it finishes the rest without repeating', async () => {
    const started = new Set<string>();
    const start = async (item: { id: string }): Promise<StartOutcome> => {
      if (started.has(item.id)) return 'running';
      started.add(item.id);
      return 'started';
    };
    let calls = 0;
    const failing = async (item: { id: string }) => {
      if (++calls === 4) throw new Error('UNAVAILABLE: connection reset');
      return start(item);
    };
    const err = await migrateOpenItems({ db: w.db, log: quiet, start: failing }, { batch: 2 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`starting the workflow of item ${open[3]} failed`);
    expect(err?.message).toContain(`resume with: temporal-migrate --after ${open[2]}`);
    const after = /--after (\S+)/.exec(err!.message)![1]!;
    const resumed = await migrateOpenItems({ db: w.db, log: quiet, start }, { after, batch: 2 });
    expect(resumed).toMatchObject({ started: open.length - 3, running: 0 });
    expect([...started].sort()).toEqual(open);
    // Running it all again changes nothing: every workflow is already running.
    expect(await migrateOpenItems({ db: w.db, log: quiet, start }, {})).toMatchObject({
      started: 0,
      running: open.length,
    });
  });

  it('fails with the address when Temporal is not reachable (real connection to a closed port)', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as { port: number };
    await new Promise<void>((r) => s.close(() => r()));
    const config = loadConfig({
      DATABASE_URL: w.url,
      DATABASE_OWNER_URL: w.ownerUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
    });
    await expect(runTemporalMigrate(config, quiet, {})).rejects.toThrow(`cannot reach Temporal at 127.0.0.1:${port}`);
    await expect(connectToTemporal(`127.0.0.1:${port}`)).rejects.toThrow(`cannot reach Temporal at 127.0.0.1:${port}`);
  }, 60_000);
});

describe('configuration', () => {
  it('ENGINE=temporal needs DATABASE_URL, and takes the Temporal address, namespace and task queue', () => {
    expect(() => loadConfig({ ENGINE: 'temporal' })).toThrow(/ENGINE=temporal needs DATABASE_URL/);
    expect(() => loadConfig({ ENGINE: 'temporall' })).toThrow(/ENGINE/);
    expect(loadConfig({ ENGINE: 'temporal', DATABASE_URL: 'postgres://x/y' })).toMatchObject({
      ENGINE: 'temporal',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'zhenggai-items',
    });
    expect(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'zhenggai', TEMPORAL_TASK_QUEUE: 'items' }),
    ).toMatchObject({
      ENGINE: 'local',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'zhenggai',
      TEMPORAL_TASK_QUEUE: 'items',
    });
  });
});
