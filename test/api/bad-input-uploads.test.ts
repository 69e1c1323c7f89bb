// Bad input on uploads, driven by the OpenAPI document: every POST route is sent multipart bodies, so a
// route that takes files is found and tried whether or not anyone remembered it. A refused request — one
// bad file among good ones, a control character (CRLF) in a file name — answers problem+json 4xx and
// leaves nothing: no bytes in the store or the staging folder, no rows. An Idempotency-Key reused with
// another file (other bytes or another name) is refused with 422, not answered with the first upload.
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
let item: string; // in progress at village1: h1 may add evidence
let routes: { method: string; path: string }[];

beforeAll(async () => {
  w = await build();
  item = await report(w);
  await assign(w, item);
  expect((await w.call('h1', 'POST', `/api/v1/items/${item}/accept`, {})).status).toBe(200);
  const cfg = await w.call('super', 'PUT', `/api/v1/campaigns/${w.campaignId}/report-config`, {
    cycle: { reportingUnitIds: [w.units.village1.id], firstMonth: '2026-03', dueDay: 'month_end' },
  });
  expect(cfg.status).toBe(200);
  const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => m === 'post')
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
});

/** A path of the document made concrete with this world's ids (an item, the campaign, a reporting unit). */
function concrete(path: string): string {
  return path
    .replace(/^\/api\/v1\/items\/\{id\}/, `/api/v1/items/${item}`)
    .replace(/^\/api\/v1\/campaigns\/\{id\}/, `/api/v1/campaigns/${w.campaignId}`)
    .replace('{period}', '2026-03')
    .replace('{unitId}', w.units.village1.id)
    .replace(/\{[^}]+\}/g, randomUUID());
}

