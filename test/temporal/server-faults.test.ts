// The Temporal server itself failing under commands, on a `temporal server start-dev` of this test's own (with
// its SQLite file, so a restart keeps the histories): killed with SIGKILL and restarted, then frozen (SIGSTOP:
// unreachable, connections hang) and resumed. Eight clients post progress notes throughout, each with its own
// Idempotency-Key; every request without a 2xx is retried with the same key until it gets one, as a user
// told `applied: "unknown"` would. Afterwards every note is in the trail exactly once and every touched item's
// audit (hash chain, ledger row = fold of its events) passes. `npm run faults:temporal` runs the same faults
// at 32-way load with a separate worker process and a one-minute freeze; this is its short form for CI
// (ZG_FAULT_UNREACHABLE_S sets the freeze, default 5 s).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemEvents } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';
import { type DevServer, startDevServer } from '../support/temporal.ts';

const FREEZE_S = Number(process.env.ZG_FAULT_UNREACHABLE_S ?? 5);
const CLIENTS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  key: string;
  itemId: string;
  note: string;
  first: number;
  firstApplied: unknown;
  final: number;
  /** When the first attempt was sent and answered (ms since the epoch). */
  sentAt: number;
  answeredAt: number;
}

describe.skipIf(engineUnavailable('temporal') !== null)('the Temporal server killed and frozen under commands', () => {
  let w: World;
  let server: DevServer;
  let dir: string;
  const ids: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zg-temporal-faults-'));
    server = await startDevServer({ dbFile: join(dir, 'temporal.sqlite') });
    w = await build({ engine: 'temporal', temporalAddress: server.address, temporalCommandTimeoutMs: 8_000 });
    for (let i = 0; i < 6; i++) {
      const id = await report(w);
      await assign(w, id);
      expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);
      ids.push(id);
    }
  }, 180_000);
  afterAll(async () => {
    await w?.temporal?.close().catch(() => {});
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let n = 0;
  const post = async (s: Pick<Sent, 'key' | 'itemId' | 'note'>) => {
    const r = await w.call(
      'h1',
      'POST',
      `/api/v1/items/${s.itemId}/progress`,
      { note: s.note },
      {
        'idempotency-key': s.key,
      },
    );
    return { status: r.status, applied: (r.body as { applied?: unknown }).applied };
  };

  /** CLIENTS clients post for `seconds` while `fault` runs; then every non-2xx is retried with its key. */
  async function underLoad(name: string, seconds: number, fault: () => Promise<void>): Promise<Sent[]> {
    const sent: Sent[] = [];
    const end = Date.now() + seconds * 1000;
    const client = async () => {
      while (Date.now() < end) {
        const i = n++;
        const s = { key: `${name}-${i}`, itemId: ids[i % ids.length]!, note: `${name} 故障演练 #${i}` };
        const sentAt = Date.now();
        const r = await post(s);
        sent.push({ ...s, first: r.status, firstApplied: r.applied, final: r.status, sentAt, answeredAt: Date.now() });
        if (r.status >= 500) await sleep(300);
      }
    };
    await Promise.all([fault(), ...Array.from({ length: CLIENTS }, client)]);
    for (const s of sent) {
      for (let tries = 0; s.final < 200 || s.final >= 300; tries++) {
        if (tries > 30) throw new Error(`${s.key}: still ${s.final} after 30 retries`);
        await sleep(1000);
        s.final = (await post(s)).status;
      }
    }
    return sent;
  }

  async function expectExactlyOnce(name: string, sent: Sent[]) {
    const rows = await w.db
      .select({ note: sql<string>`${itemEvents.data}->>'note'`, n: sql<number>`count(*)::int` })
      .from(itemEvents)
      .where(and(eq(itemEvents.type, 'ProgressRecorded'), like(sql`${itemEvents.data}->>'note'`, `${name} %`)))
      .groupBy(sql`1`);
    const times = new Map(rows.map((r) => [r.note, r.n]));
    expect(sent.filter((s) => times.get(s.note) !== 1).map((s) => `${s.key}: ${times.get(s.note) ?? 0}`)).toEqual([]);
    expect(rows.length).toBe(sent.length);
    for (const id of ids) {
      expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body, id).toMatchObject({ ok: true });
    }
  }

  it('SIGKILL and restart on its SQLite file: every acknowledged note once, chains and rows verify', async () => {
    const down = [0, 0];
    const sent = await underLoad('server-kill', 8, async () => {
      await sleep(2000);
      const pid = server.pid();
      await server.kill();
      down[0] = Date.now();
      await sleep(3000);
      await server.start();
      down[1] = Date.now();
      expect(server.pid()).not.toBe(pid);
    });
    // Commands were in flight across the crash. The client reconnects and retries an Update not yet answered,
    // so many still get 200 once the server is back on its SQLite file; others get 503 and are retried above.
    expect(sent.filter((s) => s.sentAt < down[1]! && s.answeredAt > down[0]!).length).toBeGreaterThan(0);
    await expectExactlyOnce('server-kill', sent);
  }, 240_000);

  it(`frozen for ${FREEZE_S} s (unreachable): "unknown" answers are safe to retry, every note once`, async () => {
    // Shorter than the freeze: commands in flight when it starts are answered `"unknown"` while it lasts.
    w.temporal!.commandTimeoutMs = Math.min(3_000, (FREEZE_S * 1000) / 2);
    const sent = await underLoad('unreachable', FREEZE_S + 6, async () => {
      await sleep(2000);
      const pid = server.pid()!;
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(FREEZE_S * 1000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
    w.temporal!.commandTimeoutMs = 8_000;
    expect(sent.filter((s) => s.first === 503 && s.firstApplied === 'unknown').length).toBeGreaterThan(0);
    await expectExactlyOnce('unreachable', sent);
  }, 240_000);
});
