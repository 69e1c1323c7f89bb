// Evidence work off the request path, as `npm start` runs it (BullMQ on PostgreSQL, real workers):
// a photo's thumbnail and dHash appear after its job; HEIC photos get them too (libheif in
// WebAssembly); a guard pass that fails is retried, dead-lettered visibly when it keeps failing,
// and runs again when retried; a citing event that never got a pass is found by reconcile.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assign, build, report, upload, uploadRaw, type World } from '../support/app.ts';
import { photo } from '../support/photos.ts';
import { EVIDENCE_QUEUE } from '../../workers/evidence.ts';

// Background work (a child process started with tsx, queue polling) is slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

let w: World;
const items = '/api/v1/items';
const HEIC = join(import.meta.dirname, '../fixtures/photos/site-7070.heic');

async function working(unit: 'village1' | 'village2') {
  const id = await report(w, 'super');
  await assign(w, id, { responsibleUnitId: w.units[unit].id });
  const handler = unit === 'village1' ? 'h1' : 'h2';
  expect((await w.call(handler, 'POST', `${items}/${id}/accept`, {})).status).toBe(200);
  return { id, handler };
}

const warningsOf = async (user: string, id: string) =>
  ((await w.call(user, 'GET', `${items}/${id}`)).body.evidenceWarnings as { code: string }[]).map((x) => x.code);

/** A real failure inside the database: every EvidenceWarningRaised event is refused while it is on. */
async function failWarnings(on: boolean) {
  if (on) {
    await w.db.execute(
      sql.raw(`create or replace function zg_test_refuse_warning() returns trigger language plpgsql as $$
      begin raise exception 'test: the trail refuses evidence warnings'; end $$`),
    );
    await w.db.execute(
      sql.raw(`create trigger zg_test_refuse_warning before insert on item_events
      for each row when (new.type = 'EvidenceWarningRaised') execute function zg_test_refuse_warning()`),
    );
  } else {
    await w.db.execute(sql.raw('drop trigger if exists zg_test_refuse_warning on item_events'));
  }
}

beforeAll(async () => {
  w = await build({ background: true });
});

describe('photos are processed by a background job', () => {
  it('answers the upload before the thumbnail exists; the thumbnail, size and hash appear after the job', async () => {
    const { id, handler } = await working('village1');
    const r = await uploadRaw(w, handler, id, [
      {
        name: '现场照片.jpg',
        bytes: await photo(501, { width: 1200, height: 900, takenAt: '2026-03-02T05:00:00.000Z' }),
      },
    ]);
    expect(r.status).toBe(201);
    const a = r.body.attachments[0];
    // EXIF is read on the request (the guard's time and place checks need it at once).
    expect(a).toMatchObject({ processing: true, thumbnailUrl: null, width: null, takenAt: '2026-03-02T05:00:00.000Z' });
    await w.background!.idle();
    const [after] = (await w.call(handler, 'GET', `${items}/${id}/attachments`)).body.attachments;
    expect(after).toMatchObject({
      processing: false,
      width: 1200,
      height: 900,
      thumbnailUrl: `/api/v1/attachments/${a.id}/thumbnail`,
    });
    const thumb = await w.app.inject({
      method: 'GET',
      url: after.thumbnailUrl,
      headers: { authorization: `Bearer ${w.tokens[handler]}` },
    });
    expect(thumb.statusCode).toBe(200);
    expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
    const [f] = (
      await w.db.execute<{ dhash: string | null }>(
        sql`select dhash::text from evidence_files where sha256 = ${a.sha256}`,
      )
    ).rows;
    expect(f!.dhash).not.toBeNull();
  });

  it('HEIC: a thumbnail and a dHash, so a HEIC copy of a JPEG used elsewhere is flagged', async () => {
    const heic = await readFile(HEIC); // made once with libheif's heif-enc from photo(7070, 480×360)
    const a = await working('village1');
    const jpegIds = await upload(w, 'h1', a.id, [
      {
        name: '原图.jpg',
        bytes: await photo(7070, {
          width: 480,
          height: 360,
          takenAt: '2026-03-02T05:00:00.000Z',
          gps: { lat: 34.701, lon: 112.451 },
        }),
      },
    ]);
    expect(
      (await w.call('h1', 'POST', `${items}/${a.id}/progress`, { note: '整改完成', evidence: jpegIds })).status,
    ).toBe(200);
    const b = await working('village2');
    const r = await uploadRaw(w, 'h2', b.id, [{ name: 'IMG_7070.HEIC', bytes: heic }]);
    expect(r.status).toBe(201);
    expect(r.body.attachments[0]).toMatchObject({ contentType: 'image/heic', kind: 'photo', processing: true });
    expect(
      (
        await w.call('h2', 'POST', `${items}/${b.id}/progress`, {
          note: '整改完成',
          evidence: [r.body.attachments[0].id],
        })
      ).status,
    ).toBe(200);
    await w.background!.idle();
    const [att] = (await w.call('h2', 'GET', `${items}/${b.id}/attachments`)).body.attachments;
    expect(att).toMatchObject({ processing: false, width: 480, height: 360 });
    const thumb = await w.app.inject({
      method: 'GET',
      url: att.thumbnailUrl,
      headers: { authorization: `Bearer ${w.tokens.h2}` },
    });
    expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
    expect(await warningsOf('h2', b.id)).toContain('near_duplicate_photo');
  });
});