interface Part {
  /** the Content-Disposition header's value as sent, byte for byte */
  disposition: string;
  bytes: Buffer;
}
const part = (name: string, bytes: Buffer): Part => ({
  disposition: `form-data; name="file"; filename*=UTF-8''${encodeURIComponent(name)}`,
  bytes,
});
function multipart(parts: Part[]) {
  const boundary = `----zg${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${p.disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      p.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}
async function send(user: string, method: string, url: string, parts: Part[], headers: Record<string, string> = {}) {
  const { payload, type } = multipart(parts);
  const r = await w.app.inject({
    method: method as 'POST',
    url,
    payload,
    headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': type, ...headers },
  });
  let body: any = null;
  try {
    body = JSON.parse(r.body);
  } catch {
    body = r.body;
  }
  return { status: r.statusCode, type: String(r.headers['content-type'] ?? ''), body, headers: r.headers };
}

const pdf = (tag = randomUUID()) => Buffer.from(`%PDF-1.4\n% ${tag}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n`);
const csv = (tag = randomUUID()) => Buffer.from(`序号,问题描述,责任单位\n1,${tag} 脱贫户未参保,朝阳村\n`);
/** Bytes no upload route accepts (a Windows program). */
const exe = () => Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);

/** Every file in a folder tree (the store and the staging folder). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
/** What an upload can leave behind: files on disk and rows. */
async function traces() {
  const root = dirname(w.evidence.stageDir);
  const rows = await w.db.execute(
    sql`select (select count(*) from attachments)::int a, (select count(*) from evidence_files)::int f,
      (select count(*) from evidence_uploads)::int u, (select count(*) from import_jobs)::int j,
      (select count(*) from item_events)::int e, (select count(*) from idempotency_keys where status_code is not null)::int k`,
  );
  return { files: (await filesUnder(root)).sort(), rows: rows.rows[0] };
}

const USERS = ['h1', 'super'];

describe('refused uploads leave nothing behind (every POST route of the OpenAPI document)', () => {
  it('one bad file among good ones: 4xx problem+json, none of the good files stored', async () => {
    const before = await traces();
    const reached: string[] = [];
    const bad: string[] = [];
    for (const user of USERS) {
      for (const r of routes) {
        const url = concrete(r.path);
        for (const second of [part('病毒.exe', exe()), part('第二份\r\n.pdf', pdf())]) {
          const first = /imports$/.test(r.path) ? part('台账.csv', csv()) : part('佐证一.pdf', pdf());
          const a = await send(user, r.method, url, [first, part('佐证二.pdf', pdf()), second]);
          if (a.status < 400 || a.status >= 500 || !/application\/problem\+json/.test(a.type))
            bad.push(`${user} ${r.method} ${r.path}: ${a.status} ${JSON.stringify(a.body).slice(0, 160)}`);
          if (['file_type_not_allowed', 'invalid_file_name'].includes(a.body?.code)) reached.push(r.path);
        }
      }
    }
    expect(bad).toEqual([]);
    // The sweep got past access checks into both evidence upload routes (items and 月报).
    expect(new Set(reached)).toEqual(
      new Set(['/api/v1/items/{id}/attachments', '/api/v1/campaigns/{id}/reports/{period}/units/{unitId}/attachments']),
    );
    expect(await traces()).toEqual(before);
  }, 120_000);

  it('a control character in a file name (CRLF, LF, TAB, BEL, bidi override): 400 invalid_file_name, nothing stored', async () => {
    const uploads = routes.filter((r) => /attachments$|imports$/.test(r.path));
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    const before = await traces();
    for (const r of uploads) {
      const user = /imports$/.test(r.path) ? 'super' : 'h1';
      const body = /imports$/.test(r.path) ? csv : pdf;
      const ext = /imports$/.test(r.path) ? 'csv' : 'pdf';
      for (const name of [
        `整改\r\n照片.${ext}`,
        `a\n.${ext}`,
        `a\r.${ext}`,
        `a\tb.${ext}`,
        `a\u0007.${ext}`,
        `a\u202eftp.${ext}`,
      ]) {
        const a = await send(user, 'POST', concrete(r.path), [part(name, body())]);
        expect(a.status, `${r.path} ${JSON.stringify(name)}`).toBe(400);
        expect(a.type).toMatch(/application\/problem\+json/);
        expect(a.body).toMatchObject({ code: 'invalid_file_name' });
      }
      // A raw CRLF in the quoted name (a header injection attempt) is refused as well, never stored as "x".
      const raw: Part = {
        disposition: `form-data; name="file"; filename="x.${ext}\r\nContent-Type: text/html"`,
        bytes: body(),
      };
      const a = await send(user, 'POST', concrete(r.path), [raw]);
      expect(a.status, `${r.path} raw CRLF`).toBeGreaterThanOrEqual(400);
      expect(a.status).toBeLessThan(500);
      expect(a.type).toMatch(/application\/problem\+json/);
    }
    expect(await traces()).toEqual(before);
  });
});

describe('an Idempotency-Key covers the files', () => {
  it('the same key with other bytes or another name → 422 idempotency_key_reused; the same file → the first answer', async () => {
    const uploads = routes.filter((r) => /attachments$|imports$/.test(r.path));
    for (const r of uploads) {
      const user = /imports$/.test(r.path) ? 'super' : 'h1';
      const body = /imports$/.test(r.path) ? csv : pdf;
      const ext = /imports$/.test(r.path) ? 'csv' : 'pdf';
      const url = concrete(r.path);
      const key = randomUUID();
      const bytes = body();
      const first = await send(user, 'POST', url, [part(`整改台账.${ext}`, bytes)], { 'idempotency-key': key });
      expect(first.status, `${r.path}: ${JSON.stringify(first.body)}`).toBeLessThan(300);
      const after = await traces();
      for (const other of [
        [part(`整改台账.${ext}`, body())], // other bytes, same name
        [part(`另一份.${ext}`, bytes)], // same bytes, another name
        [part(`整改台账.${ext}`, bytes), part(`另一份.${ext}`, body())], // one file more
      ]) {
        const again = await send(user, 'POST', url, other, { 'idempotency-key': key });
        // The import takes one sheet: two are refused as such before the key is looked at.
        const [status, code] =
          other.length > 1 && /imports$/.test(r.path) ? [413, 'too_many_files'] : [422, 'idempotency_key_reused'];
        expect(again.status, r.path).toBe(status);
        expect(again.type).toMatch(/application\/problem\+json/);
        expect(again.body).toMatchObject({ code });
      }
      expect(await traces(), r.path).toEqual(after);
      const replay = await send(user, 'POST', url, [part(`整改台账.${ext}`, bytes)], { 'idempotency-key': key });
      expect(replay.status).toBe(first.status);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      expect(await traces(), r.path).toEqual(after);
    }
  });
});
