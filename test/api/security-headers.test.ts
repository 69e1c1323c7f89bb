// Security headers on the web application, the API and its errors: a strict CSP (no inline script or style,
// no framing), Referrer-Policy no-referrer, nosniff, X-Frame-Options DENY. The e2e suite runs the built app
// under this policy in Chromium and fails on any violation (test/e2e/web.e2e.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { createTestDatabase } from '../support/db.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine } from '../../workflows/local/local-engine.ts';
import { systemClock } from '../../workflows/engine.ts';

const root = mkdtempSync(join(tmpdir(), 'zhenggai-web-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app">整改通</div>');

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

describe('security headers', () => {
  it('are sent with the page, API answers and errors alike', async () => {
    for (const url of ['/', '/ledger', '/api/v1/items', '/api/v1/no-such-thing', '/healthz']) {
      const r = await app.inject({ url });
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});
