// One PostgreSQL for the whole run: the embedded one, or the server named by DATABASE_URL.
// A template database is migrated once; each test file clones it (CREATE DATABASE … TEMPLATE).
// One Temporal server for the whole run too: TEMPORAL_ADDRESS, or a `temporal server start-dev` of our
// own (in memory) when the CLI is installed; and the time-skipping test server's path, which each suite
// that needs it starts for itself (its clock is shared by everything connected to it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, migrateDb } from '../../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';
import {
  type DevServer,
  INSTALL_HINT,
  startDevServer,
  temporalCliPath,
  temporalRequired,
  temporalTestServerPath,
} from './temporal.ts';
import { ensureLoginRole, grantAppRole } from '../../db/roles.ts';

/** The application's role in the test run (the app under test connects as it; fixtures use the owner). */
export const TEST_APP_ROLE = 'zhenggai_app';
export const TEST_APP_PASSWORD = 'zhenggai-app-test';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    /** host:port of a Temporal frontend, or '' when none (the suites skip, or fail when required). */
    temporalAddress: string;
    /** The time-skipping test server binary, or ''. */
    temporalTestServer: string;
    /** ZG_REQUIRE_TEMPORAL / CI: a Temporal suite that cannot run is a failure, not a skip. */
    temporalRequired: boolean;
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

  const required = temporalRequired();
  let dev: DevServer | null = null;
  let temporalAddress = process.env.TEMPORAL_ADDRESS ?? '';
  const cli = temporalCliPath();
  const testServer = temporalTestServerPath() ?? '';
  if (!temporalAddress && cli) {
    const t0 = Date.now();
    // A workflow whose tasks fail twice in a row is reported stuck (TemporalReportedProblems) — soon enough
    // for the alert test; the server's default waits for more failures.
    dev = await startDevServer({
      cli,
      dynamicConfig: { 'system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute': 2 },
    });
    temporalAddress = dev.address;
    console.log(`[test] temporal server start-dev ready on ${temporalAddress} in ${Date.now() - t0} ms`);
  }
  const missing = [
    temporalAddress ? null : 'a Temporal server (TEMPORAL_ADDRESS, or the CLI for `temporal server start-dev`)',
    testServer ? null : 'the time-skipping test server (TEMPORAL_TEST_SERVER_PATH)',
  ].filter((m) => m !== null);
  if (missing.length && required) {
    await dev?.stop();
    throw new Error(
      `Temporal is required here (ZG_REQUIRE_TEMPORAL/CI) but ${missing.join(' and ')} is missing: ${INSTALL_HINT}`,
    );
  }
  if (missing.length)
    console.log(`[test] Temporal suites SKIPPED for lack of ${missing.join(' and ')}: ${INSTALL_HINT}`);
  project.provide('temporalAddress', temporalAddress);
  project.provide('temporalTestServer', testServer);
  project.provide('temporalRequired', required);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`).catch(() => {});
    await admin.end();
    await server?.stop();
    await dev?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
