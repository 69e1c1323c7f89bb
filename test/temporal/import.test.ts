// The ledger import under ENGINE=temporal (on the run's temporal server start-dev): all rows or none in one
// PostgreSQL transaction through the shared write path, then each new item's workflow started from its ledger
// row — so the imported items take commands as Workflow Updates and their deadlines run as durable timers.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentState } from '../../workflows/temporal/item.workflow.ts';
import { build, multipartBody, type World } from '../support/app.ts';
import { engineUnavailable } from '../support/engines.ts';

const CSV = `序号,问题内容,主办单位,整改举措,整改期限
1,朝阳村李某户脱贫人口未参保,朝阳村,入户动员参保，落实分类资助,2027年3月底
2,南陈村饮水管网老化,南陈村,更换入户管网,2027年6月30日
`;

describe.skipIf(engineUnavailable('temporal') !== null)('ledger import on the Temporal engine', () => {
  let w: World;
  beforeAll(async () => {
    w = await build({ engine: 'temporal' });
  }, 120_000);

  const post = async (query: string, csv = CSV) => {
    const { body, contentType } = multipartBody([{ name: '问题清单.csv', bytes: Buffer.from(csv, 'utf8') }]);
    const res = await w.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${w.campaignId}/imports?${query}`,
      payload: body,
      headers: { authorization: `Bearer ${w.tokens.super}`, 'content-type': contentType },
    });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  const count = async () => (await w.db.execute<{ n: number }>(sql`select count(*)::int n from items`)).rows[0]!.n;

  it('commits every row, starts each item workflow, and the items then take commands through it', async () => {
    const r = await post('mode=commit');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', created: 2 });
    const rows = await w.db.execute<{ id: string; status: string }>(sql`select id, status from items order by seq_no`);
    expect(rows.rows.map((x) => x.status)).toEqual(['assigned', 'assigned']);
    for (const { id } of rows.rows) {
      // Started from the ledger row without settings: the workflow loads them (an activity), then sets its timer.
      const handle = w.temporal!.env.client.workflow.getHandle(`item-${id}`);
      let snap = await handle.query(currentState);
      for (let i = 0; i < 300 && snap.nextWake === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        snap = await handle.query(currentState);
      }
      expect(snap.state?.status).toBe('assigned');
      expect(snap.nextWake, 'a durable timer waits for the first reminder').not.toBeNull();
    }
    const id = rows.rows[0]!.id;
    const accept = await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    expect(accept.status, JSON.stringify(accept.body)).toBe(200);
    expect(accept.body.status).toBe('in_progress');
    expect((await w.call('viewer', 'GET', `/api/v1/items/${id}/audit`)).body).toMatchObject({ ok: true });
  }, 120_000);

  it('a file with one bad row writes nothing (all or none)', async () => {
    const before = await count();
    const bad = `${CSV.replace('朝阳村李某户', '朝阳村周某户').replace('南陈村饮水', '南陈村道路')}3,某问题,不存在村,整改,2027年6月30日\n`;
    const r = await post('mode=commit', bad);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(await count()).toBe(before);
  }, 120_000);
});
