// The server as `npm start` and the image run it: the esbuild bundle of bin/build-server.mjs. Built from the
// sources, it migrates an empty database (the migrations folder is found beside db/ although the code runs
// from .build/), then starts and answers /readyz, the OpenAPI document and the API docs' page with its files
// (a bundled package's own folder). The browser suites (test/e2e) run the same bundle for every screen, on
// both engines.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServerBundle } from '../../bench/server-process.ts';
import { withDatabase } from '../support/global-setup.ts';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('the server bundle', () => {
  const adminUrl = inject('pgAdminUrl');
  const name = `zg_bundle_${process.pid}`;
  let url: string;
  let dataDir: string;
  let bundle: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    url = withDatabase(adminUrl, name);
    dataDir = await mkdtemp(join(tmpdir(), 'zg-bundle-'));
    bundle = buildServerBundle();
  }, 120_000);
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates an empty database, then starts and answers', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    const migrate = spawnSync(process.execPath, [bundle, 'migrate'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from information_schema.tables where table_name in ('items', 'item_events')`,
    );
    await db.end();
    expect(rows[0]!.n).toBe(2);

    const port = await freePort();
    const child = spawn(process.execPath, [bundle, 'start'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const ok = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`the bundle did not become ready:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const openapi = await fetch(`${base}/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { paths: object }).paths).toHaveProperty(['/api/v1/items']);
      const docs = await fetch(`${base}/docs/`);
      expect(docs.status, out).toBe(200);
      expect(await docs.text()).toContain('swagger');
      // Served from @fastify/swagger-ui's own folder in node_modules: the bundled package finds its files.
      const css = await fetch(`${base}/docs/static/swagger-ui.css`);
      expect(css.status, out).toBe(200);
      expect((await css.text()).length).toBeGreaterThan(10_000);
      const problem = await fetch(`${base}/api/v1/items`);
      expect(problem.status).toBe(401);
      expect(problem.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      child.kill('SIGTERM');
      expect(await exited, out).toBe(0);
    }
  }, 180_000);
});
