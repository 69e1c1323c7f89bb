// Bad input over HTTP: malformed JSON, wrong types, unknown fields, oversized bodies, control
// characters, very long Chinese text, SQL-looking strings, impossible dates, past deadlines,
// commands in the wrong state or by the wrong role, out-of-scope items, concurrent commands.
// Every one gets its problem+json answer (never a 5xx) and writes nothing.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { webhookTargets } from '../../db/schema.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, build, evidenceFile, PASSWORD, report, type World } from '../support/app.ts';

let w: World;
/** Fixture items, one per state (all assigned to village1 where assigned). */
let R: string; // reported
let A: string; // assigned
let P: string; // in_progress
let S: string; // submitted (by h1)
let C: string; // closed, petition → recheck pending
let E: string; // in_progress with a pending extension request
let PH: string; // phased, in_progress, milestone m1

const items = '/api/v1/items';
const GARBAGE_TOKEN = 'x'.repeat(43);

async function ok(r: { status: number; body: any }, status = 200) {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function inProgress(extra: Record<string, unknown> = {}) {
  const id = await report(w, 'super', extra);
  await assign(w, id);
  await ok(await w.call('h1', 'POST', `${items}/${id}/accept`, {}));
  return id;
}

beforeAll(async () => {
  w = await build();
  R = await report(w);
  A = await report(w);
  await assign(w, A);
  P = await inProgress();
  S = await inProgress();
  await ok(
    await w.call('h1', 'POST', `${items}/${S}/submit`, {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', S)],
    }),
  );
  C = await inProgress({ source: 'petition' });
  await ok(
    await w.call('h1', 'POST', `${items}/${C}/submit`, {
      summary: '已整改',
      evidence: [await evidenceFile(w, 'h1', C)],
    }),
  );
  const closed = await ok(await w.call('lead', 'POST', `${items}/${C}/approve`, {}));
  expect(closed.status).toBe('closed');
  expect(closed.recheck).not.toBeNull();
  E = await inProgress();
  await ok(
    await w.call('h1', 'POST', `${items}/${E}/request-extension`, {
      newDeadline: '2026-04-30',
      reason: '需协调医保部门',
    }),
  );
  PH = await report(w);
  await assign(w, PH, { mode: 'phased', deadline: '2026-04-30', milestones: [{ title: '摸排', dueOn: '2026-03-20' }] });
  await ok(await w.call('h1', 'POST', `${items}/${PH}/accept`, {}));
});

/** Row count and a digest of every row of every table in the public schema. */
async function snapshot(): Promise<Record<string, { n: number; h: string }>> {
  const tables = (
    await w.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`)
  ).rows.map((r) => String((r as { tablename: string }).tablename));
  expect(tables).toEqual(
    expect.arrayContaining(['items', 'item_events', 'sessions', 'users', 'campaigns', 'idempotency_keys']),
  );
  const out: Record<string, { n: number; h: string }> = {};
  // A failed sign-in is counted on purpose (sign-in throttling): that row is the answer's only trace.
  for (const t of tables.filter((x) => x !== 'login_throttle')) {
    const r = await w.db.execute(
      sql.raw(
        `select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${t}" x`,
      ),
    );
    out[t] = r.rows[0] as { n: number; h: string };
  }
  // The keyed digests the brief names, in addition to the whole-row digests above.
  const it = await w.db.execute(
    sql`select md5(string_agg(id::text || ':' || version || ':' || status || ':' || state::text, '|' order by id)) as h from items`,
  );
  const ev = await w.db.execute(
    sql`select md5(string_agg(item_id::text || ':' || seq || ':' || hash, '|' order by item_id, seq)) as h from item_events`,
  );
  out['~items-by-key'] = { n: 0, h: String((it.rows[0] as { h: string }).h) };
  out['~events-by-key'] = { n: 0, h: String((ev.rows[0] as { h: string }).h) };
  return out;
}

interface Case {
  name: string;
  user: string | null;
  method: string;
  url: string;
  /** an object is sent as JSON; a string is sent as it is (with content-type application/json unless headers say otherwise) */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** for validation answers: a path that must be among `errors` */
  path?: string;
  /** another answer that is just as right (e.g. 400 validation_failed instead of 401 invalid_credentials) */
  alt?: [number, string];
}

const COMMANDS = [
  'assign',
  'accept',
  'progress',
  'request-extension',
  'decide-extension',
  'transfer',
  'submit',
  'approve',
  'reject',
  'recheck',
  'dismiss',
  'flag',
  'unflag',
  'comments',
] as const;
type Command = (typeof COMMANDS)[number];

const han = (n: number) => '整改落实情况说明'.repeat(Math.ceil(n / 8)).slice(0, n);

