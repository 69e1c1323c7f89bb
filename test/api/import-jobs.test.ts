// Large ledger imports on the imports queue (BullMQ on PostgreSQL, a real worker): 202 at once,
// progress the API reports, all or nothing per attempt, a failed attempt retried, a retry after a
// commit that landed creates nothing twice, and importing the same rows again creates nothing.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, multipartBody, type World } from '../support/app.ts';
import { runImportCommit } from '../../workers/imports.ts';
import { IMPORTS_QUEUE } from '../../workers/imports.ts';

let w: World;

async function postSheet(name: string, bytes: Buffer, query: string) {
  const { body, contentType } = multipartBody([{ name, bytes }]);
  const res = await w.app.inject({
    method: 'POST',
    url: `/api/v1/campaigns/${w.campaignId}/imports?${query}`,
    payload: body,
    headers: { authorization: `Bearer ${w.tokens.super}`, 'content-type': contentType },
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
}

const sheet = (tag: string, n: number) => {
  const lines = ['序号,问题描述,责任单位,整改措施,整改时限'];
  for (let i = 1; i <= n; i++)
    lines.push(`${i},${tag}第${i}户危房未改造,${i % 2 ? '朝阳村' : '南陈村'},实施危房改造,2026年${(i % 9) + 4}月底前`);
  return Buffer.from(lines.join('\r\n'));
};
const itemsLike = async (tag: string) =>
  Number((await w.db.execute(sql`select count(*)::int n from items where title like ${`${tag}第%`}`)).rows[0]!.n);
const job = async (id: string) => (await w.call('super', 'GET', `/api/v1/imports/${id}`)).body;

/** A real failure inside the database while it is on: recording an imported row is refused. */
async function failImportedRows(on: boolean) {
  if (on) {
    await w.db.execute(
      sql.raw(`create or replace function zg_test_refuse_row() returns trigger language plpgsql as $$
      begin raise exception 'test: imported_rows refuses rows'; end $$`),
    );
    await w.db.execute(
      sql.raw(
        'create trigger zg_test_refuse_row before insert on imported_rows for each row execute function zg_test_refuse_row()',
      ),
    );
  } else {
    await w.db.execute(sql.raw('drop trigger if exists zg_test_refuse_row on imported_rows'));
  }
}

beforeAll(async () => {
  w = await build({ background: true });
});

describe('large imports on the imports queue', () => {
  it('answers 202 queued, reports progress while the job runs, and creates every row once', async () => {
    const r = await postSheet('大批量.csv', sheet('甲', 240), 'mode=commit');
    expect(r.status).toBe(202);
    expect(r.headers.location).toBe(`/api/v1/imports/${r.body.jobId}`);
    expect(r.body).toMatchObject({ status: 'queued', totals: { ok: 240 } });
    const seen = new Set<string>();
    let j: any;
    for (const end = Date.now() + 150_000; Date.now() < end; ) {
      j = await job(r.body.jobId);
      seen.add(j.status);
      if (j.processedRows > 0 && j.processedRows < 240) seen.add('partial');
      if (j.status === 'done' || j.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(j).toMatchObject({
      status: 'done',
      createdItems: 240,
      totalRows: 240,
      processedRows: 240,
      attempts: 1,
      error: null,
    });
    expect(seen.has('running') || seen.has('partial') || seen.has('queued')).toBe(true);
    expect(await itemsLike('甲')).toBe(240);
    // The stored plan is dropped once the job is done.
    expect(
      (await w.db.execute(sql`select plan is null as gone from import_jobs where id = ${r.body.jobId}::uuid`)).rows[0],
    ).toEqual({ gone: true });

    // The same rows again: all duplicates, nothing created (no job needed).
    const again = await postSheet('大批量.csv', sheet('甲', 240), 'mode=commit');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'done', created: 0, totals: { ok: 0, duplicates: 240 } });
    expect(await itemsLike('甲')).toBe(240);
  }, 240_000);

  it('a failed attempt rolls back whole and is retried; the API says so while it waits', async () => {
    await failImportedRows(true);
    let id: string;
    try {
      const r = await postSheet('重试.csv', sheet('乙', 210), 'mode=commit');
      expect(r.status).toBe(202);
      id = r.body.jobId;
      // Wait until the first attempt failed and the job waits for its retry.
      let j: any;
      for (const end = Date.now() + 60_000; Date.now() < end; ) {
        j = await job(id);
        if (j.attempts >= 1 && j.status === 'queued' && j.error) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(j).toMatchObject({ status: 'queued', processedRows: 0 });
      expect(j.error).toContain('已整批回滚');
      expect(j.error).toContain('imported_rows refuses rows');
      expect(await itemsLike('乙')).toBe(0); // nothing half-written
    } finally {
      await failImportedRows(false);
    }
    await w.background!.idle(90_000);
    expect(await job(id!)).toMatchObject({ status: 'done', createdItems: 210, error: null });
    expect((await job(id!)).attempts).toBeGreaterThanOrEqual(2);
    expect(await itemsLike('乙')).toBe(210);
  }, 120_000);

  it('when every attempt fails the job says failed, nothing is written, and the job is dead-lettered', async () => {
    await failImportedRows(true);
    try {
      const r = await postSheet('失败.csv', sheet('丙', 205), 'mode=commit');
      expect(r.status).toBe(202);
      await w.background!.idle(60_000);
      expect(await job(r.body.jobId)).toMatchObject({ status: 'failed', attempts: 3 });
      expect((await job(r.body.jobId)).error).toContain('imported_rows refuses rows');
      expect(await itemsLike('丙')).toBe(0);
      const dead = await w.background!.kit.dead(IMPORTS_QUEUE);
      expect(dead.find((d) => (d.data as { jobId: string }).jobId === r.body.jobId)).toMatchObject({
        name: 'commit',
        attemptsMade: 3,
      });
    } finally {
      await failImportedRows(false);
    }
  }, 120_000);

  it('a retry after a commit that landed (the process died before marking it done) creates nothing twice', async () => {
    const r = await postSheet('已提交.csv', sheet('丁', 201), 'mode=commit');
    expect(r.status).toBe(202);
    await w.background!.idle(90_000);
    expect(await itemsLike('丁')).toBe(201);
    // As if the worker died between the commit and marking the job done: the job is taken up again.
    await w.db.execute(
      sql`update import_jobs set status = 'running', processed_rows = 100 where id = ${r.body.jobId}::uuid`,
    );
    const again = await runImportCommit({ db: w.db, engine: w.engine, clock: w.clock, log: () => {} }, r.body.jobId, {
      made: 1,
      max: 3,
    });
    expect(again).toEqual({ created: 201, already: true });
    expect(await job(r.body.jobId)).toMatchObject({ status: 'done', createdItems: 201 });
    expect(await itemsLike('丁')).toBe(201);
  }, 120_000);
});
