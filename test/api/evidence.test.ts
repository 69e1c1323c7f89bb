// Evidence files over HTTP: upload (streamed, sniffed, hashed), Chinese names, ranges, thumbnails,
// EXIF, scope, citing files in commands, and every kind of bad upload answered and leaving nothing.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, evidenceFile, multipartBody, report, upload, uploadRaw, type World } from '../support/app.ts';
import { photo } from '../support/photos.ts';

let w: World;
let item: string; // village1, in progress
const items = '/api/v1/items';

beforeAll(async () => {
  w = await build();
  item = await report(w);
  await assign(w, item);
  await w.call('h1', 'POST', `${items}/${item}/accept`, {});
});

async function counts() {
  const r = await w.db.execute(
    sql`select (select count(*) from attachments)::int a, (select count(*) from evidence_files)::int f, (select count(*) from evidence_uploads)::int u, (select count(*) from item_events)::int e`,
  );
  return r.rows[0] as { a: number; f: number; u: number; e: number };
}
async function staged() {
  return readdir(w.evidence.stageDir).catch(() => []);
}
const get = (user: string, url: string, headers: Record<string, string> = {}) =>
  w.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.tokens[user]}`, ...headers } });

describe('upload and download', () => {
  it('keeps a Chinese name, reads EXIF and GPS, makes a thumbnail, and sends the bytes back', async () => {
    const bytes = await photo(7, { takenAt: '2026-03-02T06:30:00.000Z', gps: { lat: 34.7, lon: 112.45 } });
    const name = '王某户整改后 照片(1).jpg';
    const r = await uploadRaw(w, 'h1', item, [{ name, bytes, type: 'image/jpeg' }]);
    expect(r.status).toBe(201);
    const a = r.body.attachments[0];
    expect(a).toMatchObject({
      fileName: name,
      contentType: 'image/jpeg',
      kind: 'photo',
      size: bytes.length,
      width: 800,
      height: 600,
      takenAt: '2026-03-02T06:30:00.000Z',
      purpose: 'progress',
    });
    expect(a.gps.lat).toBeCloseTo(34.7, 3);
    expect(a.gps.lon).toBeCloseTo(112.45, 3);

    const d = await get('h1', a.url);
    expect(d.statusCode).toBe(200);
    expect(d.rawPayload.equals(bytes)).toBe(true);
    expect(d.headers['content-disposition']).toBe(
      `inline; filename="______ __(1).jpg"; filename*=UTF-8''${encodeURIComponent(name).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    );
    expect(d.headers['accept-ranges']).toBe('bytes');
    expect(d.headers['x-content-type-options']).toBe('nosniff');

    const t = await get('h1', a.thumbnailUrl);
    expect(t.statusCode).toBe(200);
    expect(t.headers['content-type']).toBe('image/webp');
    expect(t.rawPayload.subarray(8, 12).toString()).toBe('WEBP');

    const list = await w.call('lead', 'GET', `${items}/${item}/attachments`);
    expect(list.body.attachments.map((x: { id: string }) => x.id)).toContain(a.id);
  });

  it('answers Range requests (video seeking) with 206, and 416 outside the file', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypmp42'),
      Buffer.alloc(12),
      randomBytes(50_000),
    ]);
    const [id] = await upload(w, 'h1', item, [{ name: '入户视频.mp4', bytes }]);
    const a = (await w.call('h1', 'GET', `${items}/${item}/attachments`)).body.attachments.find(
      (x: { id: string }) => x.id === id,
    );
    expect(a).toMatchObject({ contentType: 'video/mp4', kind: 'video', thumbnailUrl: null });
    const part = await get('h1', `/api/v1/attachments/${id}`, { range: 'bytes=100-199' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await get('h1', `/api/v1/attachments/${id}`, { range: 'bytes=-10' });
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const open = await get('h1', `/api/v1/attachments/${id}`, { range: `bytes=${bytes.length - 5}-` });
    expect(open.rawPayload.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    const bad = await get('h1', `/api/v1/attachments/${id}`, { range: `bytes=${bytes.length}-` });
    expect(bad.statusCode).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'range_not_satisfiable' });
  });

  it('stores identical bytes once (content-addressed), with one attachment row per upload', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n${randomBytes(2000).toString('hex')}\n%%EOF\n`);
    const before = await counts();
    const [a1] = await upload(w, 'h1', item, [{ name: '会议纪要.pdf', bytes }]);
    const [a2] = await upload(w, 'h1', item, [{ name: '会议纪要-副本.pdf', bytes }]);
    expect(a1).not.toBe(a2);
    const after = await counts();
    expect(after!.a).toBe(before!.a + 2);
    expect(after!.f).toBe(before!.f + 1);
    const { sha256 } = (await w.call('h1', 'GET', `${items}/${item}/attachments`)).body.attachments.find(
      (x: { id: string }) => x.id === a1,
    );
    // build() puts the local store next to the staging folder.
    expect(await readdir(`${w.evidence.stageDir}/../store/sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}`)).toEqual(
      [sha256],
    );
  });

  it('accepts several files in one request', async () => {
    const ids = await upload(w, 'h1', item, [
      { name: '整改方案.pdf', bytes: Buffer.from('%PDF-1.7\n1 0 obj\n%%EOF') },
      {
        name: '现场.png',
        bytes: await (await import('sharp'))
          .default({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
          .png()
          .toBuffer(),
      },
    ]);
    expect(ids).toHaveLength(2);
  });
});

describe('scope', () => {
  it("another village's handler gets 404 for the file, its thumbnail and the item's list; the town's viewer may read", async () => {
    const [id] = await upload(w, 'h1', item, [{ name: '户主签字.jpg', bytes: await photo(8) }]);
    for (const url of [
      `/api/v1/attachments/${id}`,
      `/api/v1/attachments/${id}/thumbnail`,
      `${items}/${item}/attachments`,
    ]) {
      const r = await get('h2', url);
      expect({ url, status: r.statusCode, code: JSON.parse(r.body).code }).toEqual({
        url,
        status: 404,
        code: 'not_found',
      });
    }
    expect((await get('viewer', `/api/v1/attachments/${id}`)).statusCode).toBe(200);
    // Nor may h2 upload to it.
    expect((await uploadRaw(w, 'h2', item, [{ name: 'x.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF') }])).status).toBe(
      404,
    );
    // A viewer only reads.
    expect(
      (await uploadRaw(w, 'viewer', item, [{ name: 'x.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF') }])).status,
    ).toBe(403);
  });
});

describe('citing evidence in commands', () => {
  it('accepts files of this item by id, refuses others with 422, and records which event cites which file', async () => {
    const other = await report(w);
    await assign(w, other);
    await w.call('h1', 'POST', `${items}/${other}/accept`, {});
    const foreign = await evidenceFile(w, 'h1', other, '别的事项.pdf');
    const bad = await w.call('h1', 'POST', `${items}/${item}/progress`, { note: '已入户', evidence: [foreign] });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'evidence_not_found', errors: [{ path: 'body.evidence.0' }] });
    const unknown = await w.call('h1', 'POST', `${items}/${item}/progress`, {
      note: '已入户',
      evidence: ['0b6f6a4c-8a29-4d0e-9d1c-1d9f0e2b7a11'],
    });
    expect(unknown.status).toBe(422);

    const mine = await evidenceFile(w, 'h1', item, '入户记录.pdf', 'progress');
    const ok = await w.call('h1', 'POST', `${items}/${item}/progress`, {
      note: '已入户',
      substantive: true,
      evidence: [mine],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.evidence).toContain(mine);
    const refs = await w.db.execute(sql`select seq from evidence_refs where attachment_id = ${mine}::uuid`);
    expect(refs.rows).toEqual([{ seq: ok.body.version }]);
    // A cited file's row cannot be deleted.
    // A cited file's row cannot be deleted (even with its upload record gone, the trail's reference holds it).
    await w.db.execute(sql`delete from evidence_uploads where attachment_id = ${mine}::uuid`);
    await expect(w.db.execute(sql`delete from attachments where id = ${mine}::uuid`)).rejects.toMatchObject({
      cause: { code: '23001', constraint: expect.stringContaining('evidence_refs') },
    });
    expect((await w.call('viewer', 'GET', `${items}/${item}/audit`)).body.ok).toBe(true);
  });
});

describe('bad uploads: a problem+json answer, no rows, no staged files left', () => {
  const cases: [string, () => Promise<{ name: string; bytes: Buffer }[]>, number, string][] = [
    [
      'an .exe renamed .jpg',
      async () => [
        {
          name: '照片.jpg',
          bytes: Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), randomBytes(4000)]),
        },
      ],
      415,
      'file_type_not_allowed',
    ],
    [
      'a shell script named .pdf',
      async () => [{ name: 'a.pdf', bytes: Buffer.from('#!/bin/sh\nrm -rf /\n') }],
      415,
      'file_type_not_allowed',
    ],
    [
      'a zip that is not an Office document',
      async () => [
        {
          name: 'a.docx',
          bytes: Buffer.from('504b03041400000000000000000000000000000000000000000005000000612e747874', 'hex'),
        },
      ],
      415,
      'file_type_not_allowed',
    ],
    ['a file of 0 bytes', async () => [{ name: '空.jpg', bytes: Buffer.alloc(0) }], 400, 'empty_file'],
    [
      'a name with ../',
      async () => [{ name: '../../etc/passwd.jpg', bytes: await photo(1) }],
      400,
      'invalid_file_name',
    ],
    [
      'a name with a backslash path',
      async () => [{ name: '..\\..\\x.jpg', bytes: await photo(1) }],
      400,
      'invalid_file_name',
    ],
    [
      'a name with a control character',
      async () => [{ name: 'a\u0007b.jpg', bytes: await photo(1) }],
      400,
      'invalid_file_name',
    ],
    [
      'a name with a bidi override',
      async () => [{ name: 'gpj.\u202eexe', bytes: await photo(1) }],
      400,
      'invalid_file_name',
    ],
    [
      'a file over the size limit',
      async () => [
        { name: '大.pdf', bytes: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(9 * 1024 * 1024)]) },
      ],
      413,
      'file_too_large',
    ],
    [
      'files that together exceed the request limit',
      async () =>
        [1, 2, 3].map((i) => ({
          name: `${i}.pdf`,
          bytes: Buffer.concat([Buffer.from(`%PDF-1.4\n${i}`), Buffer.alloc(7.5 * 1024 * 1024)]),
        })),
      413,
      'upload_too_large',
    ],
    [
      'too many files',
      async () => Array.from({ length: 6 }, (_, i) => ({ name: `${i}.pdf`, bytes: Buffer.from(`%PDF-1.4\n${i}`) })),
      413,
      'too_many_files',
    ],
    [
      'a good file then a bad one (nothing of either kept)',
      async () => [
        { name: 'good.jpg', bytes: await photo(2) },
        { name: 'bad.jpg', bytes: Buffer.from('MZ not a photo') },
      ],
      415,
      'file_type_not_allowed',
    ],
  ];
  for (const [what, files, status, code] of cases) {
    it(what, async () => {
      const before = await counts();
      const r = await uploadRaw(w, 'h1', item, await files());
      expect({ status: r.status, code: r.body.code, type: r.headers['content-type'] }).toEqual({
        status,
        code,
        type: 'application/problem+json; charset=utf-8',
      });
      expect(await counts()).toEqual(before);
      expect(await staged()).toEqual([]);
    });
  }

  it('an upload cut off half-way', async () => {
    const before = await counts();
    const { body, contentType } = multipartBody([{ name: '半截.jpg', bytes: await photo(3) }]);
    const r = await w.app.inject({
      method: 'POST',
      url: `${items}/${item}/attachments`,
      payload: body.subarray(0, Math.floor(body.length / 2)),
      headers: { authorization: `Bearer ${w.tokens.h1}`, 'content-type': contentType },
    });
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).code).toBe('upload_incomplete');
    expect(await counts()).toEqual(before);
    expect(await staged()).toEqual([]);
  });

  it('JSON instead of multipart, and a multipart body without files', async () => {
    const j = await w.call('h1', 'POST', `${items}/${item}/attachments`, { file: 'x' });
    expect(j.status).toBe(415);
    const r = await uploadRaw(w, 'h1', item, []);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('no_file');
  });
});