function cases(): Case[] {
  const out: Case[] = [];
  const add = (c: Case) => out.push(c);
  const cmd = (id: string, name: string) => `${items}/${id}/${name}`;
  const v1 = w.units.village1.id;

  // A valid body per command (on the right item, by the right user, these would succeed).
  const valid: Record<Command, Record<string, unknown>> = {
    assign: { responsibleUnitId: v1, measures: '入户动员', mode: 'immediate' },
    accept: {},
    progress: { note: '已入户' },
    'request-extension': { newDeadline: '2026-05-30', reason: '需协调' },
    'decide-extension': { approve: true },
    transfer: { responsibleUnitId: w.units.village2.id, reason: '属地调整' },
    // An id of no file: every case below fails before evidence is looked at (or on it, where said).
    submit: { summary: '已整改', evidence: [randomUUID()] },
    approve: {},
    reject: { reason: '材料不全' },
    recheck: { passed: true, findings: '属实' },
    dismiss: { reason: '不属实' },
    flag: { reason: '挂牌督办' },
    unflag: { reason: '解除' },
    comments: { text: '请尽快' },
  };
  // Who sees which item and could send each command (so only the body is wrong).
  const target: Record<Command, [string, string]> = {
    assign: ['lead', R],
    accept: ['h1', A],
    progress: ['h1', P],
    'request-extension': ['h1', P],
    'decide-extension': ['lead', E],
    transfer: ['lead', P],
    submit: ['h1', P],
    approve: ['lead', S],
    reject: ['lead', S],
    recheck: ['insp', C],
    dismiss: ['super', R],
    flag: ['super', P],
    unflag: ['super', P],
    comments: ['h1', P],
  };
  // Wrong field types, one per command (→ 400 validation_failed at that field).
  const wrongType: Record<Command, [Record<string, unknown>, string][]> = {
    assign: [
      [{ ...valid.assign, responsibleUnitId: 'village-1' }, 'body.responsibleUnitId'],
      [{ ...valid.assign, mode: 'later' }, 'body.mode'],
      [{ ...valid.assign, measures: '' }, 'body.measures'],
      [{ ...valid.assign, measures: '   ' }, 'body.measures'],
      [{ ...valid.assign, deadline: '2026-02-30' }, 'body.deadline'],
      [{ ...valid.assign, deadline: '2026-3-9' }, 'body.deadline'],
      [{ ...valid.assign, deadline: 20260309 }, 'body.deadline'],
      [{ ...valid.assign, days: 0 }, 'body.days'],
      [{ ...valid.assign, days: 1.5 }, 'body.days'],
      [{ ...valid.assign, days: '5' }, 'body.days'],
      [{ ...valid.assign, days: 367 }, 'body.days'],
      [{ ...valid.assign, milestones: [{ title: '摸排', dueOn: '2026-13-01' }] }, 'body.milestones.0.dueOn'],
      [{ ...valid.assign, milestones: 'm1' }, 'body.milestones'],
    ],
    accept: [[{ note: 'x' }, 'body']],
    progress: [
      [{ note: 123 }, 'body.note'],
      [{ note: '' }, 'body.note'],
      [{ note: 'ok', substantive: 'yes' }, 'body.substantive'],
      [{ note: 'ok', evidence: 'a.jpg' }, 'body.evidence'],
      [{ note: 'ok', evidence: [1] }, 'body.evidence.0'],
      [{ note: han(5001) }, 'body.note'],
      [{ note: 'a\u0000b' }, 'body.note'],
      [{ note: '\u001b[31m red' }, 'body.note'],
    ],
    'request-extension': [
      [{ newDeadline: '2026-02-30', reason: 'x' }, 'body.newDeadline'],
      [{ newDeadline: '2026-04-31', reason: 'x' }, 'body.newDeadline'],
      [{ newDeadline: 'tomorrow', reason: 'x' }, 'body.newDeadline'],
      [{ newDeadline: '2026-05-30' }, 'body.reason'],
    ],
    'decide-extension': [
      [{ approve: 'true' }, 'body.approve'],
      [{ approve: 1 }, 'body.approve'],
      [{}, 'body.approve'],
    ],
    transfer: [
      [{ responsibleUnitId: 123, reason: 'x' }, 'body.responsibleUnitId'],
      [{ responsibleUnitId: v1 }, 'body.reason'],
    ],
    submit: [
      [{ summary: 'x', evidence: 'a.jpg' }, 'body.evidence'],
      [{ summary: 'x' }, 'body.evidence'],
      [{ summary: 'x', evidence: Array.from({ length: 51 }, (_, i) => `${i}.jpg`) }, 'body.evidence'],
      [{ summary: 'x', evidence: ['a\u0007.jpg'] }, 'body.evidence.0'],
    ],
    approve: [
      [{ note: 5 }, 'body.note'],
      [{ note: han(2001) }, 'body.note'],
    ],
    reject: [
      [{}, 'body.reason'],
      [{ reason: ['退回'] }, 'body.reason'],
    ],
    recheck: [
      [{ passed: 'yes', findings: 'x' }, 'body.passed'],
      [{ passed: true }, 'body.findings'],
      [{ passed: false, findings: 'x', deadline: '2026-02-30' }, 'body.deadline'],
    ],
    dismiss: [
      [{ reason: '' }, 'body.reason'],
      [{ reason: null }, 'body.reason'],
    ],
    flag: [
      [{ reason: '   ' }, 'body.reason'],
      [{ reason: {} }, 'body.reason'],
    ],
    unflag: [[{ reason: '\u0007' }, 'body.reason']],
    comments: [
      [{ text: han(2001) }, 'body.text'],
      [{ text: "'; DROP TABLE items; --\u0000" }, 'body.text'],
    ],
  };

  for (const name of COMMANDS) {
    const [user, id] = target[name];
    const url = cmd(id, name);
    add({
      name: `${name}: malformed JSON`,
      user,
      method: 'POST',
      url,
      body: '{"note": "a",',
      status: 400,
      code: 'invalid_json',
    });
    add({ name: `${name}: truncated JSON`, user, method: 'POST', url, body: '{', status: 400, code: 'invalid_json' });
    add({
      name: `${name}: single quotes`,
      user,
      method: 'POST',
      url,
      body: "{'a': 1}",
      status: 400,
      code: 'invalid_json',
    });
    add({ name: `${name}: empty body`, user, method: 'POST', url, body: '', status: 400, code: 'invalid_json' });
    add({
      name: `${name}: JSON array`,
      user,
      method: 'POST',
      url,
      body: [valid[name]],
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: JSON string`,
      user,
      method: 'POST',
      url,
      body: '"accept"',
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: JSON null`,
      user,
      method: 'POST',
      url,
      body: 'null',
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: JSON number`,
      user,
      method: 'POST',
      url,
      body: '42',
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: unknown field`,
      user,
      method: 'POST',
      url,
      body: { ...valid[name], bogus: 1 },
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: prototype pollution`,
      user,
      method: 'POST',
      url,
      body: `{"__proto__": {"admin": true}}`,
      status: 400,
      code: 'invalid_json',
    });
    add({
      name: `${name}: wrong content type`,
      user,
      method: 'POST',
      url,
      body: '<accept/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      code: 'unsupported_media_type',
    });
    add({
      name: `${name}: form content type`,
      user,
      method: 'POST',
      url,
      body: 'note=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'unsupported_media_type',
    });
    add({
      name: `${name}: 70 KiB body`,
      user,
      method: 'POST',
      url,
      body: { ...valid[name], pad: 'x'.repeat(70 * 1024) },
      status: 413,
      code: 'body_too_large',
    });
    add({
      name: `${name}: 70 KiB of Chinese`,
      user,
      method: 'POST',
      url,
      body: { ...valid[name], pad: han(24_000) },
      status: 413,
      code: 'body_too_large',
    });
    add({
      name: `${name}: nested huge array`,
      user,
      method: 'POST',
      url,
      body: `{"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      status: 400,
      code: 'validation_failed',
      path: 'body',
    });
    add({
      name: `${name}: wide array`,
      user,
      method: 'POST',
      url,
      body: { ...valid[name], evidence: Array(10_000).fill(0) },
      status: 400,
      code: 'validation_failed',
    });
    add({
      name: `${name}: bad uuid in path`,
      user,
      method: 'POST',
      url: cmd('not-a-uuid', name),
      body: valid[name],
      status: 400,
      code: 'validation_failed',
      path: 'params.id',
    });
    add({
      name: `${name}: SQL in path`,
      user,
      method: 'POST',
      url: cmd(encodeURIComponent("1' OR '1'='1"), name),
      body: valid[name],
      status: 400,
      code: 'validation_failed',
      path: 'params.id',
    });
    add({
      name: `${name}: unknown item`,
      user,
      method: 'POST',
      url: cmd(randomUUID(), name),
      body: valid[name],
      status: 404,
      code: 'not_found',
    });
    add({
      name: `${name}: no token`,
      user: null,
      method: 'POST',
      url,
      body: valid[name],
      status: 401,
      code: 'unauthenticated',
    });
    add({
      name: `${name}: garbage token`,
      user: null,
      method: 'POST',
      url,
      body: valid[name],
      headers: { authorization: `Bearer ${GARBAGE_TOKEN}` },
      status: 401,
      code: 'unauthenticated',
    });
    add({
      name: `${name}: basic auth`,
      user: null,
      method: 'POST',
      url,
      body: valid[name],
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      status: 401,
      code: 'unauthenticated',
    });
    add({
      name: `${name}: no token, bad body`,
      user: null,
      method: 'POST',
      url,
      body: '{',
      status: 401,
      code: 'unauthenticated',
    });
    add({
      name: `${name}: bad If-Match`,
      user,
      method: 'POST',
      url,
      body: valid[name],
      headers: { 'if-match': 'abc' },
      status: 400,
      code: 'invalid_if_match',
    });
    add({
      name: `${name}: list If-Match`,
      user,
      method: 'POST',
      url,
      body: valid[name],
      headers: { 'if-match': '"1", "2"' },
      status: 400,
      code: 'invalid_if_match',
    });
    add({
      name: `${name}: stale If-Match`,
      user,
      method: 'POST',
      url,
      body: valid[name],
      headers: { 'if-match': '"999"' },
      status: 412,
      code: 'version_conflict',
    });
    add({
      name: `${name}: bad Idempotency-Key`,
      user,
      method: 'POST',
      url,
      body: valid[name],
      headers: { 'idempotency-key': 'has spaces in it' },
      status: 400,
      code: 'invalid_idempotency_key',
    });
    // h2 (village2) sees none of these items: 404, never 403.
    add({
      name: `${name}: out of scope (h2)`,
      user: 'h2',
      method: 'POST',
      url,
      body: valid[name],
      status: 404,
      code: 'not_found',
    });
    for (const [body, path] of wrongType[name]) {
      add({
        name: `${name}: wrong field ${JSON.stringify(body).slice(0, 60)}`,
        user,
        method: 'POST',
        url,
        body,
        status: 400,
        code: 'validation_failed',
        path,
      });
    }
  }

  // Commands in the wrong state (by a user whose role would allow them): 409.
  const wrongState: [string, string, string, Record<string, unknown>][] = [
    ['lead', A, 'assign', valid.assign],
    ['lead', P, 'assign', valid.assign],
    ['lead', C, 'assign', valid.assign],
    ['h1', P, 'accept', {}],
    ['h1', S, 'accept', {}],
    ['h1', C, 'accept', {}],
    ['h1', A, 'progress', valid.progress],
    ['h1', S, 'progress', valid.progress],
    ['h1', C, 'progress', valid.progress],
    ['h1', A, 'submit', valid.submit],
    ['h1', S, 'submit', valid.submit],
    ['h1', S, 'request-extension', valid['request-extension']],
    ['h1', E, 'request-extension', valid['request-extension']],
    ['lead', P, 'decide-extension', valid['decide-extension']],
    ['lead', A, 'decide-extension', valid['decide-extension']],
    ['lead', S, 'transfer', valid.transfer],
    ['lead', C, 'transfer', valid.transfer],
    ['lead', R, 'transfer', valid.transfer],
    ['lead', R, 'approve', {}],
    ['lead', P, 'approve', {}],
    ['lead', C, 'approve', {}],
    ['lead', A, 'reject', valid.reject],
    ['lead', C, 'reject', valid.reject],
    ['insp', P, 'recheck', valid.recheck],
    ['insp', S, 'recheck', valid.recheck],
    ['insp', R, 'recheck', valid.recheck],
    ['super', S, 'dismiss', valid.dismiss],
    ['super', C, 'dismiss', valid.dismiss],
    ['super', P, 'unflag', valid.unflag],
    ['super', R, 'unflag', valid.unflag],
    ['h1', A, 'milestones/m1/complete', {}],
    ['h1', S, 'milestones/m1/complete', {}],
  ];
  for (const [user, id, name, body] of wrongState) {
    add({
      name: `wrong state: ${user} ${name} on ${id === R ? 'R' : id === A ? 'A' : id === P ? 'P' : id === S ? 'S' : id === C ? 'C' : 'E'}`,
      user,
      method: 'POST',
      url: cmd(id, name),
      body,
      status: 409,
      code: 'invalid_transition',
    });
  }

  // Commands by the wrong role (the state allows them): 403.
  const wrongRole: [string, string, string, Record<string, unknown>, string?][] = [
    ['insp', R, 'assign', valid.assign],
    ['viewer', R, 'assign', valid.assign],
    ['admin', R, 'assign', valid.assign],
    ['super', A, 'accept', {}],
    ['lead', A, 'accept', {}],
    ['viewer', A, 'accept', {}],
    ['lead', P, 'progress', valid.progress],
    ['super', P, 'progress', valid.progress],
    ['super', P, 'submit', valid.submit],
    ['insp1', P, 'submit', valid.submit],
    ['lead', P, 'request-extension', valid['request-extension']],
    ['h1', E, 'decide-extension', valid['decide-extension']],
    ['h1', P, 'transfer', valid.transfer],
    ['viewer', P, 'transfer', valid.transfer],
    ['h1', S, 'approve', {}],
    ['insp', S, 'approve', {}],
    ['viewer', S, 'reject', valid.reject],
    ['admin', S, 'approve', {}],
    ['h1', C, 'recheck', valid.recheck],
    ['lead', C, 'recheck', valid.recheck],
    ['viewer', C, 'recheck', valid.recheck],
    ['lead', R, 'dismiss', valid.dismiss],
    ['h1', P, 'dismiss', valid.dismiss],
    ['lead', P, 'flag', valid.flag],
    ['h1', P, 'flag', valid.flag],
    ['viewer', P, 'flag', valid.flag],
    ['lead', PH, 'milestones/m1/complete', {}],
  ];
  for (const [user, id, name, body] of wrongRole) {
    add({
      name: `wrong role: ${user} ${name}`,
      user,
      method: 'POST',
      url: cmd(id, name),
      body,
      status: 403,
      code: 'forbidden',
    });
  }
  add({
    name: 'separation of duties: insp1 rechecks own village',
    user: 'insp1',
    method: 'POST',
    url: cmd(C, 'recheck'),
    body: valid.recheck,
    status: 403,
    code: 'separation_of_duties',
  });

  // Rules the decider checks (422 rule_violated).
  const ruled: [string, string, string, Record<string, unknown>, string][] = [
    ['lead', R, 'assign', { ...valid.assign, deadline: '2026-03-01' }, 'deadline'],
    ['lead', R, 'assign', { ...valid.assign, deadline: '2020-01-01' }, 'deadline'],
    ['lead', R, 'assign', { ...valid.assign, mode: 'phased', deadline: '2026-04-30' }, 'milestones'],
    ['lead', R, 'assign', { ...valid.assign, mode: 'phased' }, 'deadline'],
    [
      'lead',
      R,
      'assign',
      { ...valid.assign, mode: 'phased', deadline: '2026-04-30', milestones: [{ title: 'x', dueOn: '2026-02-01' }] },
      'milestones[0].dueOn',
    ],
    [
      'lead',
      R,
      'assign',
      { ...valid.assign, mode: 'phased', deadline: '2026-04-30', milestones: [{ title: 'x', dueOn: '2026-05-01' }] },
      'milestones[0].dueOn',
    ],
    ['lead', R, 'assign', { ...valid.assign, responsibleUnitId: randomUUID() }, 'body.responsibleUnitId'],
    ['lead', R, 'assign', { ...valid.assign, responsibleUnitId: w.units.county.id }, 'body.responsibleUnitId'],
    ['lead', P, 'transfer', { ...valid.transfer, responsibleUnitId: randomUUID() }, 'body.responsibleUnitId'],
    ['h1', P, 'request-extension', { newDeadline: '2026-03-05', reason: '早于原时限' }, 'newDeadline'],
    ['h1', PH, 'milestones/m9/complete', {}, 'milestoneId'],
  ];
  for (const [user, id, name, body, path] of ruled) {
    add({
      name: `rule: ${name} ${JSON.stringify(body).slice(0, 80)}`,
      user,
      method: 'POST',
      url: cmd(id, name),
      body,
      status: 422,
      code: 'rule_violated',
      path,
    });
  }

  // Reporting (POST /items).
  const rep = {
    campaignId: w.campaignId,
    categoryId: w.categoryId,
    source: 'screening',
    title: '未参保',
    description: '未参保',
  };
  const badReports: [unknown, number, string, string?][] = [
    [{ ...rep, campaignId: 'abc' }, 400, 'validation_failed', 'body.campaignId'],
    [{ ...rep, campaignId: "1'; DROP TABLE items; --" }, 400, 'validation_failed', 'body.campaignId'],
    [{ ...rep, campaignId: 42 }, 400, 'validation_failed', 'body.campaignId'],
    [{ ...rep, campaignId: randomUUID() }, 404, 'not_found'],
    [{ ...rep, categoryId: randomUUID() }, 400, 'validation_failed', 'body.categoryId'],
    [{ ...rep, categoryId: 'c04' }, 400, 'validation_failed', 'body.categoryId'],
    [{ ...rep, source: 'bogus' }, 400, 'validation_failed', 'body.source'],
    [{ ...rep, source: 'SCREENING' }, 400, 'validation_failed', 'body.source'],
    [{ ...rep, title: '' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: ' \n\t ' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: 42 }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: ['未参保'] }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: '未参\u0000保' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: '未参\u0008保' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: '未参\u007f保' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: '\u001b]0;pwned\u0007' }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, title: han(201) }, 400, 'validation_failed', 'body.title'],
    [{ ...rep, description: han(5001) }, 400, 'validation_failed', 'body.description'],
    [{ ...rep, description: undefined }, 400, 'validation_failed', 'body.description'],
    [{ ...rep, location: han(201) }, 400, 'validation_failed', 'body.location'],
    [{ ...rep, person: { idNumber: '41030819500101123' } }, 400, 'validation_failed', 'body.person.idNumber'],
    [{ ...rep, person: { idNumber: '4103081950010112345' } }, 400, 'validation_failed', 'body.person.idNumber'],
    [{ ...rep, person: { idNumber: '41030819500101123A' } }, 400, 'validation_failed', 'body.person.idNumber'],
    // biome-ignore lint/correctness/noPrecisionLoss: a number too long for an ID card must be refused as such
    [{ ...rep, person: { idNumber: 410308195001011234 } }, 400, 'validation_failed', 'body.person.idNumber'],
    [{ ...rep, person: { phone: '138abc45678' } }, 400, 'validation_failed', 'body.person.phone'],
    [{ ...rep, person: { phone: '1234' } }, 400, 'validation_failed', 'body.person.phone'],
    [{ ...rep, person: { phone: "13812345678' OR 1=1" } }, 400, 'validation_failed', 'body.person.phone'],
    [{ ...rep, person: { name: '' } }, 400, 'validation_failed', 'body.person.name'],
    [{ ...rep, person: { name: han(51) } }, 400, 'validation_failed', 'body.person.name'],
    [{ ...rep, person: { name: '张三', age: 70 } }, 400, 'validation_failed', 'body.person'],
    [{ ...rep, person: '张三' }, 400, 'validation_failed', 'body.person'],
    [{ ...rep, extra: true }, 400, 'validation_failed', 'body'],
    [{ ...rep, status: 'verified' }, 400, 'validation_failed', 'body'],
    [{ ...rep, id: randomUUID() }, 400, 'validation_failed', 'body'],
    [[rep], 400, 'validation_failed', 'body'],
    ['{"campaignId":', 400, 'invalid_json'],
    ['', 400, 'invalid_json'],
    [{ ...rep, description: 'x'.repeat(70 * 1024) }, 413, 'body_too_large'],
  ];
  for (const [body, status, code, path] of badReports) {
    add({
      name: `report: ${typeof body === 'string' ? body : JSON.stringify(body).slice(0, 90)}`,
      user: 'super',
      method: 'POST',
      url: items,
      body,
      status,
      code,
      path,
    });
  }
  add({
    name: 'report: no body',
    user: 'super',
    method: 'POST',
    url: items,
    status: 400,
    code: 'validation_failed',
    path: 'body',
  });
  add({
    name: 'report: text/plain',
    user: 'super',
    method: 'POST',
    url: items,
    body: JSON.stringify(rep),
    headers: { 'content-type': 'text/csv' },
    status: 415,
    code: 'unsupported_media_type',
  });
  add({
    name: 'report: multipart',
    user: 'super',
    method: 'POST',
    url: items,
    body: '--x\r\n\r\n--x--',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    status: 415,
    code: 'unsupported_media_type',
  });
  add({
    name: 'report by viewer',
    user: 'viewer',
    method: 'POST',
    url: items,
    body: rep,
    status: 403,
    code: 'forbidden',
  });
  add({
    name: 'report by admin',
    user: 'admin',
    method: 'POST',
    url: items,
    body: rep,
    status: 403,
    code: 'forbidden',
  });
  add({
    name: 'report unauthenticated',
    user: null,
    method: 'POST',
    url: items,
    body: rep,
    status: 401,
    code: 'unauthenticated',
  });

  // Reads: list query parameters, detail and audit paths.
  const badQueries: [string, string][] = [
    ['limit=0', 'querystring.limit'],
    ['limit=abc', 'querystring.limit'],
    ['limit=-1', 'querystring.limit'],
    ['limit=201', 'querystring.limit'],
    ['limit=1.5', 'querystring.limit'],
    ['limit=', 'querystring.limit'],
    ['limit=1&limit=2', 'querystring.limit'],
    ['status=bogus', 'querystring.status'],
    ['status=reported,bogus', 'querystring.status'],
    ["status=reported'%20OR%201=1", 'querystring.status'],
    ['status=a&status=b', 'querystring.status'],
    ['source=bogus', 'querystring.source'],
    ['overdue=yes', 'querystring.overdue'],
    ['overdue=1', 'querystring.overdue'],
    ['flagged=TRUE', 'querystring.flagged'],
    ['sort=title', 'querystring.sort'],
    ['sort=reportedAt;DROP%20TABLE%20items', 'querystring.sort'],
    ['order=up', 'querystring.order'],
    ['deadlineFrom=2026-02-30', 'querystring.deadlineFrom'],
    ['deadlineTo=2026-13-01', 'querystring.deadlineTo'],
    ['deadlineTo=yesterday', 'querystring.deadlineTo'],
    ['campaignId=abc', 'querystring.campaignId'],
    ['categoryId=1', 'querystring.categoryId'],
    ['unitId=village1', 'querystring.unitId'],
    [`q=${encodeURIComponent(han(101))}`, 'querystring.q'],
    ['count=yes', 'querystring.count'],
    ['bogus=1', 'querystring'],
    ['unitPath=/', 'querystring'],
    [`cursor=${'c'.repeat(501)}`, 'querystring.cursor'],
  ];
  for (const [qs, path] of badQueries) {
    add({
      name: `list ?${qs.slice(0, 60)}`,
      user: 'super',
      method: 'GET',
      url: `${items}?${qs}`,
      status: 400,
      code: 'validation_failed',
      path,
    });
  }
  const uuid = randomUUID();
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const badCursors = [
    'garbage',
    '!!!!',
    b64({}),
    b64([1, 2]),
    b64({ s: 'seqNo', v: 1, id: uuid }),
    b64({ s: 'reportedAt', v: {}, id: uuid }),
    b64({ s: 'reportedAt', v: '2026-03-01T00:00:00.000Z', id: 'x' }),
    b64({ s: 'reportedAt', v: "2026'; DROP TABLE items; --", id: uuid }),
    b64({ s: 'reportedAt', v: 'not a date', id: uuid }),
    Buffer.from('{"s":"reportedAt"').toString('base64url'),
    // Values of the wrong type for the sort: these must be refused, not sent to PostgreSQL.
    b64({ s: 'reportedAt', v: 12, id: uuid }),
    b64({ s: 'seqNo', v: '2026-03-01', id: uuid }),
    b64({ s: 'deadline', v: 5, id: uuid }),
  ];
  for (const c of badCursors) {
    add({
      name: `list cursor ${Buffer.from(c, 'base64url').toString().slice(0, 60)}`,
      user: 'super',
      method: 'GET',
      url: `${items}?cursor=${c}`,
      status: 400,
      code: 'invalid_cursor',
    });
  }
  add({
    name: 'list cursor seqNo string (seqNo sort)',
    user: 'super',
    method: 'GET',
    url: `${items}?sort=seqNo&cursor=${b64({ s: 'seqNo', v: '2026-03-01', id: uuid })}`,
    status: 400,
    code: 'invalid_cursor',
  });
  add({
    name: 'list cursor number (deadline sort)',
    user: 'super',
    method: 'GET',
    url: `${items}?sort=deadline&cursor=${b64({ s: 'deadline', v: 5, id: uuid })}`,
    status: 400,
    code: 'invalid_cursor',
  });
  add({
    name: 'list cursor number (reportedAt sort)',
    user: 'super',
    method: 'GET',
    url: `${items}?sort=reportedAt&cursor=${b64({ s: 'reportedAt', v: 12, id: uuid })}`,
    status: 400,
    code: 'invalid_cursor',
  });
  add({
    name: 'list cursor odd date (reportedAt sort)',
    user: 'super',
    method: 'GET',
    url: `${items}?sort=reportedAt&cursor=${b64({ s: 'reportedAt', v: '1', id: uuid })}`,
    status: 400,
    code: 'invalid_cursor',
  });
  add({ name: 'list unauthenticated', user: null, method: 'GET', url: items, status: 401, code: 'unauthenticated' });
  add({
    name: 'list garbage token',
    user: null,
    method: 'GET',
    url: items,
    headers: { authorization: `Bearer ${GARBAGE_TOKEN}` },
    status: 401,
    code: 'unauthenticated',
  });
  add({
    name: 'list short token',
    user: null,
    method: 'GET',
    url: items,
    headers: { authorization: 'Bearer abc' },
    status: 401,
    code: 'unauthenticated',
  });
  add({
    name: 'list token with SQL',
    user: null,
    method: 'GET',
    url: items,
    headers: { authorization: "Bearer ' OR '1'='1' OR 'aaaaaaaaaaaaa" },
    status: 401,
    code: 'unauthenticated',
  });
  for (const u of ['not-a-uuid', '12345', encodeURIComponent("' OR 1=1 --"), '00000000-0000-0000-0000-00000000000g']) {
    add({
      name: `detail bad id ${u}`,
      user: 'super',
      method: 'GET',
      url: `${items}/${u}`,
      status: 400,
      code: 'validation_failed',
      path: 'params.id',
    });
    add({
      name: `audit bad id ${u}`,
      user: 'viewer',
      method: 'GET',
      url: `${items}/${u}/audit`,
      status: 400,
      code: 'validation_failed',
      path: 'params.id',
    });
  }
  add({
    name: 'detail unknown item',
    user: 'super',
    method: 'GET',
    url: `${items}/${randomUUID()}`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'audit unknown item',
    user: 'viewer',
    method: 'GET',
    url: `${items}/${randomUUID()}/audit`,
    status: 404,
    code: 'not_found',
  });
  for (const id of [A, P, S, C]) {
    add({
      name: 'detail out of scope (h2)',
      user: 'h2',
      method: 'GET',
      url: `${items}/${id}`,
      status: 404,
      code: 'not_found',
    });
    add({
      name: 'audit out of scope (h2)',
      user: 'h2',
      method: 'GET',
      url: `${items}/${id}/audit`,
      status: 404,
      code: 'not_found',
    });
  }
  add({
    name: 'detail out of scope (h1, reported item)',
    user: 'h1',
    method: 'GET',
    url: `${items}/${R}`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'milestone id too long',
    user: 'h1',
    method: 'POST',
    url: `${items}/${PH}/milestones/${'m'.repeat(21)}/complete`,
    body: {},
    status: 400,
    code: 'validation_failed',
    path: 'params.milestoneId',
  });
  add({
    name: 'milestone unknown item',
    user: 'h1',
    method: 'POST',
    url: `${items}/${randomUUID()}/milestones/m1/complete`,
    body: {},
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'milestone out of scope',
    user: 'h2',
    method: 'POST',
    url: `${items}/${PH}/milestones/m1/complete`,
    body: {},
    status: 404,
    code: 'not_found',
  });

  // Unknown routes and methods.
  for (const [method, url] of [
    ['GET', '/api/v1/nope'],
    ['DELETE', `${items}/${P}`],
    ['PUT', `${items}/${P}`],
    ['POST', `${items}/${P}/explode`],
    ['POST', `${items}/${P}/tick`],
    ['POST', `${items}/${P}/schedule_recheck`],
    ['GET', '/nope'],
    ['GET', `/api/v2/items`],
    ['PATCH', items],
  ] as const) {
    add({
      name: `no route ${method} ${url}`,
      user: 'super',
      method,
      url,
      body: method === 'GET' || method === 'DELETE' ? undefined : {},
      status: 404,
      code: 'not_found',
    });
  }

  // Sign-in: wrong password and unknown users answer 401 and write nothing.
  const badLogins: [unknown, number, string, [number, string]?][] = [
    [{ username: 'h1', password: 'wrong-password' }, 401, 'invalid_credentials'],
    [{ username: 'H1', password: PASSWORD }, 401, 'invalid_credentials'],
    [{ username: 'nobody', password: PASSWORD }, 401, 'invalid_credentials'],
    [{ username: "admin' OR '1'='1", password: "' OR '1'='1" }, 401, 'invalid_credentials'],
    [{ username: "admin'; DROP TABLE users; --", password: 'x' }, 401, 'invalid_credentials'],
    [{ username: '张三', password: '密码' }, 401, 'invalid_credentials'],
    [{ username: 'h1\u0000', password: PASSWORD }, 401, 'invalid_credentials', [400, 'validation_failed']],
    [{ username: '\u0000', password: 'x' }, 401, 'invalid_credentials', [400, 'validation_failed']],
    [{ username: 'h1', password: `${PASSWORD}\u0000` }, 401, 'invalid_credentials', [400, 'validation_failed']],
    [{ username: 'h1' }, 400, 'validation_failed'],
    [{ password: PASSWORD }, 400, 'validation_failed'],
    [{ username: '', password: 'x' }, 400, 'validation_failed'],
    [{ username: 'h1', password: '' }, 400, 'validation_failed'],
    [{ username: 'h1', password: 'x'.repeat(201) }, 400, 'validation_failed'],
    [{ username: 'u'.repeat(101), password: 'x' }, 400, 'validation_failed'],
    [{ username: ['h1'], password: PASSWORD }, 400, 'validation_failed'],
    [{ username: 'h1', password: 12345 }, 400, 'validation_failed'],
    [{ username: 'h1', password: PASSWORD, remember: true }, 400, 'validation_failed'],
    ['{"username":"h1"', 400, 'invalid_json'],
    ['', 400, 'invalid_json'],
    [[{ username: 'h1', password: PASSWORD }], 400, 'validation_failed'],
  ];
  for (const [body, status, code, alt] of badLogins) {
    add({
      name: `login ${typeof body === 'string' ? body : JSON.stringify(body).slice(0, 70)}`,
      user: null,
      method: 'POST',
      url: '/api/v1/auth/login',
      body,
      status,
      code,
      alt,
    });
  }
  add({
    name: 'login as form',
    user: null,
    method: 'POST',
    url: '/api/v1/auth/login',
    body: `username=h1&password=${PASSWORD}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  });
  add({
    name: 'logout unauthenticated',
    user: null,
    method: 'POST',
    url: '/api/v1/auth/logout',
    status: 401,
    code: 'unauthenticated',
  });
  add({
    name: 'me unauthenticated',
    user: null,
    method: 'GET',
    url: '/api/v1/me',
    status: 401,
    code: 'unauthenticated',
  });
  add({
    name: 'password: wrong current',
    user: 'h2',
    method: 'POST',
    url: '/api/v1/me/password',
    body: { currentPassword: 'wrong-one', newPassword: 'new-password-123' },
    status: 422,
    code: 'invalid_credentials',
  });
  add({
    name: 'password: too short',
    user: 'h2',
    method: 'POST',
    url: '/api/v1/me/password',
    body: { currentPassword: PASSWORD, newPassword: 'short' },
    status: 400,
    code: 'validation_failed',
    path: 'body.newPassword',
  });
  add({
    name: 'password: missing',
    user: 'h2',
    method: 'POST',
    url: '/api/v1/me/password',
    body: { newPassword: 'new-password-123' },
    status: 400,
    code: 'validation_failed',
    path: 'body.currentPassword',
  });

  // Users.
  const newUser = {
    username: 'newbie',
    displayName: '新人',
    unitId: v1,
    roles: ['handler'],
    password: 'long-enough-pw',
  };
  const badUsers: [string, unknown, number, string, string?][] = [
    ['super', newUser, 403, 'forbidden'],
    ['h1', newUser, 403, 'forbidden'],
    ['viewer', newUser, 403, 'forbidden'],
    ['admin', { ...newUser, username: 'leadhandler' }, 409, 'username_taken'],
    ['admin', { ...newUser, username: 'ab' }, 400, 'validation_failed', 'body.username'],
    ['admin', { ...newUser, username: '张三' }, 400, 'validation_failed', 'body.username'],
    ['admin', { ...newUser, username: "x'; DROP TABLE users;--" }, 400, 'validation_failed', 'body.username'],
    ['admin', { ...newUser, roles: ['god'] }, 400, 'validation_failed', 'body.roles.0'],
    ['admin', { ...newUser, roles: [] }, 400, 'validation_failed', 'body.roles'],
    ['admin', { ...newUser, roles: 'handler' }, 400, 'validation_failed', 'body.roles'],
    ['admin', { ...newUser, password: 'short' }, 400, 'validation_failed', 'body.password'],
    ['admin', { ...newUser, phone: '138abcd5678' }, 400, 'validation_failed', 'body.phone'],
    ['admin', { ...newUser, displayName: 'a\u0000b' }, 400, 'validation_failed', 'body.displayName'],
    ['admin', { ...newUser, displayName: han(51) }, 400, 'validation_failed', 'body.displayName'],
    ['admin', { ...newUser, unitId: 'v1' }, 400, 'validation_failed', 'body.unitId'],
    ['admin', { ...newUser, unitId: randomUUID() }, 404, 'not_found'],
    ['admin', { ...newUser, isAdmin: true }, 400, 'validation_failed', 'body'],
  ];
  for (const [user, body, status, code, path] of badUsers) {
    add({
      name: `POST /users by ${user} ${JSON.stringify(body).slice(0, 70)}`,
      user,
      method: 'POST',
      url: '/api/v1/users',
      body,
      status,
      code,
      path,
    });
  }
  add({
    name: 'GET /users by handler',
    user: 'h1',
    method: 'GET',
    url: '/api/v1/users',
    status: 403,
    code: 'forbidden',
  });
  add({
    name: 'GET /users by viewer',
    user: 'viewer',
    method: 'GET',
    url: '/api/v1/users',
    status: 403,
    code: 'forbidden',
  });
  const h2id = w.userIds.h2!;
  const badPatches: [string, string, unknown, number, string, string?][] = [
    ['super', h2id, { disabled: true }, 403, 'forbidden'],
    ['h2', h2id, { roles: ['admin'] }, 403, 'forbidden'],
    ['lead', h2id, { displayName: 'x' }, 403, 'forbidden'],
    ['admin', randomUUID(), { displayName: 'x' }, 404, 'not_found'],
    ['admin', 'not-a-uuid', { displayName: 'x' }, 400, 'validation_failed', 'params.id'],
    ['admin', h2id, { unitId: randomUUID() }, 404, 'not_found'],
    ['admin', h2id, { roles: ['root'] }, 400, 'validation_failed', 'body.roles.0'],
    ['admin', h2id, { disabled: 'yes' }, 400, 'validation_failed', 'body.disabled'],
    ['admin', h2id, { username: 'renamed' }, 400, 'validation_failed', 'body'],
    ['admin', h2id, { password: 'short' }, 400, 'validation_failed', 'body.password'],
    ['admin', h2id, '{', 400, 'invalid_json'],
  ];
  for (const [user, id, body, status, code, path] of badPatches) {
    add({
      name: `PATCH /users by ${user} ${JSON.stringify(body)}`,
      user,
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      body,
      status,
      code,
      path,
    });
  }

  // Campaigns and categories.
  const camp = {
    name: '第二轮整治',
    ownerUnitId: w.units.office.id,
    areaUnitId: w.units.town.id,
    startsOn: '2026-04-01',
  };
  const badCampaigns: [string, unknown, number, string, string?][] = [
    ['h1', camp, 403, 'forbidden'],
    ['lead', camp, 403, 'forbidden'],
    ['viewer', camp, 403, 'forbidden'],
    ['super', { ...camp, ownerUnitId: v1 }, 403, 'forbidden'],
    ['super', { ...camp, endsOn: '2026-03-01' }, 400, 'validation_failed', 'body.endsOn'],
    ['super', { ...camp, startsOn: '2026-02-30' }, 400, 'validation_failed', 'body.startsOn'],
    ['super', { ...camp, startsOn: '2026/04/01' }, 400, 'validation_failed', 'body.startsOn'],
    ['super', { ...camp, ownerUnitId: randomUUID() }, 404, 'not_found'],
    ['super', { ...camp, areaUnitId: randomUUID() }, 404, 'not_found'],
    ['super', { ...camp, name: '' }, 400, 'validation_failed', 'body.name'],
    ['super', { ...camp, name: han(201) }, 400, 'validation_failed', 'body.name'],
    ['super', { ...camp, settings: { recheckRate: 2 } }, 400, 'validation_failed', 'body.settings.recheckRate'],
    ['super', { ...camp, settings: { immediateDays: 0 } }, 400, 'validation_failed', 'body.settings.immediateDays'],
    ['super', { ...camp, settings: { bogus: 1 } }, 400, 'validation_failed', 'body.settings'],
    ['super', { ...camp, status: 'closed' }, 400, 'validation_failed', 'body'],
  ];
  for (const [user, body, status, code, path] of badCampaigns) {
    add({
      name: `POST /campaigns by ${user} ${JSON.stringify(body).slice(0, 60)}`,
      user,
      method: 'POST',
      url: '/api/v1/campaigns',
      body,
      status,
      code,
      path,
    });
  }
  const cid = w.campaignId;
  add({
    name: 'GET campaign unknown',
    user: 'super',
    method: 'GET',
    url: `/api/v1/campaigns/${randomUUID()}`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'GET campaign bad id',
    user: 'super',
    method: 'GET',
    url: '/api/v1/campaigns/1',
    status: 400,
    code: 'validation_failed',
    path: 'params.id',
  });
  add({
    name: 'GET categories unknown campaign',
    user: 'super',
    method: 'GET',
    url: `/api/v1/campaigns/${randomUUID()}/categories`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'PUT settings: not a full object',
    user: 'super',
    method: 'PUT',
    url: `/api/v1/campaigns/${cid}/settings`,
    body: { recheckRate: 0.5 },
    status: 400,
    code: 'validation_failed',
  });
  add({
    name: 'PUT settings: array',
    user: 'super',
    method: 'PUT',
    url: `/api/v1/campaigns/${cid}/settings`,
    body: [],
    status: 400,
    code: 'validation_failed',
    path: 'body',
  });
  add({
    name: 'PUT settings: unknown campaign',
    user: 'admin',
    method: 'PUT',
    url: `/api/v1/campaigns/${randomUUID()}/settings`,
    body: '{}',
    status: 400,
    code: 'validation_failed',
  });
  const cat = { code: 'c99', name: '新专项', leadUnitId: w.units.labour.id };
  const badCats: [string, unknown, number, string, string?][] = [
    ['h1', cat, 403, 'forbidden'],
    ['lead', cat, 403, 'forbidden'],
    ['super', { ...cat, code: 'c04' }, 409, 'category_code_taken'],
    ['super', { ...cat, code: 'c 99' }, 400, 'validation_failed', 'body.code'],
    ['super', { ...cat, code: "c'--" }, 400, 'validation_failed', 'body.code'],
    ['super', { ...cat, leadUnitId: w.units.county.id }, 404, 'not_found'],
    ['super', { ...cat, leadUnitId: randomUUID() }, 404, 'not_found'],
    ['super', { ...cat, focusQuarters: [5] }, 400, 'validation_failed', 'body.focusQuarters.0'],
    ['super', { ...cat, sortOrder: -1 }, 400, 'validation_failed', 'body.sortOrder'],
    ['super', { ...cat, problemTypes: Array(51).fill('x') }, 400, 'validation_failed', 'body.problemTypes'],
  ];
  for (const [user, body, status, code, path] of badCats) {
    add({
      name: `POST categories by ${user} ${JSON.stringify(body).slice(0, 60)}`,
      user,
      method: 'POST',
      url: `/api/v1/campaigns/${cid}/categories`,
      body,
      status,
      code,
      path,
    });
  }
  add({
    name: 'POST categories: unknown campaign',
    user: 'super',
    method: 'POST',
    url: `/api/v1/campaigns/${randomUUID()}/categories`,
    body: cat,
    status: 404,
    code: 'not_found',
  });

  // Org units and the calendar.
  const unit = { name: '新村', kind: 'village', parentId: w.units.town.id };
  const badUnits: [string, unknown, number, string, string?][] = [
    ['super', unit, 403, 'forbidden'],
    ['h1', unit, 403, 'forbidden'],
    ['viewer', unit, 403, 'forbidden'],
    ['admin', { ...unit, kind: 'kingdom' }, 400, 'validation_failed', 'body.kind'],
    ['admin', { ...unit, parentId: randomUUID() }, 404, 'not_found'],
    ['admin', { ...unit, parentId: 'town' }, 400, 'validation_failed', 'body.parentId'],
    ['admin', { ...unit, divisionCode: '123' }, 400, 'validation_failed', 'body.divisionCode'],
    ['admin', { ...unit, divisionCode: '41030810100a' }, 400, 'validation_failed', 'body.divisionCode'],
    ['admin', { ...unit, name: '' }, 400, 'validation_failed', 'body.name'],
    ['admin', { ...unit, name: han(101) }, 400, 'validation_failed', 'body.name'],
    ['admin', { name: '新村', kind: 'village' }, 400, 'validation_failed', 'body.parentId'],
  ];
  for (const [user, body, status, code, path] of badUnits) {
    add({
      name: `POST /org-units by ${user} ${JSON.stringify(body).slice(0, 60)}`,
      user,
      method: 'POST',
      url: '/api/v1/org-units',
      body,
      status,
      code,
      path,
    });
  }
  add({
    name: 'GET org unit unknown',
    user: 'admin',
    method: 'GET',
    url: `/api/v1/org-units/${randomUUID()}`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'GET org unit out of scope',
    user: 'h2',
    method: 'GET',
    url: `/api/v1/org-units/${v1}`,
    status: 404,
    code: 'not_found',
  });
  add({
    name: 'GET org unit bad id',
    user: 'h2',
    method: 'GET',
    url: '/api/v1/org-units/xyz',
    status: 400,
    code: 'validation_failed',
    path: 'params.id',
  });
  const year = { source: '国办发明电〔2026〕1号', holidays: ['2027-01-01'], workdays: [] };
  const badYears: [string, string, unknown, number, string, string?][] = [
    ['super', '2027', year, 403, 'forbidden'],
    ['h1', '2027', year, 403, 'forbidden'],
    ['admin', '1999', year, 400, 'validation_failed', 'params.year'],
    ['admin', 'abc', year, 400, 'validation_failed', 'params.year'],
    ['admin', '2027', { ...year, source: 'x' }, 400, 'validation_failed', 'body.source'],
    ['admin', '2027', { ...year, holidays: ['2027-02-30'] }, 422, 'rule_violated'],
    ['admin', '2027', { ...year, holidays: ['2028-01-01'] }, 422, 'rule_violated'],
    ['admin', '2027', { ...year, workdays: ['2027-01-04'] }, 422, 'rule_violated'],
    ['admin', '2027', { ...year, holidays: Array(61).fill('2027-01-01') }, 400, 'validation_failed', 'body.holidays'],
    ['admin', '2027', { ...year, holidays: '2027-01-01' }, 400, 'validation_failed', 'body.holidays'],
    ['admin', '2027', { ...year, source: '国办发明电\u0000〔2026〕1号' }, 400, 'validation_failed', 'body.source'],
  ];
  for (const [user, y, body, status, code, path] of badYears) {
    add({
      name: `PUT calendar ${y} by ${user} ${JSON.stringify(body).slice(0, 60)}`,
      user,
      method: 'PUT',
      url: `/api/v1/calendar/years/${y}`,
      body,
      status,
      code,
      path,
      alt: code === 'validation_failed' ? [422, 'rule_violated'] : undefined,
    });
  }
  return out;
}

type Answer = Awaited<ReturnType<World['call']>>;

/** What is wrong with this answer for this case, or null. */
function mismatch(c0: Case, r: Answer): string | null {
  const c =
    c0.alt && r.status === c0.alt[0] && (r.body as { code?: string } | null)?.code === c0.alt[1]
      ? { ...c0, status: c0.alt[0], code: c0.alt[1], path: undefined }
      : c0;
  const why: string[] = [];
  if (r.status >= 500) why.push('5xx');
  if (r.status !== c.status) why.push(`status ${r.status} ≠ ${c.status}`);
  if (!/^application\/problem\+json/.test(String(r.headers['content-type'])))
    why.push(`content-type ${String(r.headers['content-type'])}`);
  const b = r.body as { code?: unknown; status?: unknown; errors?: { path: string }[] } | null;
  if (!b || typeof b !== 'object') why.push('no JSON body');
  else {
    if (typeof b.code !== 'string') why.push('no code');
    else if (b.code !== c.code) why.push(`code ${b.code} ≠ ${c.code}`);
    if (b.status !== r.status) why.push(`body.status ${String(b.status)} ≠ ${r.status}`);
    if (c.code === 'validation_failed') {
      if (
        !Array.isArray(b.errors) ||
        b.errors.length === 0 ||
        !b.errors.every((e) => typeof e.path === 'string' && typeof (e as { message?: unknown }).message === 'string')
      ) {
        why.push('validation answer without errors[].path');
      } else if (c.path && !b.errors.some((e) => e.path === c.path)) {
        why.push(`no error at ${c.path} (got ${b.errors.map((e) => e.path).join(', ')})`);
      }
    }
    if (
      c.path &&
      c.code !== 'validation_failed' &&
      !(Array.isArray(b.errors) && b.errors.some((e) => e.path === c.path))
    ) {
      why.push(`no error at ${c.path} (got ${JSON.stringify(b.errors)})`);
    }
  }
  return why.length
    ? `${c.name} [${c.method} ${c.url.slice(0, 100)}]: ${why.join('; ')} — ${JSON.stringify(r.body).slice(0, 200)}`
    : null;
}

describe('bad input', () => {
  it('answers a few hundred bad requests with problem+json 4xx, never 5xx, and writes nothing', async () => {
    const table = cases();
    expect(table.length).toBeGreaterThan(500);
    const before = await snapshot();
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of table) {
      const r = await w.call(c.user, c.method, c.url, c.body, c.headers);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const m = mismatch(c, r);
      if (m) problems.push(m);
    }
    const after = await snapshot();
    expect.soft(problems).toEqual([]);
    expect.soft([...statuses.keys()].filter((s) => s < 400 || s >= 500)).toEqual([]);
    expect.soft(after).toEqual(before);
  }, 120_000);
});

describe('named failure modes', () => {
  const expectProblem = (r: Answer, status: number, code: string) => {
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status, code, type: `https://zhenggai.dev/problems/${code}` });
    expect(typeof r.body.title).toBe('string');
  };

  it('malformed JSON → 400 invalid_json', async () => {
    expectProblem(await w.call('super', 'POST', items, '{"campaignId": "x", }'), 400, 'invalid_json');
  });

  it('a wrong type → 400 validation_failed naming the field', async () => {
    const r = await w.call('h1', 'POST', `${items}/${P}/progress`, { note: 42 });
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'body.note' })]);
  });

  it('an unknown field → 400 validation_failed', async () => {
    const r = await w.call('super', 'POST', items, {
      campaignId: w.campaignId,
      source: 'screening',
      title: 't',
      description: 'd',
      priority: 'high',
    });
    expectProblem(r, 400, 'validation_failed');
    expect(JSON.stringify(r.body.errors)).toContain('priority');
  });

  it('a body over 64 KiB → 413 body_too_large', async () => {
    expectProblem(await w.call('super', 'POST', items, { description: 'x'.repeat(70 * 1024) }), 413, 'body_too_large');
  });

  it('a body that is not JSON → 415 unsupported_media_type', async () => {
    expectProblem(
      await w.call('h1', 'POST', `${items}/${P}/comments`, '<text>hi</text>', { 'content-type': 'application/xml' }),
      415,
      'unsupported_media_type',
    );
  });

  it('a deadline in the past → 422 rule_violated at the deadline', async () => {
    const r = await w.call('lead', 'POST', `${items}/${R}/assign`, {
      responsibleUnitId: w.units.village1.id,
      measures: 'x',
      mode: 'immediate',
      deadline: '2026-03-01',
    });
    expectProblem(r, 422, 'rule_violated');
    expect(r.body.errors?.[0]?.path).toMatch(/deadline$/);
    expect(r.body.allowed).toContain('assign');
  });

  it('an impossible date (2026-02-30) → 400 validation_failed or 422 rule_violated, at the field', async () => {
    for (const [url, user, body, field] of [
      [
        `${items}/${R}/assign`,
        'lead',
        { responsibleUnitId: w.units.village1.id, measures: 'x', mode: 'immediate', deadline: '2026-02-30' },
        'deadline',
      ],
      [`${items}/${P}/request-extension`, 'h1', { newDeadline: '2026-02-30', reason: 'x' }, 'newDeadline'],
      [
        '/api/v1/campaigns',
        'super',
        { name: 'x', ownerUnitId: w.units.office.id, areaUnitId: w.units.town.id, startsOn: '2026-02-30' },
        'startsOn',
      ],
    ] as const) {
      const r = await w.call(user, 'POST', url, body);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(r.status, url).toBeLessThan(500);
      expect(['validation_failed', 'rule_violated']).toContain(r.body.code);
      expect(r.status).toBe(r.body.code === 'validation_failed' ? 400 : 422);
      expect(r.body.errors.map((e: { path: string }) => e.path).join()).toContain(field);
    }
  });

  it('the wrong state → 409 invalid_transition with the allowed commands', async () => {
    const r = await w.call('lead', 'POST', `${items}/${P}/approve`, {});
    expectProblem(r, 409, 'invalid_transition');
    expect(r.body.allowed).toEqual(expect.arrayContaining(['transfer']));
    expect(r.body.allowed).not.toContain('approve');
  });

  it('the wrong role → 403 forbidden', async () => {
    expectProblem(await w.call('lead', 'POST', `${items}/${A}/accept`, {}), 403, 'forbidden');
  });

  it('unknown routes and unknown items → 404 not_found', async () => {
    expectProblem(await w.call('super', 'GET', '/api/v1/does-not-exist'), 404, 'not_found');
    expectProblem(await w.call('super', 'GET', `${items}/${randomUUID()}`), 404, 'not_found');
    expectProblem(await w.call('super', 'POST', `${items}/${randomUUID()}/accept`, {}), 404, 'not_found');
  });

  it('no token → 401 unauthenticated', async () => {
    expectProblem(await w.call(null, 'GET', items), 401, 'unauthenticated');
  });

  it('a malformed If-Match → 400 invalid_if_match; a stale one → 412 version_conflict', async () => {
    expectProblem(
      await w.call('h1', 'POST', `${items}/${P}/comments`, { text: 'x' }, { 'if-match': 'W/"v1"' }),
      400,
      'invalid_if_match',
    );
    expectProblem(
      await w.call('h1', 'POST', `${items}/${P}/comments`, { text: 'x' }, { 'if-match': '"1"' }),
      412,
      'version_conflict',
    );
  });

  it('a garbage cursor → 400 invalid_cursor', async () => {
    expectProblem(await w.call('super', 'GET', `${items}?cursor=garbage`), 400, 'invalid_cursor');
  });

  it('a wrong password → 401 invalid_credentials and no session', async () => {
    const n = async () => Number((await w.db.execute(sql`select count(*)::int as n from sessions`)).rows[0]!.n);
    const before = await n();
    expectProblem(
      await w.call(null, 'POST', '/api/v1/auth/login', { username: 'h1', password: 'nope-nope-nope' }),
      401,
      'invalid_credentials',
    );
    expect(await n()).toBe(before);
    expect((await w.call(null, 'POST', '/api/v1/auth/login', { username: 'h1', password: PASSWORD })).status).toBe(200);
    expect(await n()).toBe(before + 1);
  });

  it('very long Chinese text: 5000 characters are kept whole, 5001 are refused', async () => {
    const text = han(5000);
    expect(Buffer.byteLength(text)).toBe(15_000);
    const id = await report(w, 'super', { description: text, title: han(200) });
    const d = await w.call('super', 'GET', `${items}/${id}`);
    expect(d.body.description).toBe(text);
    expect(d.body.title).toBe(han(200));
    const r = await w.call('super', 'POST', items, {
      campaignId: w.campaignId,
      source: 'screening',
      title: 't',
      description: han(5001),
    });
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.errors[0].path).toBe('body.description');
  });

  it('the schema and the rules agree on the longest progress note (no 422 for what the schema admits)', async () => {
    // The schema (and so the OpenAPI document) says a note may have 5000 characters. Either the rules
    // accept that, or the schema refuses it up front as validation_failed — never a 422 from the decider.
    const r = await w.call('h1', 'POST', `${items}/${P}/progress`, { note: han(3000) });
    expect([200, 400], JSON.stringify(r.body).slice(0, 200)).toContain(r.status);
    if (r.status === 400) expect(r.body.errors[0].path).toBe('body.note');
  });

  it('SQL-looking text is stored and searched as text', async () => {
    const title = "'; DROP TABLE items; -- 王某户";
    const id = await report(w, 'super', { title });
    expect((await w.call('super', 'GET', `${items}/${id}`)).body.title).toBe(title);
    const r = await w.call('super', 'GET', `${items}?q=${encodeURIComponent("'; DROP TABLE")}`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    const none = await w.call('super', 'GET', `${items}?q=${encodeURIComponent("' OR '1'='1")}`);
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
  });

  it('a cursor whose value has the wrong type for its sort → 400 invalid_cursor, not 500', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const id = randomUUID();
    for (const [sort, v] of [
      ['seqNo', '2026-03-01'],
      ['reportedAt', 12],
      ['reportedAt', '1'],
      ['deadline', 5],
    ] as const) {
      const r = await w.call('super', 'GET', `${items}?sort=${sort}&cursor=${b64({ s: sort, v, id })}`);
      expect(r.status, `${sort} ${String(v)}`).toBe(400);
      expect(r.body.code).toBe('invalid_cursor');
    }
  });

  it('a NUL character in a username → 401 or 400, not 500', async () => {
    const r = await w.call(null, 'POST', '/api/v1/auth/login', { username: 'h1\u0000', password: PASSWORD });
    expect(r.status).toBeLessThan(500);
    expect([
      [401, 'invalid_credentials'],
      [400, 'validation_failed'],
    ]).toContainEqual([r.status, r.body.code]);
  });

  it('a NUL character in a search → 400, not 500', async () => {
    const r = await w.call('super', 'GET', `${items}?q=a%00b`);
    expect(r.status).toBeLessThan(500);
    expectProblem(r, 400, 'validation_failed');
  });
});