describe('the guard pass is never silently lost', () => {
  it('a failing pass is retried as a job; when it keeps failing it is dead-lettered, and retrying it raises the warning', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n% 同一份 ${Math.random()}\n%%EOF\n`);
    const a = await working('village1');
    const ida = await upload(w, 'h1', a.id, [{ name: 'a.pdf', bytes }]);
    expect((await w.call('h1', 'POST', `${items}/${a.id}/progress`, { note: '已整改', evidence: ida })).status).toBe(
      200,
    );
    const b = await working('village2');
    const idb = await upload(w, 'h2', b.id, [{ name: 'b.pdf', bytes }]);

    await failWarnings(true);
    try {
      const r = await w.call('h2', 'POST', `${items}/${b.id}/progress`, { note: '已整改', evidence: idb });
      expect(r.status).toBe(200); // the command stands
      expect(r.body.evidenceWarnings).toEqual([]);
      await w.background!.idle(); // five attempts, 100 ms backoff doubling
      const dead = await w.background!.kit.dead(EVIDENCE_QUEUE);
      const mine = dead.find((d) => (d.data as { itemId?: string }).itemId === b.id);
      expect(mine).toMatchObject({ name: 'guard', attemptsMade: 5 });
      expect(mine!.reason).toContain('the trail refuses evidence warnings');
      expect(
        w.background!.logs.some((l) => l.includes(`job ${EVIDENCE_QUEUE}/guard`) && l.includes('will retry')),
      ).toBe(true);
      expect(await warningsOf('h2', b.id)).toEqual([]);
      // Owed, not done: no guard pass recorded for the event.
      const runs = await w.db.execute(
        sql`select count(*)::int n from evidence_guard_runs where item_id = ${b.id}::uuid`,
      );
      expect(runs.rows[0]!.n).toBe(0);

      await failWarnings(false);
      expect(await w.background!.kit.retryDead(EVIDENCE_QUEUE, mine!.id)).toBe('retried');
      await w.background!.idle();
    } finally {
      await failWarnings(false);
    }
    expect(await warningsOf('h2', b.id)).toEqual(['same_file_elsewhere']);
    const runs = await w.db.execute(sql`select warnings from evidence_guard_runs where item_id = ${b.id}::uuid`);
    expect(runs.rows).toEqual([{ warnings: 1 }]);
  });

  it('a citing event that never got a pass (the process died after the command) is found by reconcile', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n% 另一份 ${Math.random()}\n%%EOF\n`);
    const a = await working('village1');
    const ida = await upload(w, 'h1', a.id, [{ name: 'a.pdf', bytes }]);
    expect((await w.call('h1', 'POST', `${items}/${a.id}/progress`, { note: '已整改', evidence: ida })).status).toBe(
      200,
    );
    const b = await working('village2');
    const idb = await upload(w, 'h2', b.id, [{ name: 'b.pdf', bytes }]);
    // The command through the engine alone: committed, but no guard pass and no job, as after a crash.
    await w.engine.execute({
      itemId: b.id,
      actor: {
        userId: w.userIds.h2!,
        unitId: w.units.village2.id,
        unitPath: w.units.village2.path,
        roles: ['handler'],
      },
      command: { type: 'record_progress', note: '已整改', substantive: true, evidence: idb },
    });
    await w.background!.idle();
    expect(await warningsOf('h2', b.id)).toEqual([]);
    // Not yet owed long enough: nothing happens.
    await w.background!.reconcileNow(600);
    await w.background!.idle();
    expect(await warningsOf('h2', b.id)).toEqual([]);
    await w.background!.reconcileNow(0);
    await w.background!.idle();
    expect(await warningsOf('h2', b.id)).toEqual(['same_file_elsewhere']);
    expect(w.background!.logs.some((l) => l.includes('evidence reconcile queued work that was owed'))).toBe(true);
  });

  it('a photo whose job was never queued is processed after reconcile', async () => {
    const { id, handler } = await working('village1');
    const [att] = await upload(w, handler, id, [{ name: '补拍.jpg', bytes: await photo(777) }]);
    await w.background!.idle();
    // Undo the job's work, as if it had never been queued.
    await w.db.execute(sql`update evidence_files set processed_at = null, thumbnail_key = null, dhash = null, stored_at = now() - interval '5 minutes'
      where sha256 = (select sha256 from attachments where id = ${att}::uuid)`);
    await w
      .background!.kit.queue(EVIDENCE_QUEUE)
      .remove(
        `photo-${(await w.db.execute<{ sha256: string }>(sql`select sha256 from attachments where id = ${att}::uuid`)).rows[0]!.sha256}`,
      );
    expect((await w.call(handler, 'GET', `${items}/${id}/attachments`)).body.attachments[0]).toMatchObject({
      processing: true,
      thumbnailUrl: null,
    });
    await w.background!.reconcileNow(60);
    await w.background!.idle();
    expect((await w.call(handler, 'GET', `${items}/${id}/attachments`)).body.attachments[0]).toMatchObject({
      processing: false,
      thumbnailUrl: `/api/v1/attachments/${att}/thumbnail`,
    });
  });
});
