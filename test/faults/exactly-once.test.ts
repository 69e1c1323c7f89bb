// Exactly once (issue 15 §5): the process dies after a keyed command committed and before its answer was
// stored apart from it; the client never saw an answer and retries with the same Idempotency-Key after the
// 5-minute window in which a key "in progress" is respected. The retry must get the first answer back and
// the trail must hold the command's events once. The crash point is the idempotency plugin's send-time
// store (AppDeps.faults.beforeSendStore), held there for good as a killed process would be.
import { sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, build, multipartBody, report, type World } from '../support/app.ts';

const CRASH = 'x-test-crash';

describe('a keyed command whose process dies between commit and reply', () => {
  let w: World;
  const held: (() => void)[] = [];
  let crashed: (() => void) | null = null;

  beforeAll(async () => {
    w = await build({
      faults: {
        beforeSendStore: async (req: FastifyRequest) => {
          if (req.headers[CRASH] === undefined) return;
          crashed?.();
          await new Promise<void>((resolve) => held.push(resolve)); // dead: never gets further
        },
      },
    });
  }, 120_000);
  afterAll(() => {
    for (const release of held) release();
  });

  const events = async (itemId: string, type: string) =>
    (
      (await w.db.execute(sql`select count(*)::int as n from item_events where item_id = ${itemId} and type = ${type}`))
        .rows[0] as { n: number }
    ).n;

  /** Send, and treat the answer as lost whether or not it was sent: the process died at the crash point
   * or right after committing. Then let the abandoned-key window pass. */
  async function sendAndCrash(user: string, path: string, body: unknown, key: string) {
    const atCrash = new Promise<void>((resolve) => {
      crashed = resolve;
    });
    const sent = w.call(user, 'POST', path, body, { 'idempotency-key': key, [CRASH]: '1' });
    await Promise.race([atCrash, sent]);
    crashed = null;
    await w.db.execute(
      sql`update idempotency_keys set created_at = created_at - interval '10 minutes' where key = ${key}`,
    );
  }

  it('an item command (record progress) answers the first outcome on retry and is written once', async () => {
    const id = await report(w);
    await assign(w, id);
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    const body = { note: '已联系户主，正在办理参保' };
    await sendAndCrash('h1', `/api/v1/items/${id}/progress`, body, 'crash-progress-1');

    const retry = await w.call('h1', 'POST', `/api/v1/items/${id}/progress`, body, {
      'idempotency-key': 'crash-progress-1',
    });
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.events).toEqual([expect.objectContaining({ seq: 4, type: 'ProgressRecorded' })]);
    expect(await events(id, 'ProgressRecorded')).toBe(1);
    const audit = await w.call('super', 'GET', `/api/v1/items/${id}/audit`);
    expect(audit.body.ok).toBe(true);
  });

  it('a report (a new item, written in a transaction) answers the first item on retry and creates it once', async () => {
    const body = {
      campaignId: w.campaignId,
      categoryId: w.categoryId,
      source: 'hotline',
      title: '12345热线：路灯不亮',
      description: '村口路灯损坏',
    };
    const before = (
      (await w.db.execute(sql`select count(*)::int as n from items where title = ${body.title}`)).rows[0] as {
        n: number;
      }
    ).n;
    await sendAndCrash('super', '/api/v1/items', body, 'crash-report-1');
    const retry = await w.call('super', 'POST', '/api/v1/items', body, { 'idempotency-key': 'crash-report-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const after = (
      (await w.db.execute(sql`select count(*)::int as n from items where title = ${body.title}`)).rows[0] as {
        n: number;
      }
    ).n;
    expect(after).toBe(before + 1);
    expect(await events(retry.body.id, 'ItemReported')).toBe(1);
  });

  it('an assignment (milestones: the transaction path) answers the first outcome on retry, one event', async () => {
    const id = await report(w);
    const body = { responsibleUnitId: w.units.village1.id, measures: '动员参保，落实分类资助', mode: 'immediate' };
    await sendAndCrash('lead', `/api/v1/items/${id}/assign`, body, 'crash-assign-1');
    const retry = await w.call('lead', 'POST', `/api/v1/items/${id}/assign`, body, {
      'idempotency-key': 'crash-assign-1',
    });
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.status).toBe('assigned');
    expect(await events(id, 'ItemAssigned')).toBe(1);
  });

  it('a monthly report draft answers the first save on retry and is saved once', async () => {
    const cfg = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
      cycle: { reportingUnitIds: [w.units.village1.id], firstMonth: '2026-03', dueDay: 'month_end' },
    });
    expect(cfg.status).toBe(200);
    const path = `/api/v1/campaigns/${w.campaignId}/reports/2026-03/units/${w.units.village1.id}/draft`;
    const body = { narrative: { progress: '完成入户排查', problems: '个别户不配合', nextSteps: '继续动员' } };
    await sendAndCrash('h1', path, body, 'crash-draft-1');
    const retry = await w.call('h1', 'POST', path, body, { 'idempotency-key': 'crash-draft-1' });
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ status: 'draft', version: 1 });
    const [row] = (
      await w.db.execute(sql`select version, jsonb_array_length(history)::int as events from reports
        where unit_id = ${w.units.village1.id} and period = '2026-03'`)
    ).rows as { version: number; events: number }[];
    expect(row).toEqual({ version: 1, events: 1 });
  });

  it('an acceptance round answers the first round on retry and is created once', async () => {
    const body = {
      name: '一季度验收',
      periodStart: '2026-01-01',
      periodEnd: '2026-03-31',
      focusCategoryIds: [w.categoryId],
    };
    await sendAndCrash('super', `/api/v1/campaigns/${w.campaignId}/rounds`, body, 'crash-round-1');
    const retry = await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/rounds`, body, {
      'idempotency-key': 'crash-round-1',
    });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const rounds = (await w.db.execute(sql`select id from acceptance_rounds where campaign_id = ${w.campaignId}`))
      .rows as { id: string }[];
    expect(rounds).toEqual([{ id: retry.body.id }]);
  });

  it('an evidence upload answers the first files on retry and records them once', async () => {
    const id = await report(w);
    await assign(w, id);
    await w.call('h1', 'POST', `/api/v1/items/${id}/accept`, {});
    const bytes = Buffer.from('%PDF-1.4\n% upload-once\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    const { body, contentType } = multipartBody([{ name: '现场照片.pdf', bytes, type: 'application/pdf' }]);
    const send = (crash: boolean) =>
      w.app.inject({
        method: 'POST',
        url: `/api/v1/items/${id}/attachments?purpose=progress`,
        payload: body,
        headers: {
          authorization: `Bearer ${w.tokens.h1}`,
          'content-type': contentType,
          'idempotency-key': 'crash-upload-1',
          ...(crash ? { [CRASH]: '1' } : {}),
        },
      });
    const atCrash = new Promise<void>((resolve) => {
      crashed = resolve;
    });
    await Promise.race([atCrash, send(true)]);
    crashed = null;
    await w.db.execute(
      sql`update idempotency_keys set created_at = created_at - interval '10 minutes' where key = 'crash-upload-1'`,
    );
    const retry = await send(false);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const files = (await w.db.execute(sql`select id from attachments where item_id = ${id}`)).rows as { id: string }[];
    expect(files).toEqual([{ id: JSON.parse(retry.body).attachments[0].id }]);
  });

  it('a refusal writes nothing: a retry after the crash decides again (still one answer, no event)', async () => {
    const id = await report(w);
    await sendAndCrash('lead', `/api/v1/items/${id}/approve`, {}, 'crash-refused-1');
    const retry = await w.call(
      'lead',
      'POST',
      `/api/v1/items/${id}/approve`,
      {},
      { 'idempotency-key': 'crash-refused-1' },
    );
    expect(retry).toMatchObject({ status: 409, body: { code: 'invalid_transition' } });
    expect(await events(id, 'ItemApproved')).toBe(0);
  });
});
