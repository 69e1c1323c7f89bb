// One PostgreSQL for the whole run: the embedded one, or the server named by DATABASE_URL.
// A template database is migrated once; each test file clones it (CREATE DATABASE … TEMPLATE).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, migrateDb } from '../../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';
import { ensureLoginRole, grantAppRole } from '../../db/roles.ts';

/** The application's role in the test run (the app under test connects as it; fixtures use the owner). */
export const TEST_APP_ROLE = 'zhenggai_app';
export const TEST_APP_PASSWORD = 'zhenggai-app-test';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

const HOOKED = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'message'];
const emitter: NodeJS.EventEmitter = process;

export default async function setup(project: TestProject) {
  let server: EmbeddedServer | null = null;
  let dir: string | null = null;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
    console.log(`[test] using the PostgreSQL server from DATABASE_URL`);
  } else {
    dir = await mkdtemp(join(tmpdir(), 'zhenggai-test-'));
    const t0 = Date.now();
    const before = new Map(HOOKED.map((e) => [e, new Set(emitter.listeners(e))]));
    server = await startEmbeddedPostgres({ dir: join(dir, 'pg'), durable: false });
    // The package's exit hooks (async-exit-hook) call process.exit(0) on 'beforeExit', which turned a
    // failed run into exit code 0. The teardown below stops the server, so the hooks are taken off
    // again and the run's exit code is vitest's own.
    for (const e of HOOKED)
      for (const l of emitter.listeners(e)) if (!before.get(e)!.has(l)) emitter.removeListener(e, l as () => void);
    adminUrl = server.url('postgres');
    console.log(`[test] embedded PostgreSQL ready in ${Date.now() - t0} ms (DATABASE_URL not set)`);
  }
  const template = `zg_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const db = createDb(withDatabase(adminUrl, template), { max: 1 });
  await migrateDb(db);
  await db.$client.end();
  // The application's role, as `npm start` makes it: the grants live in the template and come with each clone.
  await ensureLoginRole(adminUrl, TEST_APP_ROLE, TEST_APP_PASSWORD);
  await grantAppRole(withDatabase(adminUrl, template), TEST_APP_ROLE);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`).catch(() => {});
    await admin.end();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
