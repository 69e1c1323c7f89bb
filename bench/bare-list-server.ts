// The floor of any HTTP JSON service in Node on this machine, for the ledger page: the same answer by the shortest
// path Node allows. node:http, one pg pool of the service's size, the service's own listItems and itemView for
// the bench's reader and filters, written with JSON.stringify. No framework, no token check, no query
// validation, no security headers, no schema-driven serializer. The bench runs it as a process of its own
// (startBareListServer), drives it with the same autocannon load as the service's list, and reports both
// against the raw list baseline: how much of the gap to raw PostgreSQL any HTTP service pays, and how much is ours.
//
// Configuration in BARE_LIST (JSON): { url, port, poolSize, processes, reader, filters }. With processes > 1, as
// many processes share the port through node:cluster, as the server's do with SERVER_PROCESSES (bin/cluster.ts).
import cluster from 'node:cluster';
import http from 'node:http';
import { itemView } from '../api/routes/items/view.ts';
import { actorOf } from '../api/plugins/auth.ts';
import { createDb } from '../db/client.ts';
import { poolPerProcess } from '../bin/config.ts';
import type { AuthUser } from '../db/queries/auth.ts';
import { type ItemFilters, listItems } from '../db/queries/items.ts';

const { url, port, poolSize, processes, reader, filters } = JSON.parse(process.env.BARE_LIST ?? 'null') as {
  url: string;
  port: number;
  poolSize: number;
  processes: number;
  reader: AuthUser;
  filters: ItemFilters;
};
if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === processes) console.log(`bare list server: ${processes} processes listening`);
  });
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    let exited = 0;
    cluster.on('exit', () => {
      if (++exited === processes) process.exit(0);
    });
  });
} else serve();

function serve() {
  // The pool split among the processes, as the server's is.
  const max = poolPerProcess({ DB_POOL_SIZE: poolSize, SERVER_PROCESSES: processes });
  const db = createDb(url, { max, applicationName: 'bench-bare-list' });
  const actor = actorOf(reader);
  const none = new Set<string>(); // the bench's items carry no evidence warnings to link
  const page = { sort: 'reportedAt', order: 'desc', limit: 50 } as const;

  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.end('ok');
      return;
    }
    listItems(db, reader, filters, page).then(
      ({ rows, next }) => {
        const body = JSON.stringify({ items: rows.map((r) => itemView(r, actor, none)), nextCursor: next?.id ?? null });
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      },
      (err: Error) => {
        res.writeHead(500).end(err.message);
      },
    );
  });
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close();
    void db.$client.end().then(() => process.exit(0));
  });
}
