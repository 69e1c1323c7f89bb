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
  const open = new Set<pg.PoolClient>();
  openClients.set(pool, open);
  pool.on('connect', (client) => {
    open.add(client);
    client.on('end', () => open.delete(client));
    client.on('error', (err) => console.error(`[db] connection lost: ${err.message}`));
  });
  return drizzle({ client: pool, schema }) as Db;
}

const openClients = new WeakMap<pg.Pool, Set<pg.PoolClient>>();

/**
 * End the pool and wait until its connections are closed. pg-pool's end() resolves once it has asked its
 * idle clients to end, not once they have; stopping PostgreSQL right after would terminate them mid-goodbye
 * ("terminating connection due to administrator command" on a clean shutdown).
 */
export async function endPool(db: Db, waitMs = 5_000): Promise<void> {
  const pool = db.$client as pg.Pool;
  await pool.end();
  const open = openClients.get(pool);
  const t0 = Date.now();
  while (open && open.size > 0 && Date.now() - t0 < waitMs) await new Promise((r) => setTimeout(r, 10));
}

export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
