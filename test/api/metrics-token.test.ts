// /metrics behind an optional scrape token (METRICS_TOKEN): open when unset; when set, only a request
// carrying it as a bearer token gets the figures, anything else a 401 problem+json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../bin/config.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine } from '../../workflows/local/local-engine.ts';
import { TestClock } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';

const TOKEN = 'scrape-0123456789abcdef';
let open: FastifyInstance;
let guarded: FastifyInstance;
beforeAll(async () => {
  const { db } = await createTestDatabase();
  const clock = new TestClock(new Date('2026-03-02T02:00:00.000Z'));
  const env = createEngineEnv(db, 0);
  const deps = {
    db,
    env,
    clock,
    engine: createLocalEngine({ db, env, clock }),
    config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 64 * 1024, LOG_LEVEL: 'silent' as const },
  };
  open = await buildApp(deps);
  guarded = await buildApp({ ...deps, metricsToken: TOKEN });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});

describe('/metrics scrape token', () => {
  it('is open when no token is configured', async () => {
    const r = await open.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('zhenggai_notify_outbox');
  });

  it('answers only the configured bearer token when one is set', async () => {
    const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('zhenggai_notify_outbox');
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      'Bearer ',
      `Basic ${TOKEN}`,
    ]) {
      const r = await guarded.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(r.statusCode, String(authorization)).toBe(401);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.parse(r.body)).toMatchObject({
        code: 'unauthenticated',
        detail: expect.stringContaining('METRICS_TOKEN'),
      });
      expect(r.body).not.toContain('zhenggai_notify_outbox');
    }
    // The rest of the public surface does not need it.
    expect((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('is read from METRICS_TOKEN, and a token too short to be a secret stops the start', () => {
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN).toBe(TOKEN);
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN="short": at least 16 characters/);
  });
});
