// The HTTP application as a plugin-built Fastify instance; the process that listens is bin/.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Clock, ItemEngine } from '../workflows/engine.ts';
import type { EngineEnv } from '../workflows/engine-env.ts';
import type { DeliveryJobs, DocumentJobs, EvidenceJobs, QueueView } from '../services/jobs.ts';
import auth from './plugins/auth.ts';
import errors, { sendProblem } from './plugins/errors.ts';
import securityHeaders from './plugins/security-headers.ts';
import jsonBody from './plugins/json-body.ts';
import idempotency, { type IdempotencyOptions } from './plugins/idempotency.ts';
import { serializerCompiler } from './serializer.ts';
import metrics from './plugins/metrics.ts';
import openapi from './plugins/openapi.ts';
import web from './plugins/web.ts';
import authRoutes from './routes/auth/routes.ts';
import adminRoutes from './routes/admin/routes.ts';
import trailRoutes from './routes/admin/trail-routes.ts';
import calendarRoutes from './routes/calendar/routes.ts';
import campaignRoutes from './routes/campaigns/routes.ts';
import itemRoutes from './routes/items/routes.ts';
import noticeRoutes from './routes/notices/routes.ts';
import orgUnitRoutes from './routes/org-units/routes.ts';
import reportRoutes from './routes/reports/routes.ts';
import roundRoutes from './routes/rounds/routes.ts';
import oversightRoutes from './routes/oversight/routes.ts';
import statsRoutes from './routes/stats/routes.ts';
import userRoutes from './routes/users/routes.ts';
import evidenceRoutes from './routes/evidence/routes.ts';
import ledgerRoutes from './routes/ledger/routes.ts';
import documentRoutes from './routes/documents/routes.ts';
import publicRoutes from './routes/public/routes.ts';
import importRoutes, { type ImportLimits } from './routes/ledger/import-routes.ts';
import type { UploadLimits } from './routes/evidence/ingest.ts';
import type { FileStore } from '../storage/file-store.ts';
import type { TrailSigner } from '../services/trail/signer.ts';

export interface AppConfig {
  TOKEN_TTL_HOURS: number;
  BODY_LIMIT: number;
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}
import type { StuckWorkflow } from '../workflows/temporal/temporal-engine.ts';

export interface AppDeps {
  db: Db;
  engine: ItemEngine;
  env: EngineEnv;
  clock: Clock;
  /** The settings the HTTP side reads (bin/config.ts loads them from the environment). */
  config: AppConfig;
  /** Evidence files: where bytes go and the upload limits. Without it, the evidence routes are off. */
  evidence?: {
    store: FileStore;
    stageDir: string;
    limits: UploadLimits;
    /** The evidence queue (workers/evidence.ts): photos' picture work and guard passes run there. Without it, inline. */
    jobs?: EvidenceJobs;
  };
  /** Official documents: the queue that makes their PDFs (workers/documents.ts). Without it, PDFs are made on request.
   * `robots`: the notifier's deliver queue, which sends a document to a group robot (without it the notifier's
   * reconcile sends it later). `publicUrl`: the address people open the web at (PUBLIC_URL), for robot links. */
  documents?: { jobs?: DocumentJobs; robots?: DeliveryJobs; publicUrl?: string };
  /** Ledger import bounds. Without it (or without `evidence`, whose staging folder it uses), import is off. */
  imports?: ImportLimits;
  /** Extra readiness checks (e.g. the queue); /readyz fails when one throws. */
  readiness?: () => Promise<void>;
  /** The built web application (web/dist) to serve beside the API; omitted in API-only tests. */
  webRoot?: string;
  /** The queues of this process, for the admin view and /metrics (absent: no background work here). */
  queues?: QueueView;
  /** Hosts webhook targets may point at (WEBHOOK_ALLOWED_HOSTS). */
  webhookAllowedHosts?: string[];
  /** Signs and checks trail checkpoints (services/trail/signer.ts); without it the trail routes answer 503. */
  trailSigner?: TrailSigner;
  /** METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string;
  /** ENGINE=temporal: item workflows Temporal reports stuck (e.g. a determinism failure after a deploy), for
   * /metrics and GET /admin/engine. Absent on the local engine, which has no such state. */
  stuckWorkflows?: () => Promise<StuckWorkflow[]>;
  /** Told when this process forgets a cached token: the other server processes of a cluster forget it too. */
  onForgetToken?: (token?: string) => void;
  /** Fault injection for tests (crash points); never set in production. */
  faults?: { beforeSendStore?: IdempotencyOptions['beforeSendStore'] };
}

/**
 * Errors Node's HTTP parser meets before Fastify has a request (headers too large — a very long URL
 * among them —, a malformed request line, a timeout) answered as problem+json like every other error.
 */
function clientProblem(err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket) {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout']
        : [400, 'malformed_request'];
  const body = JSON.stringify({
    type: `https://zhenggai.dev/problems/${code}`,
    title: STATUS_CODES[status],
    status,
    code,
    detail: status === 431 ? 'the request line or headers are too large' : 'the request could not be read',
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.config.LOG_LEVEL === 'silent' ? false : { level: deps.config.LOG_LEVEL },
    bodyLimit: deps.config.BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler: clientProblem,
    // Errors the router meets before a route runs (a bad %-escape in the path): problem+json too.
    frameworkErrors: (err, req, reply) =>
      sendProblem(reply, {
        type: 'https://zhenggai.dev/problems/bad_url',
        title: 'Bad request',
        status: 400,
        code: 'bad_url',
        detail: err.message,
        requestId: req.id,
      }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errors);
  await app.register(securityHeaders);
  await app.register(jsonBody);
  await app.register(openapi);
  await app.register(auth, { db: deps.db, onForget: deps.onForgetToken });
  await app.register(idempotency, { db: deps.db, beforeSendStore: deps.faults?.beforeSendStore });
  await app.register(metrics, {
    db: deps.db,
    queues: deps.queues,
    token: deps.metricsToken,
    stuckWorkflows: deps.stuckWorkflows,
  });

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    try {
      await deps.db.execute(sql`select 1`);
      await deps.readiness?.();
      return { status: 'ready' };
    } catch (err) {
      return reply
        .code(503)
        .type('application/problem+json; charset=utf-8')
        .send({
          type: 'https://zhenggai.dev/problems/unavailable',
          title: 'Not ready',
          status: 503,
          code: 'unavailable',
          detail: String((err as Error).message),
        });
    }
  });

  await app.register(
    async (api) => {
      for (const routes of [
        authRoutes,
        orgUnitRoutes,
        userRoutes,
        campaignRoutes,
        itemRoutes,
        calendarRoutes,
        reportRoutes,
        roundRoutes,
        oversightRoutes,
        statsRoutes,
        noticeRoutes,
        adminRoutes,
        trailRoutes,
        ledgerRoutes,
        documentRoutes,
        publicRoutes,
      ]) {
        await api.register(routes, deps);
      }
      if (deps.evidence) await api.register(evidenceRoutes, deps);
      if (deps.evidence && deps.imports) await api.register(importRoutes, deps);
    },
    { prefix: '/api/v1' },
  );
  if (deps.webRoot) await app.register(web, { root: deps.webRoot });

  return app;
}
