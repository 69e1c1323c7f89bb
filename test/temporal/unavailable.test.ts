// ENGINE=temporal while Temporal cannot be reached: commands answer 503 engine_unavailable
// (problem+json), nothing is written, reads keep working from the projection, /readyz says so.
// The failures are real: a connection to a closed loopback port, a server that accepts the
// connection but never answers, and a gRPC server that answers health checks but never answers a
// workflow call (a frontend whose history service is stuck).
import { createServer, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { campaigns, itemEvents, items } from '../../db/schema.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { openTemporalEngine } from '../../workflows/temporal/connect.ts';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
const opened: { close: () => Promise<void> }[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port; // closed again: connecting to it is refused
}

/** A TCP server that accepts connections and never says a word (a hung frontend). */
async function silentServer(): Promise<number> {
  const s = createServer((sock) => {
    sockets.push(sock);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as { port: number }).port;
}

/** gRPC on loopback: Health/Check says SERVING; every WorkflowService call the adapter makes hangs. */
async function stuckFrontend(): Promise<number> {
  const server = new grpc.Server();
  const raw = (b: Buffer) => b;
  const serving = () => Buffer.from([0x08, 0x01]); // HealthCheckResponse { status: SERVING }
  server.register(
    '/grpc.health.v1.Health/Check',
    (_call: unknown, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.alloc(0)),
    serving,
    raw,
    'unary',
  );
  for (const method of ['StartWorkflowExecution', 'UpdateWorkflowExecution', 'PollWorkflowExecutionUpdate']) {
    server.register(
      `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
      () => {
        /* never answers */
      },
      raw,
      raw,
      'unary',
    );
  }
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? fail(err) : ok(p))),
  );
  opened.push({
    close: async () => {
      server.forceShutdown();
    },
  });
  return port;
}

/** The same app as `w.app` (same database, same tokens), its engine pointing at Temporal on `address`. */
async function temporalApp(address: string): Promise<FastifyInstance> {
  const env = createEngineEnv(w.db, 0);
  const t = openTemporalEngine(
    { address, namespace: 'default', taskQueue: 'zhenggai-items' },
    { db: w.db, env, probeTimeoutMs: 1_000, commandTimeoutMs: 2_000 },
  );
  opened.push(t);
  const app = await buildApp({
    db: w.db,
    engine: t.engine,
    env,
    clock: w.clock,
    readiness: () => t.engine.probe(),
    config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 64 * 1024, LOG_LEVEL: 'silent' },
  });
  opened.push({ close: () => app.close() });
  return app;
}

async function call(
  app: FastifyInstance,
  user: string,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${w.tokens[user]}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : null };
}

async function totals() {
  const [i] = await w.db.select({ n: count() }).from(items);
  const [e] = await w.db.select({ n: count() }).from(itemEvents);
  const [c] = await w.db.select({ n: campaigns.itemCounter }).from(campaigns).where(eq(campaigns.id, w.campaignId));
  return { items: i!.n, events: e!.n, counter: c!.n };
}

beforeAll(async () => {
  w = await build();
});
afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  for (const s of sockets) s.destroy();
  for (const s of servers) await new Promise((r) => s.close(r));
});

describe('ENGINE=temporal, Temporal down', () => {
  it('answers a report with 503 engine_unavailable and writes nothing', async () => {
    const port = await freePort();
    const app = await temporalApp(`127.0.0.1:${port}`);
    const before = await totals();
    const r = await call(
      app,
      'super',
      'POST',
      '/api/v1/items',
      {
        campaignId: w.campaignId,
        categoryId: w.categoryId,
        source: 'screening',
        title: '未参保',
        description: '朝阳村王某户',
      },
      { 'idempotency-key': 'report-while-down' },
    );
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body).toMatchObject({
      status: 503,
      code: 'engine_unavailable',
      type: 'https://zhenggai.dev/problems/engine_unavailable',
      applied: false,
    });
    expect(r.body.detail).toContain(`Temporal at 127.0.0.1:${port}`);
    expect(r.body.detail).toContain('the command was not sent');
    expect(await totals()).toEqual(before);

    // A retry with the same Idempotency-Key is tried again, not answered from a stored 503.
    const again = await call(
      app,
      'super',
      'POST',
      '/api/v1/items',
      {
        campaignId: w.campaignId,
        categoryId: w.categoryId,
        source: 'screening',
        title: '未参保',
        description: '朝阳村王某户',
      },
      { 'idempotency-key': 'report-while-down' },
    );
    expect(again.status).toBe(503);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await totals()).toEqual(before);
  }, 20_000);

  it('answers a command on an existing item with 503, leaves the item as it was, and still serves reads', async () => {
    const id = await report(w); // through the local runtime: the item exists before the switch
    await assign(w, id);
    const app = await temporalApp(`127.0.0.1:${await freePort()}`);
    const before = await totals();
    const seen = await call(app, 'h1', 'GET', `/api/v1/items/${id}`);
    expect(seen.status).toBe(200);
    const r = await call(app, 'h1', 'POST', `/api/v1/items/${id}/accept`, {});
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('engine_unavailable');
    expect(await totals()).toEqual(before);
    const after = await call(app, 'h1', 'GET', `/api/v1/items/${id}`);
    expect(after.body).toMatchObject({ status: 'assigned', version: seen.body.version });
    // Not-found and out-of-scope answers do not depend on Temporal.
    expect((await call(app, 'h2', 'POST', `/api/v1/items/${id}/accept`, {})).status).toBe(404);
  }, 20_000);

  it('answers 503 with applied "unknown" when Temporal takes the command but never answers, and writes nothing', async () => {
    const port = await stuckFrontend();
    const app = await temporalApp(`127.0.0.1:${port}`);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200); // the frontend looks healthy
    const before = await totals();
    const r = await call(app, 'super', 'POST', '/api/v1/items', {
      campaignId: w.campaignId,
      categoryId: w.categoryId,
      source: 'screening',
      title: '未参保',
      description: '朝阳村王某户',
    });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'engine_unavailable', applied: 'unknown' });
    expect(r.body.detail).toContain(`Temporal at 127.0.0.1:${port} gave no answer`);
    expect(r.body.detail).toContain('reload the item before trying again');
    expect(await totals()).toEqual(before);
  }, 20_000);

  it('fails /readyz while Temporal does not answer, and answers within the probe timeout when it hangs', async () => {
    const app = await temporalApp(`127.0.0.1:${await silentServer()}`);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(JSON.parse(ready.body).detail).toContain('did not answer a health check within 1000 ms');
    const t0 = Date.now();
    const before = await totals();
    const r = await call(app, 'super', 'POST', '/api/v1/items', {
      campaignId: w.campaignId,
      categoryId: w.categoryId,
      source: 'screening',
      title: '未参保',
      description: '朝阳村王某户',
    });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'engine_unavailable', applied: false });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await totals()).toEqual(before);
  }, 20_000);
});
