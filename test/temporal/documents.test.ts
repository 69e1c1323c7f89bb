// An item's documents on the Temporal engine: the register issues the 交办单, and the DocumentIssued
// event reaches the item's trail through a Workflow Update (record_document), as on the local runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, report, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';

describe.skipIf(engineUnavailable('temporal') !== null)('item documents on the Temporal engine', () => {
  let w: World;
  beforeAll(async () => {
    w = await build({ engine: 'temporal' });
  }, 120_000);

  it('records the issued 交办单 in the item’s trail, once', async () => {
    const id = await report(w);
    await assign(w, id);
    const a = await w.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await w.call('super', 'POST', `/api/v1/items/${id}/documents/assignment`, {});
    expect(b.status).toBe(201);
    const trail = (await w.call('viewer', 'GET', `/api/v1/items/${id}`)).body.timeline as {
      type: string;
      data: { number: string; issuedBy: { userId: string } };
    }[];
    const issued = trail.filter((e) => e.type === 'DocumentIssued');
    expect(issued.map((e) => e.data.number)).toEqual([a.body.number, b.body.number]);
    expect(issued[0]!.data.issuedBy.userId).toBe(w.userIds.super);
    expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
  }, 120_000);
});
