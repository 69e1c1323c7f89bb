// Assembling the process: database (server or embedded), migrations, engine, HTTP app, background work.
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { type AppDeps, buildApp } from '../api/app.ts';
import type { Db } from '../db/client.ts';
import { type Log, type OpenedDatabase, openMigratedDb, trailSigner } from './database.ts';
import { systemClock, type Clock, type ItemEngine } from '../workflows/engine.ts';
import { createEngineEnv, type EngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine, type LocalEngine } from '../workflows/local/local-engine.ts';
import { createQueueKit, type QueueKit } from '../workers/queues.ts';
import { startWakeSweep } from '../workers/wake-sweep.ts';
import { startCheckpoints } from '../workers/checkpoints.ts';
import { startTallyFold } from '../workers/tally-fold.ts';
import { createMailer } from '../workers/notify/channels/email.ts';
import { loggingSmsProvider } from '../workers/notify/channels/sms.ts';
import { deliveryJobs, startNotifier } from '../workers/notify/start.ts';
import type { NotifyConfig } from '../workers/notify/notifier.ts';
import { documentJobs, startDocumentWorkers } from '../workers/documents.ts';
import { evidenceJobs, startEvidenceWorkers } from '../workers/evidence.ts';
import type { TrailSigner } from '../services/trail/signer.ts';
import { importJobs, startImportWorkers } from '../workers/imports.ts';
import { createPictureProcess } from '../storage/picture-process.ts';
import { createLocalStore } from '../storage/local-store.ts';
import type { Config } from './config.ts';

