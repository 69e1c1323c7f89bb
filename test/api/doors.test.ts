// The doors: authentication is decided per route and denied by default. Every route of the OpenAPI
// document is asked without a token three ways over a real socket — the plain path, the path with a
// percent-encoded letter (/%61pi/v1/…, which the router decodes to the same route) and an absolute-form
// request line (GET http://host/api/v1/… HTTP/1.1) — and each must answer 401 problem+json, never run.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type World } from '../support/app.ts';

let w: World;
let port: number;
const PUBLIC = new Set([
  'POST /api/v1/auth/login',
  // the public side (公示): a campaign whose public side is off answers 404 there (test/api/public-side.test.ts)
  'GET /api/v1/public/campaigns/{id}',
  'GET /api/v1/public/campaigns/{id}/notices',
  'GET /api/v1/public/campaigns/{id}/notices/{itemId}',
  'GET /api/v1/public/campaigns/{id}/notices/{itemId}/photos/{attachmentId}',
  'POST /api/v1/public/campaigns/{id}/notices/{itemId}/objections',
]);

beforeAll(async () => {
  w = await build();
  await w.app.listen({ port: 0, host: '127.0.0.1' });
  port = (w.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await w.app.close();
});

/** One raw HTTP/1.1 exchange: the request line is sent exactly as given. */
function raw(method: string, target: string, body?: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const type = /\r\ncontent-type: ([^\r]+)/i.exec(text)?.[1] ?? '';
      resolve({ status, type, text });
    });
    const head = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
    if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    s.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

const sample = (name: string) =>
  /year/i.test(name)
    ? '2026'
    : /period/i.test(name)
      ? '2026-03'
      : /name/i.test(name)
        ? 'evidence'
        : '00000000-0000-4000-8000-000000000001';

describe('authentication is decided per route, deny by default', () => {
  it('answers 401 problem+json to every non-public route of the OpenAPI document, however the path is written', async () => {
    const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
    expect(routes.length).toBeGreaterThan(60);
    const failures: string[] = [];
    let checked = 0;
    for (const { method, path } of routes) {
      if (PUBLIC.has(`${method} ${path}`)) continue;
      const concrete = path.replace(/\{([^}]+)\}/g, (_m, n: string) => sample(n));
      expect(concrete.startsWith('/api/')).toBe(true);
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      for (const target of [
        concrete,
        `/%61pi${concrete.slice(4)}`,
        `http://127.0.0.1:${port}${concrete}`,
        `http://127.0.0.1:${port}/%61pi${concrete.slice(4)}`,
      ]) {
        const r = await raw(method, target, body);
        checked++;
        if (r.status !== 401 || !r.type.startsWith('application/problem+json')) {
          failures.push(`${method} ${target} → ${r.status} ${r.type} ${r.text.split('\r\n\r\n')[1]?.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(240);
  });

  it('keeps the public doors open: login, health, the OpenAPI document', async () => {
    expect((await raw('GET', '/healthz')).status).toBe(200);
    expect((await raw('GET', '/openapi.json')).status).toBe(200);
    const login = await raw(
      'POST',
      '/api/v1/auth/login',
      JSON.stringify({ username: 'h1', password: 'wrong-password' }),
    );
    expect(login.status).toBe(401);
    expect(login.text).toContain('invalid_credentials');
  });
});