describe('concurrent commands on one item', () => {
  it('20 progress commands with the same If-Match: one 200, nineteen 412, version +1', async () => {
    const id = await inProgress();
    const v = (await w.call('h1', 'GET', `${items}/${id}`)).body.version as number;
    const events = async () =>
      Number((await w.db.execute(sql`select count(*)::int as n from item_events where item_id = ${id}`)).rows[0]!.n);
    const e0 = await events();
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.call('h1', 'POST', `${items}/${id}/progress`, { note: `第${i}次进展` }, { 'if-match': `"${v}"` }),
      ),
    );
    const by = (s: number) => rs.filter((r) => r.status === s);
    expect(rs.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(412)]);
    for (const r of by(412)) {
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'version_conflict', status: 412 });
    }
    expect(by(200)[0]!.body.version).toBe(v + 1);
    expect((await w.call('h1', 'GET', `${items}/${id}`)).body.version).toBe(v + 1);
    expect(await events()).toBe(e0 + 1);
    expect((await w.call('viewer', 'GET', `${items}/${id}/audit`)).body.ok).toBe(true);
  }, 90_000);

  it('20 accepts on an assigned item without If-Match: one 200, nineteen 409 invalid_transition', async () => {
    const id = await report(w);
    await assign(w, id);
    const v = (await w.call('h1', 'GET', `${items}/${id}`)).body.version as number;
    const rs = await Promise.all(Array.from({ length: 20 }, () => w.call('h1', 'POST', `${items}/${id}/accept`, {})));
    expect(rs.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(409)]);
    for (const r of rs.filter((x) => x.status === 409)) {
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'invalid_transition', status: 409 });
    }
    const d = (await w.call('h1', 'GET', `${items}/${id}`)).body;
    expect(d).toMatchObject({ status: 'in_progress', version: v + 1 });
    expect(d.timeline.filter((e: { type: string }) => e.type === 'ItemAccepted')).toHaveLength(1);
  }, 90_000);
});

