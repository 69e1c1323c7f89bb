// Retried POSTs with the same Idempotency-Key return the first answer and write nothing twice;
// If-Match guards against lost updates.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, report, type World } from '../support/app.ts';
import { ENGINES, engineUnavailable } from '../support/engines.ts';

for (const engine of ENGINES)
  describe.skipIf(engineUnavailable(engine) !== null)(`on the ${engine} engine`, () => {
    let w: World;
    beforeAll(async () => {
      w = await build({ engine });
    }, 120_000);

    const count = async (table: string) =>
      ((await w.db.execute(sql.raw(`select count(*)::int as n from ${table}`))).rows[0] as { n: number }).n;

    describe('Idempotency-Key', () => {
      it('replays the first answer for a retried report and creates one item', async () => {
        const body = {
          campaignId: w.campaignId,
          categoryId: w.categoryId,
          source: 'hotline',
          title: '12345热线：饮水不达标',
          description: '群众反映水质浑浊',
        };
        const before = await count('items');
        const a = await w.call('super', 'POST', '/api/v1/items', body, { 'idempotency-key': 'report-001' });
        const b = await w.call('super', 'POST', '/api/v1/items', body, { 'idempotency-key': 'report-001' });
        expect(a.status).toBe(201);
        expect(b.status).toBe(201);
        expect(b.body.id).toBe(a.body.id);
        expect(b.headers['idempotent-replayed']).toBe('true');
        expect(await count('items')).toBe(before + 1);
      });

      it('replays a refusal too, and refuses the same key with another body', async () => {
        const id = await report(w);
        const first = await w.call(
          'lead',
          'POST',
          `/api/v1/items/${id}/approve`,
          {},
          { 'idempotency-key': 'k-approve' },
        );
        expect(first.status).toBe(409);
        const again = await w.call(
          'lead',
          'POST',
          `/api/v1/items/${id}/approve`,
          {},
          { 'idempotency-key': 'k-approve' },
        );
        expect(again).toMatchObject({ status: 409, body: { code: 'invalid_transition' } });
        const other = await w.call(
          'lead',
          'POST',
          `/api/v1/items/${id}/approve`,
          { note: '不同' },
          { 'idempotency-key': 'k-approve' },
        );
        expect(other).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
      });

      it('keeps keys per user: the same key from two users are two requests', async () => {
        const id = await report(w);
        await assign(w, id);
        await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
        const events = await count('item_events');
        await w.call(
          'h1',
          'POST',
          `/api/v1/items/${id}/comments`,
          { text: '已联系户主' },
          { 'idempotency-key': 'same' },
        );
        await w.call(
          'super',
          'POST',
          `/api/v1/items/${id}/comments`,
          { text: '已联系户主' },
          { 'idempotency-key': 'same' },
        );
        await w.call(
          'h1',
          'POST',
          `/api/v1/items/${id}/comments`,
          { text: '已联系户主' },
          { 'idempotency-key': 'same' },
        );
        expect(await count('item_events')).toBe(events + 2);
      });
    });

    describe('If-Match', () => {
      it('refuses a stale version with 412 and accepts the current one', async () => {
        const id = await report(w);
        const r = await w.call('super', 'GET', `/api/v1/items/${id}`);
        expect(r.headers.etag).toBe('"1"');
        await w.call('super', 'POST', `/api/v1/items/${id}/comments`, { text: '请尽快交办' });
        const stale = await w.call(
          'lead',
          'POST',
          `/api/v1/items/${id}/assign`,
          { responsibleUnitId: w.units.village1.id, measures: '动员参保', mode: 'immediate' },
          { 'if-match': '"1"' },
        );
        expect(stale).toMatchObject({ status: 412, body: { code: 'version_conflict' } });
        const fresh = await w.call(
          'lead',
          'POST',
          `/api/v1/items/${id}/assign`,
          { responsibleUnitId: w.units.village1.id, measures: '动员参保', mode: 'immediate' },
          { 'if-match': '"2"' },
        );
        expect(fresh.status).toBe(200);
        expect(fresh.headers.etag).toBe('"3"');
      });
    });
  });
