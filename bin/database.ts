// Opening the database (a server, or the embedded PostgreSQL), migrating it, and the trail's signing key: what
// every command needs before anything else, and all a cluster's primary loads (bin/cluster.ts).
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, endPool, migrateDb, type Db } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { EMBEDDED_APP_ROLE, ensureLoginRole, grantAppRole, roleOf, withCredentials } from '../db/roles.ts';
import { loadTrailSigner } from '../services/trail/signer.ts';
import { type Config, poolPerProcess } from './config.ts';

export type Log = (msg: string, extra?: object) => void;

/**
 * The database: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR/pg with a `zhenggai` database.
 * `ownerUrl` runs migrations; `url` serves the application. They differ when the trail is protected
 * by privileges: embedded (the `zhenggai_app` role, a new password each start) or DATABASE_OWNER_URL.
 */
export async function openDatabase(
  config: Config,
  log: Log,
): Promise<{ url: string; ownerUrl: string; appRole: string | null; stop: () => Promise<void> }> {
  if (config.DATABASE_URL) {
    if (!config.DATABASE_OWNER_URL) {
      log(
        'DATABASE_OWNER_URL is not set: migrations run as the DATABASE_URL role, which then owns the trail (only the append-only trigger and the checkpoints guard it)',
      );
    }
    const ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_URL;
    const appRole = config.DATABASE_OWNER_URL ? roleOf(config.DATABASE_URL) : null;
    return { url: config.DATABASE_URL, ownerUrl, appRole, stop: async () => {} };
  }
  const dir = join(resolve(config.DATA_DIR), 'pg');
  const t0 = Date.now();
  // Each server process holds its share of DB_POOL_SIZE and its queues' connections on BullMQ's PostgreSQL
  // backend (up to ~40 where the workers run, at most 16 in an HTTP-only process): room for them all, and for
  // the CLI, psql and a backup beside.
  const server = await startEmbeddedPostgres({
    dir,
    durable: true,
    maxConnections: Math.max(200, 100 + config.DB_POOL_SIZE + 50 * config.SERVER_PROCESSES),
  });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const { rowCount } = await admin.query(`select 1 from pg_database where datname = 'zhenggai'`);
  if (!rowCount) await admin.query('create database zhenggai');
  await admin.end();
  const password = randomBytes(18).toString('base64url');
  await ensureLoginRole(server.url('postgres'), EMBEDDED_APP_ROLE, password);
  log(`embedded PostgreSQL ready in ${Date.now() - t0} ms (data in ${dir}; set DATABASE_URL to use a server)`);
  const ownerUrl = server.url('zhenggai');
  return {
    url: withCredentials(ownerUrl, EMBEDDED_APP_ROLE, password),
    ownerUrl,
    appRole: EMBEDDED_APP_ROLE,
    stop: () => server.stop(),
  };
}

export type OpenedDatabase = Awaited<ReturnType<typeof openDatabase>>;

/** The database opened and migrated (the owner's role applies the migrations, then grants the app's role). */
export async function openMigratedDatabase(config: Config, log: Log): Promise<OpenedDatabase> {
  const database = await openDatabase(config, log);
  try {
    const owner = createDb(database.ownerUrl, { max: 1, applicationName: 'zhenggai-migrate' });
    try {
      await migrateDb(owner);
    } finally {
      await owner.$client.end();
    }
    if (database.appRole) await grantAppRole(database.ownerUrl, database.appRole);
  } catch (err) {
    await database.stop();
    throw new Error(`database migration failed: ${(err as Error).message}`);
  }
  return database;
}

/** A pool on the migrated database; `close` ends it and stops the embedded PostgreSQL, if any. */
export async function openMigratedDb(
  config: Config,
  log: Log,
  /** Opened and migrated already (a server process of a cluster: its primary did it); not stopped by close. */
  given?: OpenedDatabase,
): Promise<{ db: Db; url: string; ownerUrl: string; close: () => Promise<void> }> {
  const database = given ?? (await openMigratedDatabase(config, log));
  const db = createDb(database.url, { max: poolPerProcess(config) });
  return {
    db,
    url: database.url,
    ownerUrl: database.ownerUrl,
    close: async () => {
      await endPool(db);
      if (!given) await database.stop();
    },
  };
}

/** The checkpoint key: TRAIL_KEY, or TRAIL_KEY_FILE / DATA_DIR/trail-key.pem (created when embedded). */
export function trailSigner(config: Config, log: Log) {
  return loadTrailSigner({
    pem: config.TRAIL_KEY,
    file: config.TRAIL_KEY_FILE ?? join(resolve(config.DATA_DIR), 'trail-key.pem'),
    create: !config.DATABASE_URL || config.TRAIL_KEY_FILE === undefined,
    log,
  });
}
