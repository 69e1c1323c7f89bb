// Assembling the process: database (server or embedded), migrations, engine, HTTP app, background work.
import { join, resolve } from 'node:path';
import pg from 'pg';
import { buildApp } from '../api/app.ts';
import { createDb, migrateDb, type Db } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { systemClock, type Clock } from '../workflows/engine.ts';
import { createEngineEnv } from '../workflows/local/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { createQueueKit } from '../workers/queues.ts';
import { startWakeSweep } from '../workers/wake-sweep.ts';
import { createLocalStore } from '../storage/local-store.ts';
import { createS3Store } from '../storage/s3-store.ts';
import type { Config } from './config.ts';

export type Log = (msg: string, extra?: object) => void;

/** The database URL: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR/pg with a `zhenggai` database. */
export async function openDatabase(config: Config, log: Log): Promise<{ url: string; stop: () => Promise<void> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };
  const dir = join(resolve(config.DATA_DIR), 'pg');
  const t0 = Date.now();
  const server = await startEmbeddedPostgres({ dir, durable: true });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const { rowCount } = await admin.query(`select 1 from pg_database where datname = 'zhenggai'`);
  if (!rowCount) await admin.query('create database zhenggai');
  await admin.end();
  log(`embedded PostgreSQL ready in ${Date.now() - t0} ms (data in ${dir}; set DATABASE_URL to use a server)`);
  return { url: server.url('zhenggai'), stop: () => server.stop() };
}

export async function openMigratedDb(config: Config, log: Log): Promise<{ db: Db; url: string; close: () => Promise<void> }> {
  const database = await openDatabase(config, log);
  const db = createDb(database.url, { max: config.DB_POOL_SIZE });
  try {
    await migrateDb(db);
  } catch (err) {
    await db.$client.end();
    await database.stop();
    throw new Error(`database migration failed: ${(err as Error).message}`);
  }
  return { db, url: database.url, close: async () => { await db.$client.end(); await database.stop(); } };
}

/** Evidence files: the S3-compatible store when S3_ENDPOINT is set, else DATA_DIR/files; staging in DATA_DIR/tmp. */
export function evidenceDeps(config: Config, log: Log) {
  const dataDir = resolve(config.DATA_DIR);
  const store = config.S3_ENDPOINT
    ? createS3Store({
      endpoint: config.S3_ENDPOINT, bucket: config.S3_BUCKET, region: config.S3_REGION, forcePathStyle: true,
      accessKeyId: config.S3_ACCESS_KEY_ID!, secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    })
    : createLocalStore(join(dataDir, 'files'));
  log(`evidence files in ${config.S3_ENDPOINT ? `bucket ${config.S3_BUCKET} at ${config.S3_ENDPOINT}` : join(dataDir, 'files')}`);
  return {
    store, stageDir: join(dataDir, 'tmp'),
    limits: { maxFileBytes: config.UPLOAD_MAX_FILE_BYTES, maxRequestBytes: config.UPLOAD_MAX_REQUEST_BYTES, maxFiles: config.UPLOAD_MAX_FILES },
  };
}

/** Everything `npm start` runs in one process: API, wake-up sweep. */
export async function startAll(config: Config, opts: { clock?: Clock; log: Log; beforeListen?: (db: Db) => Promise<void> }) {
  const { log } = opts;
  const clock = opts.clock ?? systemClock;
  const { db, url, close: closeDb } = await openMigratedDb(config, log);
  const env = createEngineEnv(db);
  const engine = createLocalEngine({ db, env, clock });
  const kit = createQueueKit({ redisUrl: config.REDIS_URL, databaseUrl: url });
  const sweep = await startWakeSweep(kit, { db, engine, clock }, { everySeconds: config.SWEEP_EVERY_SECONDS, log });
  log(`background work on BullMQ's ${kit.backend} backend; wake-up sweep every ${config.SWEEP_EVERY_SECONDS} s`);
  await opts.beforeListen?.(db);
  const app = await buildApp({
    db, engine, env, clock, config, evidence: evidenceDeps(config, log),
    imports: { maxRows: config.IMPORT_MAX_ROWS, maxColumns: config.IMPORT_MAX_COLUMNS, maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES, maxFileBytes: config.UPLOAD_MAX_FILE_BYTES },
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  app.server.requestTimeout = 30_000;
  app.server.headersTimeout = 15_000;
  await sweep.runNow();

  let closing: Promise<void> | null = null;
  const close = () => (closing ??= (async () => {
    log('shutting down: no new requests, finishing background jobs');
    await app.close();
    await kit.close();
    await closeDb();
    log('stopped');
  })());
  return { app, db, engine, close };
}
