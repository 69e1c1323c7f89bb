// Serving the web application beside the API: built files with the right caching, deep links answered
// with index.html (the browser's router takes over), /api paths still problem+json, no token needed
// for the page itself; and a clear 503 page when the application was never built.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import web from '../../api/plugins/web.ts';
import { createTestDatabase } from '../support/db.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine } from '../../workflows/local/local-engine.ts';
import { systemClock } from '../../workflows/engine.ts';

const root = mkdtempSync(join(tmpdir(), 'zhenggai-web-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app">整改通</div>');
writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');

let app: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => {
  const { db } = await createTestDatabase();
  const env = createEngineEnv(db);
  app = await buildApp({
    db,
    env,
    clock: systemClock,
    engine: createLocalEngine({ db, env, clock: systemClock }),
    webRoot: root,
    config: { TOKEN_TTL_HOURS: 1, BODY_LIMIT: 65_536, LOG_LEVEL: 'silent' },
  });
});
afterAll(() => app?.close());

describe('the web application served by the API process', () => {
  it('serves index.html at / and for deep links, never cached', async () => {
    for (const url of ['/', '/ledger', '/items/4b1c6c1e-2c4f-4a39-9d8e-1f1d8f7a8b9c', '/ledger?overdue=true']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('整改通');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const r = await app.inject({ url: '/assets/index-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/javascript/);
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('keeps /api answers: unknown API paths are problem+json 404, API routes still need a token', async () => {
    const missing = await app.inject({ url: '/api/v1/no-such-thing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'not_found' });
    expect((await app.inject({ url: '/api/v1/items' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/openapi.json' })).headers['content-type']).toMatch(/json/);
  });

  it('does not serve the SPA for other methods', async () => {
    const r = await app.inject({ method: 'POST', url: '/ledger', payload: {} });
    expect(r.statusCode).toBe(404);
  });

  it('answers 503 with a hint when the application was never built', async () => {
    const bare = Fastify();
    await bare.register(web, { root: join(root, 'missing') });
    const r = await bare.inject({ url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:web');
    await bare.close();
  });
});
