// `applied: "unknown"` on a real Temporal server, and why retrying it with the same Idempotency-Key is safe.
// With no worker polling, the server admits the Update but nobody runs it: the API answers 503
// engine_unavailable with applied "unknown" and the ledger is untouched. When a worker comes back the
// admitted Update may still run; the retry carries the same Update id (derived from the user's key), so
// Temporal applies it once and answers the first outcome — one event, whichever happened first.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemEvents } from '../../db/schema.ts';
import { assign, build, report, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';

describe.skipIf(engineUnavailable('temporal') !== null)(
  'retrying after applied "unknown" (temporal server start-dev)',
  () => {
    let w: World;
    beforeAll(async () => {
      w = await build({ engine: 'temporal' });
    }, 120_000);
    afterAll(async () => {
      await w.temporal?.startWorker().catch(() => {});
    });

    const progressEvents = async (itemId: string, note: string) =>
      (
        await w.db
          .select({ seq: itemEvents.seq })
          .from(itemEvents)
          .where(
            and(
              eq(itemEvents.itemId, itemId),
              eq(itemEvents.type, 'ProgressRecorded'),
              sql`${itemEvents.data}->>'note' = ${note}`,
            ),
          )
      ).length;

    it('answers 503 unknown while no worker runs, then applies the command exactly once across the retry', async () => {
      const id = await report(w);
      await assign(w, id);
      expect((await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(200);

      await w.temporal!.stopWorker();
      w.temporal!.commandTimeoutMs = 5_000; // no worker: no answer will come

      const body = { note: '已入户核实（重试安全）', substantive: true };
      const key = { 'idempotency-key': `unknown-${id}` };
      const first = await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, body, key);
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({ code: 'engine_unavailable', applied: 'unknown' });
      expect(await progressEvents(id, body.note), 'nothing written while no worker runs').toBe(0);

      await w.temporal!.startWorker();
      w.temporal!.commandTimeoutMs = 30_000;
      const retry = await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, body, key);
      expect(retry.status).toBe(200);
      const again = await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, body, key);
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      await w.temporal!.settle(id);
      expect(await progressEvents(id, body.note), 'applied once').toBe(1);
      expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
    }, 120_000);

    it('a report retried after "unknown" makes one item (its id comes from the key)', async () => {
      await w.temporal!.stopWorker();
      w.temporal!.commandTimeoutMs = 5_000; // no worker: no answer will come
      const body = {
        campaignId: w.campaignId,
        categoryId: w.categoryId,
        source: 'hotline',
        title: '热线：路灯不亮',
        description: '村口路灯损坏',
      };
      const key = { 'idempotency-key': `unknown-report-${Date.now()}` };
      const first = await w.call('super', 'POST', '/api/v1/items', body, key);
      expect(first.body).toMatchObject({ code: 'engine_unavailable', applied: 'unknown' });
      await w.temporal!.startWorker();
      w.temporal!.commandTimeoutMs = 30_000;
      const retry = await w.call('super', 'POST', '/api/v1/items', body, key);
      expect(retry.status).toBe(201);
      const n = await w.db.execute(sql`select count(*)::int as n from items where title = ${body.title}`);
      expect((n.rows[0] as { n: number }).n).toBe(1);
    }, 120_000);
  },
);
