#!/usr/bin/env node
// The CLI: start [--demo] | worker | temporal-migrate | migrate | create-admin | demo
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase, openMigratedDb, trailSigner, type Log } from './database.ts';
import { createDb, type Db } from '../db/client.ts';
import {
  databaseFromPrimary,
  followPrimary,
  isServerProcess,
  serverSlot,
  startPrimary,
  tellOthers,
} from './cluster.ts';
// The Temporal client and worker (gRPC, protobufs, the native core) are imported by the commands that use
// them, not by every process: `start` on the local engine never loads them. Nor does a cluster's primary load
// the server (the API, the workers): it only opens the database and supervises the server processes.
const temporalMigrate = () => import('./temporal-migrate.ts');
const runtime = () => import('./runtime.ts');
const demo = () => import('./demo.ts');

const log: Log = (msg, extra) => console.log(`[zhenggai] ${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`);

const USAGE = `usage: zhenggai <command>
  start [--demo]    serve the API and run background work (embedded PostgreSQL unless DATABASE_URL;
                    SERVER_PROCESSES processes on one port)
  worker            run the Temporal worker (item workflows and activities; needs DATABASE_URL)
  temporal-migrate [--after <item id>] [--batch <n>]
                    start workflows for the open items of this database (idempotent, resumable)
  migrate           apply database migrations and exit
  create-admin --username <name> --password <pw> [--unit <name>]
                    create the first administrator (and a root unit if the tree is empty)
  demo              load the demo township (seed 003) into the database and exit
  verify [--campaign <id>] [--json]
                    check every item's chain, ledger row and the signed checkpoints; exit 1 naming
                    each divergent item and event`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean', default: false } } });
      const beforeListen = values.demo
        ? async (db: Db) => {
            const { loadDemo, startDemoWorkflows } = await demo();
            const loaded = await loadDemo(db, log);
            // The demo is written through the local engine (its history spans a year); under Temporal its
            // items then get their workflows, so their reminders and escalations run as timers.
            if (config.ENGINE === 'temporal') await startDemoWorkflows(config, db, log, loaded);
          }
        : undefined;
      const listeningOn = `http://127.0.0.1:${config.PORT} — API docs at /docs, OpenAPI at /openapi.json`;
      if (isServerProcess()) {
        // One of a cluster's server processes (bin/cluster.ts): the primary opened the database and loaded the demo.
        const slot = serverSlot();
        const slotLog: Log = (msg, extra) => log(`#${slot} ${msg}`, extra);
        // The server's code loads while the primary starts PostgreSQL and migrates.
        const stop = stopOnSignal();
        const [{ startAll }, database] = await Promise.all([runtime(), databaseFromPrimary()]);
        const server = await startAll(config, {
          log: slotLog,
          database,
          onForgetToken: tellOthers,
          // Before it listens: a sign-out in another process must reach this one from its first request on.
          onApp: (app) =>
            followPrimary(app.forgetToken, (why) => {
              slotLog(`${why}: stopping`);
              stop.now();
            }),
          // One process runs the background work; the others answer HTTP and enqueue onto the same queues.
          background: slot === 0,
        });
        stop.closeWith(server.close);
        return;
      }
      if (config.SERVER_PROCESSES > 1) {
        const primary = await startPrimary(config, { log, beforeListen });
        log(`${config.SERVER_PROCESSES} server processes listening on ${listeningOn}`);
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void primary.close());
        process.exit(await primary.exited);
      }
      const stop = stopOnSignal();
      const server = await (await runtime()).startAll(config, { log, beforeListen });
      log(`listening on ${listeningOn}`);
      stop.closeWith(server.close);
      return;
    }
    case 'worker':
      await (await import('../workers/temporal-worker.ts')).runTemporalWorker(config, log, () =>
        openMigratedDb(config, log),
      );
      return;
    case 'temporal-migrate': {
      const { values } = parseArgs({ args: rest, options: { after: { type: 'string' }, batch: { type: 'string' } } });
      const batch = values.batch === undefined ? undefined : Number(values.batch);
      if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 10_000))
        throw new UsageError('--batch must be a whole number from 1 to 10000');
      await (await temporalMigrate()).runTemporalMigrate(config, log, { after: values.after, batch });
      return;
    }
    case 'migrate': {
      const { close } = await openMigratedDb(config, log);
      log('migrations applied');
      await close();
      return;
    }
    case 'create-admin': {
      const { values } = parseArgs({
        args: rest,
        options: { username: { type: 'string' }, password: { type: 'string' }, unit: { type: 'string' } },
      });
      if (!values.username || !values.password) throw new UsageError('create-admin needs --username and --password');
      const { db, close } = await openMigratedDb(config, log);
      try {
        const { createAdmin } = await import('./create-admin.ts');
        const r = await createAdmin(db, {
          username: values.username,
          password: values.password,
          unitName: values.unit,
        });
        log(`admin ${values.username} created in unit ${r.unitName}`);
      } finally {
        await close();
      }
      return;
    }
    case 'demo': {
      const { db, close } = await openMigratedDb(config, log);
      try {
        const { loadDemo, startDemoWorkflows } = await demo();
        const loaded = await loadDemo(db, log);
        if (config.ENGINE === 'temporal') await startDemoWorkflows(config, db, log, loaded);
      } finally {
        await close();
      }
      return;
    }
    case 'verify': {
      const { values } = parseArgs({
        args: rest,
        options: { campaign: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      const quiet: Log = values.json ? () => {} : log;
      // Read-only: no migration, the application's role is enough (it may read everything it may not change).
      const database = await openDatabase(config, quiet);
      const db = createDb(database.url, { max: 2, applicationName: 'zhenggai-verify' });
      const close = async () => {
        await db.$client.end();
        await database.stop();
      };
      try {
        const signer = await trailSigner(config, quiet);
        const { verifyDatabase } = await import('../services/trail/verify.ts');
        const v = await verifyDatabase(db, signer, { campaignId: values.campaign });
        if (values.json) console.log(JSON.stringify({ ...v, keyId: signer.keyId }, null, 2));
        else {
          log(`checked ${v.items} items, ${v.events} events, ${v.checkpoints} checkpoints (key ${signer.keyId})`);
          for (const p of v.problems) {
            const where = [p.campaignId && `campaign ${p.campaignId}`, p.itemId && `item ${p.itemId}`]
              .filter(Boolean)
              .join(' ');
            console.log(`DIVERGES ${p.kind} ${where}${p.seq !== undefined ? ` event ${p.seq}` : ''}: ${p.message}`);
          }
          log(v.ok ? 'the trail verifies' : `${v.problems.length} divergences`);
        }
        process.exitCode = v.ok ? 0 : 1;
      } finally {
        await close();
      }
      return;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

class UsageError extends Error {}

/**
 * SIGINT or SIGTERM from now on (or `now()`): close the server, then exit 0, or 1 with the error. A signal that
 * comes during start-up (the process may listen before its background work has started) waits for
 * `closeWith`, so nothing is left half-started.
 */
function stopOnSignal() {
  let close: (() => Promise<void>) | null = null;
  let wanted = false;
  const go = () =>
    close!().then(
      () => process.exit(0),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  const now = () => {
    if (wanted) return;
    wanted = true;
    if (close) void go();
    else log('stopping once start-up has finished (a second signal stops at once)');
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      if (close || !wanted) return now();
      // A start-up that hangs (a database that does not answer) must not outlive a second signal.
      console.error(`zhenggai: ${sig} again during start-up: exiting at once`);
      process.exit(1);
    });
  return {
    now,
    closeWith(c: () => Promise<void>) {
      close = c;
      if (wanted) void go();
    },
  };
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError || err instanceof UsageError) {
    console.error(`zhenggai: ${err.message}`);
    if (err instanceof UsageError) console.error(USAGE);
    process.exit(2);
  }
  console.error(`zhenggai: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