/** One raw HTTP/1.1 exchange over a socket: the request is sent byte for byte as given. */
async function rawExchange(request: Buffer | string): Promise<{ status: number; type: string; body: string }> {
  const { connect } = await import('node:net');
  if (!w.app.server.listening) await w.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = w.app.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        type: /\r\ncontent-type: ([^\r]+)/i.exec(text)?.[1] ?? '',
        body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
      });
    });
    s.write(request);
  });
}

describe('bad text and framework-level errors (issue 15)', () => {
  const json = (user: string, url: string, payload: Buffer | string, type = 'application/json') =>
    w.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': type },
      payload,
    });

  it('a lone surrogate in any JSON string → 400 invalid_text naming the field; nothing written', async () => {
    const before = await snapshot();
    for (const note of ['\\ud800', 'ok \\udfff', '\\udc00\\ud800']) {
      const r = await json('h1', `${items}/${P}/progress`, `{"note":"${note}"}`);
      expect(r.statusCode, note).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'invalid_text', errors: [{ path: 'body.note' }] });
    }
    // A proper pair (an emoji) is a character and is fine.
    expect((await json('h1', `${items}/${P}/comments`, '{"text":"\\ud83d\\ude00 好"}')).statusCode).not.toBe(400);
    const after = await snapshot();
    delete before.item_events;
    delete after.item_events;
    delete before['~events-by-key'];
    delete after['~events-by-key'];
    delete before.items;
    delete after.items;
    delete before['~items-by-key'];
    delete after['~items-by-key'];
    expect(Object.keys(after)).toEqual(Object.keys(before));
  });

  it('bytes that are not UTF-8 → 400 invalid_utf8 (not stored as U+FFFD); charset=utf-16 → 415', async () => {
    const before = await snapshot();
    const bad = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xe4, 0xb8]), Buffer.from('"}')]);
    const r = await json('h1', `${items}/${P}/progress`, bad);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'invalid_utf8' });
    const u16 = await json(
      'h1',
      `${items}/${P}/progress`,
      Buffer.from('{"note":"进展"}', 'utf16le'),
      'application/json; charset=utf-16',
    );
    expect(u16.statusCode).toBe(415);
    expect(u16.json()).toMatchObject({ code: 'unsupported_charset' });
    expect(await snapshot()).toEqual(before);
  });

  it('PATCH with {} → 400 empty_patch (was 500), nothing written', async () => {
    const [hook] = await w.db
      .insert(webhookTargets)
      .values({
        unitId: w.units.village1.id,
        kind: 'wecom',
        name: '群',
        url: 'http://127.0.0.1:9/x',
        createdBy: w.userIds.admin!,
      })
      .returning();
    const mid = await snapshot();
    for (const url of [`/api/v1/users/${w.userIds.h1}`, `/api/v1/admin/webhooks/${hook!.id}`]) {
      const r = await w.call('admin', 'PATCH', url, {});
      expect(r.status, url).toBe(400);
      expect(r.body).toMatchObject({ code: 'empty_patch' });
    }
    expect(await snapshot()).toEqual(mid);
  });

  it('framework-level errors answer problem+json: headers too large (a very long URL), malformed request, bad %-escape', async () => {
    const long = await rawExchange(`GET /api/v1/items?q=${'x'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long.status).toBe(431);
    expect(long.type).toMatch(/application\/problem\+json/);
    expect(JSON.parse(long.body)).toMatchObject({ code: 'headers_too_large', status: 431 });
    const garbage = await rawExchange('THIS IS NOT HTTP\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.type).toMatch(/application\/problem\+json/);
    expect(JSON.parse(garbage.body)).toMatchObject({ code: 'malformed_request' });
    const badEscape = await w.app.inject({
      method: 'GET',
      url: `${items}/%E0%A4%A`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(badEscape.statusCode).toBeGreaterThanOrEqual(400);
    expect(badEscape.statusCode).toBeLessThan(500);
    expect(badEscape.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('a query string whose %-escapes are not UTF-8 → 400 bad_url, before anything is read; good escapes still search', async () => {
    const get = (query: string, token: string | null | undefined = w.tokens.super) =>
      w.app.inject({
        method: 'GET',
        url: `${items}?${query}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    for (const query of ['q=%ZZ', 'q=%ED%A0%80', 'q=%E4%B8', 'status=in_progress&q=%C0%AF', 'q=%']) {
      const r = await get(query);
      expect(r.statusCode, query).toBe(400);
      expect(r.headers['content-type'], query).toMatch(/application\/problem\+json/);
      expect(JSON.parse(r.body), query).toMatchObject({ code: 'bad_url', status: 400 });
    }
    // Refused before sign-in is checked: the URL itself is wrong, whoever sends it.
    expect(JSON.parse((await get('q=%ZZ', null)).body)).toMatchObject({ code: 'bad_url' });
    // 𠮷 (U+20BB7, four bytes in UTF-8), a '+' for a space and an escaped '%' are good escapes.
    for (const query of ['q=%F0%A0%AE%B7', 'q=%E8%B7%AF%E7%81%AF+%E4%B8%8D%E4%BA%AE', 'q=100%25']) {
      const r = await get(query);
      expect(r.statusCode, query).toBe(200);
    }
    // Through a percent-encoded path (/%61pi/… is the same route) as well.
    const encoded = await w.app.inject({
      method: 'GET',
      url: `${items.replace('/api/', '/%61pi/')}?q=%ZZ`,
      headers: { authorization: `Bearer ${w.tokens.super}` },
    });
    expect(JSON.parse(encoded.body)).toMatchObject({ code: 'bad_url' });
  });
});
