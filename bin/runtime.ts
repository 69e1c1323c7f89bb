// Assembling the process: database (server or embedded), migrations, engine, HTTP app, background work.
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { type AppDeps, buildApp } from '../api/app.ts';
import { createDb, migrateDb, type Db } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { systemClock, type Clock, type ItemEngine } from '../workflows/engine.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { openTemporalEngine } from '../workflows/temporal/connect.ts';
import { createQueueKit } from '../workers/queues.ts';
import { startWakeSweep } from '../workers/wake-sweep.ts';
import { createMailer } from '../workers/notify/channels/email.ts';
import { loggingSmsProvider } from '../workers/notify/channels/sms.ts';
import { startNotifier } from '../workers/notify/start.ts';
import { startDocumentWorkers } from '../workers/documents.ts';
import { startEvidenceWorkers } from '../workers/evidence.ts';
import { startImportWorkers } from '../workers/imports.ts';
import { createPictureProcess } from '../storage/picture-process.ts';
import { createLocalStore } from '../storage/local-store.ts';
import { createS3Store } from '../storage/s3-store.ts';
import type { Config } from './config.ts';

export type Log = (msg: string, extra?: object) => void;

/** The database URL: DATABASE_URL, or an embedded PostgreSQL in DATA_DIR/pg with a `zhenggai` database. */
async function openDatabase(config: Config, log: Log): Promise<{ url: string; stop: () => Promise<void> }> {
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

export async function openMigratedDb(
  config: Config,
  log: Log,
): Promise<{ db: Db; url: string; close: () => Promise<void> }> {
  const database = await openDatabase(config, log);
  const db = createDb(database.url, { max: config.DB_POOL_SIZE });
  try {
    await migrateDb(db);
  } catch (err) {
    await db.$client.end();
    await database.stop();
    throw new Error(`database migration failed: ${(err as Error).message}`);
  }
  return {
    db,
    url: database.url,
    close: async () => {
      await db.$client.end();
      await database.stop();
    },
  };
}

/** Evidence files: the S3-compatible store when S3_ENDPOINT is set, else DATA_DIR/files; staging in DATA_DIR/tmp. */
function evidenceDeps(config: Config, log: Log) {
  const dataDir = resolve(config.DATA_DIR);
  const store = config.S3_ENDPOINT
    ? createS3Store({
        endpoint: config.S3_ENDPOINT,
        bucket: config.S3_BUCKET,
        region: config.S3_REGION,
        forcePathStyle: true,
        accessKeyId: config.S3_ACCESS_KEY_ID!,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
      })
    : createLocalStore(join(dataDir, 'files'));
  log(
    `evidence files in ${config.S3_ENDPOINT ? `bucket ${config.S3_BUCKET} at ${config.S3_ENDPOINT}` : join(dataDir, 'files')}`,
  );
  return {
    store,
    stageDir: join(dataDir, 'tmp'),
    limits: {
      maxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
      maxRequestBytes: config.UPLOAD_MAX_REQUEST_BYTES,
      maxFiles: config.UPLOAD_MAX_FILES,
    },
  };
}

/** Everything `npm start` runs in one process: API, wake-up sweep. */
export async function startAll(
  config: Config,
  opts: { clock?: Clock; log: Log; beforeListen?: (db: Db) => Promise<void> },
) {
  const { log } = opts;
  const clock = opts.clock ?? systemClock;
  const { db, url, close: closeDb } = await openMigratedDb(config, log);
  const env = createEngineEnv(db);
  const kit = createQueueKit({ redisUrl: config.REDIS_URL, databaseUrl: url, log });
  let engine: ItemEngine;
  let readiness: (() => Promise<void>) | undefined;
  let stuckWorkflows: AppDeps['stuckWorkflows'];
  let afterListen = async () => {};
  let closeEngine = async () => {};
  let importWork: ReturnType<typeof startImportWorkers> | null = null;
  if (config.ENGINE === 'temporal') {
    // Wake-ups are the workflows' durable timers; the worker process (`zhenggai worker`) runs them.
    const temporal = openTemporalEngine(
      { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE },
      { db, env, clock },
    );
    engine = temporal.engine;
    readiness = () => temporal.engine.probe();
    stuckWorkflows = () => temporal.engine.stuckWorkflows();
    closeEngine = temporal.close;
    log(
      `lifecycles run on Temporal at ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
    );
  } else {
    const local = createLocalEngine({ db, env, clock });
    engine = local;
    const sweep = await startWakeSweep(
      kit,
      { db, engine: local, clock },
      { everySeconds: config.SWEEP_EVERY_SECONDS, log },
    );
    afterListen = async () => {
      await sweep.runNow();
    };
    // Large ledger imports commit through the local engine's executeIn (one transaction).
    importWork = startImportWorkers(kit, { db, engine: local, clock, log });
    log(`lifecycles run locally; wake-up sweep every ${config.SWEEP_EVERY_SECONDS} s`);
  }
  // Notices come from the outbox both runtimes write (workflows/ledger.ts).
  const mailer = config.SMTP_URL
    ? createMailer({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs: config.NOTIFY_TIMEOUT_MS })
    : null;
  const notifier = await startNotifier(
    kit,
    {
      db,
      engine,
      env,
      clock,
      kit,
      mailer,
      sms: loggingSmsProvider((m) => log(m)),
      log,
      config: {
        allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
        ratePerHour: config.NOTIFY_RATE_PER_HOUR,
        timeoutMs: config.NOTIFY_TIMEOUT_MS,
        attempts: config.NOTIFY_ATTEMPTS,
        backoffMs: config.NOTIFY_BACKOFF_MS,
      },
    },
    { drainEverySeconds: config.NOTIFY_EVERY_SECONDS, digestCron: config.DIGEST_CRON, reconcileEverySeconds: 600 },
    { log },
  );
  log(
    `background work on BullMQ's ${kit.backend} backend; notifications every ${config.NOTIFY_EVERY_SECONDS} s (e-mail ${mailer ? 'on' : 'off: no SMTP_URL'}, SMS provider ${config.SMS_PROVIDER})`,
  );
  // Evidence: photos' picture work and the paper sign-off guard's passes, off the request path.
  const evidence = evidenceDeps(config, log);
  const pictures = createPictureProcess({ log });
  const evidenceWork = await startEvidenceWorkers(kit, {
    db,
    engine,
    store: evidence.store,
    stageDir: evidence.stageDir,
    log,
    pictures: pictures.run,
  });
  // Official documents: each issued document's PDF, made by LibreOffice one at a time.
  const documentWork = startDocumentWorkers(kit, { db, store: evidence.store, log });
  await opts.beforeListen?.(db);
  const webRoot = fileURLToPath(new URL('../web/dist', import.meta.url));
  const app = await buildApp({
    db,
    engine,
    env,
    clock,
    config,
    readiness,
    stuckWorkflows,
    webRoot,
    queues: kit,
    webhookAllowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
    metricsToken: config.METRICS_TOKEN,
    evidence: { ...evidence, jobs: evidenceWork.jobs },
    documents: { jobs: documentWork.jobs },
    imports: {
      maxRows: config.IMPORT_MAX_ROWS,
      maxColumns: config.IMPORT_MAX_COLUMNS,
      maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
      maxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
      ...(importWork ? { queue: importWork.imports } : {}),
    },
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  app.server.requestTimeout = 30_000;
  app.server.headersTimeout = 15_000;
  await afterListen();
  await notifier.reconcileNow(); // after downtime: lost jobs and wrong wake-ups are repaired at once

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      log('shutting down: no new requests, finishing background jobs');
      await app.close();
      await notifier.close();
      await evidenceWork.close();
      await documentWork.close();
      await pictures.close();
      await importWork?.close();
      await kit.close();
      await closeEngine();
      mailer?.close();
      await closeDb();
      log('stopped');
    })());
  return { app, db, engine, close };
}
