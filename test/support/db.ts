// Each test file gets its own database, cloned from the migrated template (~0.1 s).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { withDatabase } from './global-setup.ts';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `zg_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 10 });
  afterAll(async () => {
    await db.$client.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return { db, url, name };
}
