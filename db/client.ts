// The database client factory: one `pg` pool and its drizzle handle. Nothing connects at import time.
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A transaction handle; queries take `Db | Tx` so they run inside or outside one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

// Dates and timestamps stay strings end to end (the domain works in ISO strings).
pg.types.setTypeParser(1082, (v) => v); // date
pg.types.setTypeParser(1184, (v) => new Date(v).toISOString()); // timestamptz
pg.types.setTypeParser(20, (v) => Number(v)); // int8 counts

export function createDb(url: string, opts: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    application_name: opts.applicationName ?? 'zhenggai',
    // Fail fast rather than queue forever when the server is gone.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its server (restart, failover) must not crash the process: idle ones are reported by
  // the pool, checked-out ones (e.g. between two statements of a transaction) by their own listener; the
  // query in flight fails and the pool connects afresh for the next one.
  pool.on('error', (err) => console.error(`[db] idle client error: ${err.message}`));
  pool.on('connect', (client) => {
    client.on('error', (err) => console.error(`[db] connection lost: ${err.message}`));
  });
  return drizzle({ client: pool, schema }) as Db;
}

export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
