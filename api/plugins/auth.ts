// Bearer-token authentication for every /api/v1 route except those marked `config: { public: true }`.
// Token lookups are cached for a few seconds: a revoked token stops working at once in the process
// that revoked it, and within TOKEN_CACHE_MS everywhere else.
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
  /** Forget a cached token, or every cached token (after a user's roles, unit or status changed). */
  interface FastifyInstance {
    forgetToken(token?: string): void;
  }
}

export const actorOf = (u: AuthUser): Actor => ({
  userId: u.id,
  unitId: u.unitId,
  unitPath: u.unitPath,
  roles: u.roles,
});

export default fp<{ db: Db }>(
  async (app, { db }) => {
    const cache = new Map<string, { at: number; user: AuthUser | null }>();
    app.decorateRequest('user', null);
    app.decorateRequest('token', null);
    app.decorate('forgetToken', (token?: string) => {
      if (token) cache.delete(token);
      else cache.clear();
    });

    app.addHook('onRequest', async (req) => {
      if (req.routeOptions.config?.public || !req.url.startsWith('/api/')) return;
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