/** Evidence files: the S3-compatible store when S3_ENDPOINT is set, else DATA_DIR/files; staging in DATA_DIR/tmp. */
async function evidenceDeps(config: Config, log: Log) {
  const dataDir = resolve(config.DATA_DIR);
  // The AWS SDK is loaded only where S3 is configured (tens of MB a local store never needs).
  const store = config.S3_ENDPOINT
    ? (await import('../storage/s3-store.ts')).createS3Store({
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

/** /readyz fails when the queue backend does not answer within 2 s (BullMQ would wait for it forever). */
export function queueReadiness(kit: QueueKit, timeoutMs = 2000) {
  return async () => {
    const name = kit.names()[0];
    if (!name) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the queue backend (${kit.backend}) does not answer: background work is stalled`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([kit.counts(name), late]);
    } catch (err) {
      throw new Error(`queue backend (${kit.backend}): ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  };
}

interface RuntimeParts {
  config: Config;
  log: Log;
  db: Db;
  env: EngineEnv;
  clock: Clock;
  kit: QueueKit;
  engine: ItemEngine;
  /** The local engine when lifecycles run here (its wake-up sweep and imports' commits need it); else null. */
  local: LocalEngine | null;
  signer: TrailSigner;
  evidence: Awaited<ReturnType<typeof evidenceDeps>>;
  notify: NotifyConfig;
}

/**
 * The background work: the wake-up sweep (local engine), the notifier, trail checkpoints, the tally fold,
 * evidence, documents' PDFs and imports' commits — each a BullMQ worker or a schedule on the shared queues.
 * Started once the process listens (requests meanwhile put their jobs on the queues, where they wait);
 * then the first sweep runs and lost jobs are repaired.
 */
async function startBackground(p: RuntimeParts): Promise<{ close(): Promise<void> }> {
  const { config, log, db, env, clock, kit, engine, local, signer, evidence } = p;
  const sweep = local
    ? await startWakeSweep(kit, { db, engine: local, clock }, { everySeconds: config.SWEEP_EVERY_SECONDS, log })
    : null;
  if (local) log(`lifecycles run locally; wake-up sweep every ${config.SWEEP_EVERY_SECONDS} s`);
  // Large ledger imports commit through the local engine's executeIn (one transaction).
  const importWork = local ? startImportWorkers(kit, { db, engine: local, clock, log }) : null;
  // Notices come from the outbox both runtimes write (workflows/ledger.ts).
  const mailer = config.SMTP_URL
    ? createMailer({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs: config.NOTIFY_TIMEOUT_MS })
    : null;
  const notifier = await startNotifier(
    kit,
    {
      db,
      documentStore: evidence.store,
      engine,
      env,
      clock,
      kit,
      mailer,
      sms: loggingSmsProvider((m) => log(m)),
      log,
      config: p.notify,
    },
    {
      drainEverySeconds: config.NOTIFY_EVERY_SECONDS,
      digestCron: config.DIGEST_CRON,
      reconcileEverySeconds: config.NOTIFY_RECONCILE_SECONDS,
      // Schedules lost with an emptied Redis come back as soon as lost deliveries are looked for.
      ensureEverySeconds: config.NOTIFY_RECONCILE_SECONDS,
    },
    { log },
  );
  log(
    `background work on BullMQ's ${kit.backend} backend; notifications every ${config.NOTIFY_EVERY_SECONDS} s (e-mail ${mailer ? 'on' : 'off: no SMTP_URL'}, SMS provider ${config.SMS_PROVIDER})`,
  );
  const checkpoints = await startCheckpoints(
    kit,
    { db, signer, clock },
    { everyMinutes: config.CHECKPOINT_EVERY_MINUTES, log },
  );
  log(`trail checkpoints every ${config.CHECKPOINT_EVERY_MINUTES} min, signed with key ${signer.keyId}`);
  const tallyFold = await startTallyFold(kit, { db }, { everySeconds: 60, log });
  // Evidence: photos' picture work and the paper sign-off guard's passes, off the request path.
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
  await sweep?.runNow();
  await notifier.reconcileNow(); // after downtime: lost jobs and wrong wake-ups are repaired at once
  return {
    close: async () => {
      await notifier.close();
      await evidenceWork.close();
      await documentWork.close();
      await pictures.close();
      await importWork?.close();
      await checkpoints.close();
      await tallyFold.close();
      mailer?.close();
    },
  };
}

/**
 * What the API hands to the background: the enqueue functions onto the shared queues, the same in every
 * process — whichever process runs the workers (this one, or a cluster's process 0) takes the jobs.
 */
function appJobs(p: RuntimeParts): Pick<AppDeps, 'evidence' | 'documents' | 'imports'> {
  const { config, db, kit, clock, local, evidence } = p;
  return {
    evidence: { ...evidence, jobs: evidenceJobs(kit) },
    documents: {
      jobs: documentJobs(kit),
      robots: deliveryJobs({ db, kit, clock, config: p.notify }),
      ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    },
    imports: {
      maxRows: config.IMPORT_MAX_ROWS,
      maxColumns: config.IMPORT_MAX_COLUMNS,
      maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
      maxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
      // Large imports are queued where the local engine commits them in one transaction (services/ledger-import.ts).
      ...(local ? { queue: importJobs(kit, db) } : {}),
    },
  };
}

/** Everything `npm start` runs in one process: the API and (unless `background: false`) the background work. */
export async function startAll(
  config: Config,
  /** `beforeListen` runs once the database is migrated, before any background work (sweep, notifier) starts. */
  opts: {
    clock?: Clock;
    log: Log;
    beforeListen?: (db: Db) => Promise<void>;
    /** The database a cluster's primary opened and migrated (bin/cluster.ts); else opened here. */
    database?: OpenedDatabase;
    /** Told when this process forgets a token (sign-out, a user changed): the other server processes forget it too. */
    onForgetToken?: (token?: string) => void;
    /** false: answer HTTP only and hand jobs to the process that runs the background work. Default true. */
    background?: boolean;
    /** Called with the built app before it listens (a cluster's server process follows its primary from then on). */
    onApp?: (app: Awaited<ReturnType<typeof buildApp>>) => void;
  },
) {
  const { log } = opts;
  const clock = opts.clock ?? systemClock;
  const { db, url, close: closeDb } = await openMigratedDb(config, log, opts.database);
  const signer = await trailSigner(config, log);
  // The demo (or anything else to load first) is written before any background work starts: a sweep or a
  // notifier running meanwhile would tick half-written histories and send a year of notices (issue 15 §5).
  await opts.beforeListen?.(db);
  const env = createEngineEnv(db);
  const kit = createQueueKit({ redisUrl: config.REDIS_URL, databaseUrl: url, log });
  let engine: ItemEngine;
  let local: LocalEngine | null = null;
  let readiness: (() => Promise<void>) | undefined;
  let stuckWorkflows: AppDeps['stuckWorkflows'];
  let closeEngine = async () => {};
  if (config.ENGINE === 'temporal') {
    // Wake-ups are the workflows' durable timers; the worker process (`zhenggai worker`) runs them.
    // The Temporal client (gRPC, protobufs) is loaded only when Temporal drives the lifecycles.
    const { openTemporalEngine } = await import('../workflows/temporal/connect.ts');
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
    local = createLocalEngine({ db, env, clock });
    engine = local;
  }
  // The file store: evidence, and issued documents' PDFs (which a group robot may be sent).
  const evidence = await evidenceDeps(config, log);
  const parts: RuntimeParts = {
    config,
    log,
    db,
    env,
    clock,
    kit,
    engine,
    local,
    signer,
    evidence,
    notify: {
      allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
      ratePerHour: config.NOTIFY_RATE_PER_HOUR,
      timeoutMs: config.NOTIFY_TIMEOUT_MS,
      attempts: config.NOTIFY_ATTEMPTS,
      backoffMs: config.NOTIFY_BACKOFF_MS,
      ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
      // An outbox row whose job vanished with Redis is queued again after this long (was a fixed 2 min).
      requeueAfterMs: config.NOTIFY_RECONCILE_SECONDS * 1000,
    },
  };
  if (opts.background === false) log('answering HTTP only: the background work runs in server process 0');
  const webRoot = fileURLToPath(new URL('../web/dist', import.meta.url));
  const app = await buildApp({
    db,
    engine,
    env,
    clock,
    config,
    readiness: async () => {
      await queueReadiness(kit)();
      await readiness?.();
    },
    stuckWorkflows,
    webRoot,
    queues: kit,
    trailSigner: signer,
    webhookAllowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
    metricsToken: config.METRICS_TOKEN,
    onForgetToken: opts.onForgetToken,
    ...appJobs(parts),
  });
  opts.onApp?.(app);
  await app.listen({ port: config.PORT, host: config.HOST });
  app.server.requestTimeout = 30_000;
  app.server.headersTimeout = 15_000;
  let background: Awaited<ReturnType<typeof startBackground>> | null = null;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      log(`shutting down: no new requests${background ? ', finishing background jobs' : ''}`);
      await app.close();
      await background?.close();
      await kit.close();
      await closeEngine();
      await closeDb();
      log('stopped');
    })());
  if (opts.background !== false) {
    try {
      background = await startBackground(parts);
    } catch (err) {
      // Listening already: stop answering (and stop the embedded PostgreSQL) rather than serve without the work.
      log(`the background work could not start: ${(err as Error).message}`);
      await close();
      throw err;
    }
  }
  return { app, db, engine, close };
}
