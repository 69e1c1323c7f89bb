// A notifier around a build() world: real queues (PostgreSQL backend unless a Redis URL is given),
// real workers, the world's clock, and an app that also serves the admin and inbox routes.
import { afterAll } from 'vitest';
import { count } from 'drizzle-orm';
import { buildApp } from '../../api/app.ts';
import { notifyOutbox, users } from '../../db/schema.ts';
import { hashPassword } from '../../db/queries/auth.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { createMailer, type Mailer } from '../../workers/notify/channels/email.ts';
import { loggingSmsProvider } from '../../workers/notify/channels/sms.ts';
import {
  DELIVER_QUEUE,
  drainOutbox,
  NOTIFY_QUEUE,
  type NotifyConfig,
  type NotifyDeps,
} from '../../workers/notify/notifier.ts';
import { type NotifierSchedule, startNotifier } from '../../workers/notify/start.ts';
import { createQueueKit, type QueueKit } from '../../workers/queues.ts';
import { PASSWORD, type World } from '../support/app.ts';

export interface NotifyWorld {
  kit: QueueKit;
  deps: NotifyDeps;
  sms: ReturnType<typeof loggingSmsProvider>;
  logs: string[];
  notifier: Awaited<ReturnType<typeof startNotifier>>;
  call: World['call'];
  /** Drain the outbox and wait until no notify/deliver job waits or runs (delayed ones may remain).
   * passive: do not drain, wait for the schedules alone to empty the outbox. */
  settle(ms?: number, opts?: { passive?: boolean }): Promise<void>;
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNotifyWorld(
  w: World,
  opts: {
    redisUrl?: string;
    prefix: string;
    smtpUrl?: string;
    config?: Partial<NotifyConfig>;
    schedule?: Partial<NotifierSchedule>;
  },
): Promise<NotifyWorld> {
  const logs: string[] = [];
  const log = (m: string, extra?: object) => {
    logs.push(`${m}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
  };
  const kit = createQueueKit({ redisUrl: opts.redisUrl, databaseUrl: w.url, prefix: opts.prefix, log });
  const env = createEngineEnv(w.db, 0);
  const sms = loggingSmsProvider(log);
  const mailer: Mailer | null = opts.smtpUrl
    ? createMailer({ url: opts.smtpUrl, from: 'zhenggai@test.local', timeoutMs: 2000 })
    : null;
  const config: NotifyConfig = {
    allowedHosts: ['127.0.0.1'],
    ratePerHour: 100,
    timeoutMs: 500,
    attempts: 3,
    backoffMs: 100,
    ...opts.config,
  };
  const deps: NotifyDeps = { db: w.db, engine: w.engine, clock: w.clock, kit, mailer, sms, config, log };
  const notifier = await startNotifier(
    kit,
    { ...deps, env },
    { drainEverySeconds: 1, digestCron: '0 8 * * *', reconcileEverySeconds: 3600, ...opts.schedule },
    { log },
  );
  const app = await buildApp({
    db: w.db,
    engine: w.engine,
    env,
    clock: w.clock,
    queues: kit,
    webhookAllowedHosts: config.allowedHosts,
    // A document sent to a group robot is delivered by this notifier, as `npm start` wires it.
    documents: { robots: notifier.deliveries, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) },
    config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 64 * 1024, LOG_LEVEL: 'silent' },
  });
  const call: World['call'] = async (user, method, u, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url: u,
      headers: {
        ...(user ? { authorization: `Bearer ${w.tokens[user]}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
  const settle = async (ms = 20_000, how: { passive?: boolean } = {}) => {
    const end = Date.now() + ms;
    for (;;) {
      if (!how.passive) await drainOutbox(deps);
      const [o] = await w.db.select({ n: count() }).from(notifyOutbox);
      const c = [await kit.counts(NOTIFY_QUEUE), await kit.counts(DELIVER_QUEUE)];
      if (o!.n === 0 && c.every((x) => x.waiting + x.active + x.prioritized === 0)) return;
      if (Date.now() > end)
        throw new Error(
          `notifier did not settle: outbox ${o!.n}, queues ${JSON.stringify(c)}; log: ${logs.slice(-5).join(' | ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await notifier.close();
    await kit.close();
    await app.close();
    mailer?.close();
  };
  afterAll(stop);
  return {
    kit,
    deps,
    sms,
    logs,
    notifier,
    call,
    settle,
    stop,
    sweep: async () => {
      // Settle first: a notice being recorded holds the item's row, and the sweep skips locked rows (it would tick them next time).
      await settle();
      const r = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
      if (r.failed.length > 0) throw new Error(`sweep failed: ${JSON.stringify(r.failed)}`);
    },
  };
}

/** A unit head (负责人) in a unit, logged in. */
export async function addUser(
  w: World,
  username: string,
  unitId: string,
  extra: { roles?: string[]; isUnitHead?: boolean; phone?: string } = {},
) {
  const [row] = await w.db
    .insert(users)
    .values({
      username,
      displayName: username,
      unitId,
      roles: (extra.roles ?? ['handler']) as never,
      isUnitHead: extra.isUnitHead ?? false,
      phone: extra.phone ?? null,
      passwordHash: await hashPassword(PASSWORD),
    })
    .returning();
  w.userIds[username] = row!.id;
  const r = await w.call(null, 'POST', '/api/v1/auth/login', { username, password: PASSWORD });
  w.tokens[username] = r.body.token;
  return row!.id;
}
