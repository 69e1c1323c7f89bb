// A real local HTTP endpoint standing in for a group robot (WeCom / DingTalk / Feishu). It records
// what it receives and misbehaves on request: answers 500, answers garbage, or never answers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type RobotMode = 'ok' | 'timeout' | '500' | 'garbage' | 'refuse';

export interface Received {
  path: string;
  query: URLSearchParams;
  body: any;
  at: number;
}

export interface FakeRobot {
  url: string;
  origin: string;
  received: Received[];
  mode: RobotMode;
  /** Answer for the robot's platform: {errcode:0} (WeCom, DingTalk) or {code:0} (Feishu). */
  okBody: unknown;
  /** Optional check of each request (e.g. a signature); a string return is answered as a refusal. */
  verify?: (r: Received) => string | null;
  /** Answer this many ms late (a slow robot, so messages are in flight when something breaks). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startFakeRobot(path = '/cgi-bin/webhook/send'): Promise<FakeRobot> {
  const sockets = new Set<Socket>();
  const robot = {
    url: '',
    origin: '',
    received: [] as Received[],
    mode: 'ok' as RobotMode,
    okBody: { errcode: 0, errmsg: 'ok' } as unknown,
    verify: undefined as FakeRobot['verify'],
    delayMs: 0,
    close: async () => {},
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        /* keep the raw text */
      }
      const r: Received = { path: u.pathname, query: u.searchParams, body, at: Date.now() };
      robot.received.push(r);
      switch (robot.mode) {
        case 'timeout':
          return; // hold the request open: the client must give up
        case '500':
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('internal robot error');
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html>gateway login page</html>');
          return;
        case 'refuse':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errcode: 310000, errmsg: 'sign not match' }));
          return;
        default: {
          const why = robot.verify?.(r) ?? null;
          setTimeout(() => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(why ? { errcode: 310000, errmsg: why } : robot.okBody));
          }, robot.delayMs);
        }
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  robot.origin = `http://127.0.0.1:${port}`;
  robot.url = `${robot.origin}${path}?key=test-robot-key`;
  robot.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return robot as FakeRobot;
}
