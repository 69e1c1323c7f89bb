// Bearer-token authentication, decided per route and denied by default: every route declared under /api/
// needs a token unless it is marked `config: { public: true }`. The decision reads the matched route's
// declared path, never the request's text — `/%61pi/v1/…` or an absolute-form request line
// (`GET http://host/api/v1/…`) reach the same route and meet the same check.
// Token lookups are cached for a few seconds: a revoked token stops working at once in the process
// that revoked it and in the other server processes of its cluster (told through `onForget`, bin/cluster.ts),
// and within TOKEN_CACHE_MS in processes elsewhere (another machine sharing the database).
import fp from 'fastify-plugin';
import type { Actor } from '../../domain/item/types.ts';
import { type AuthUser, userByToken } from '../../db/queries/auth.ts';
import type { Db } from '../../db/client.ts';
import { unauthenticated } from '../problem.ts';

const TOKEN_CACHE_MS = 5_000;

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
    token: string | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
  /** Forget a cached token, or every cached token (after a user's roles, unit or status changed). `relayed`:
   * another process of the cluster forgot it (not told on again). */
  interface FastifyInstance {
    forgetToken(token?: string, relayed?: boolean): void;
  }
}

export const actorOf = (u: AuthUser): Actor => ({
  userId: u.id,
  unitId: u.unitId,
  unitPath: u.unitPath,
  roles: u.roles,
  level: u.unitLevel,
});

/** Unmatched requests (the 404 handler) and routes outside /api/ (web files, docs) are open; /api/ routes are not. */
function isPublic(route: { url?: string; config?: { public?: boolean } }): boolean {
  if (route.config?.public !== undefined) return route.config.public;
  return route.url === undefined || !route.url.startsWith('/api/');
}

export default fp<{ db: Db; onForget?: (token?: string) => void }>(
  async (app, { db, onForget }) => {
    const cache = new Map<string, { at: number; user: AuthUser | null }>();
    app.decorateRequest('user', null);
    app.decorateRequest('token', null);
    app.decorate('forgetToken', (token?: string, relayed = false) => {
      if (token) cache.delete(token);
      else cache.clear();
      if (!relayed) onForget?.(token);
    });

    app.addHook('onRequest', async (req) => {
      if (isPublic(req.routeOptions)) return;
      const header = req.headers.authorization;
      const m = header ? /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header) : null;
      if (!m) throw unauthenticated();
      const token = m[1]!;
      let hit = cache.get(token);
      if (!hit || Date.now() - hit.at > TOKEN_CACHE_MS) {
        hit = { at: Date.now(), user: await userByToken(db, token) };
        if (cache.size > 10_000) cache.clear();
        cache.set(token, hit);
      }
      if (!hit.user) throw unauthenticated('the token is unknown, expired or revoked; sign in again');
      req.user = hit.user;
      req.token = token;
    });
  },
  { name: 'auth' },
);
