// Each test file gets its own database, cloned from the migrated template (~0.1 s).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { withCredentials } from '../../db/roles.ts';
import { TEST_APP_PASSWORD, TEST_APP_ROLE, withDatabase } from './global-setup.ts';

export interface TestDatabase {
  /** The owner's (superuser's) handle: fixtures, and forgers in the trail tests. */
  db: Db;
  url: string;
  /** The application's role (INSERT-only on the trail), as `npm start` connects. */
  appUrl: string;
  name: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `zg_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  // Database privileges are not cloned with the template (db/roles.ts says why the app role needs this one).
  await admin.query(`GRANT CREATE ON DATABASE ${name} TO ${TEST_APP_ROLE}`);
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 10 });
  afterAll(async () => {
    await db.$client.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  const appUrl = withCredentials(url, TEST_APP_ROLE, TEST_APP_PASSWORD);
  return { db, url, appUrl, name };
}
