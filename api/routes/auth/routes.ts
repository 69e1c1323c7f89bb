// /api/v1/auth — sign in (bearer token), sign out (revoke), who am I, change password.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { changePassword, login, revokeToken, revokeUserSessions } from '../../../db/queries/auth.ts';
import { HashBusy } from '../../../db/queries/hash-gate.ts';
import {
  accountKey,
  addressKey,
  lockedFor,
  recordFailure,
  recordSuccess,
  THROTTLE,
} from '../../../services/auth/login-throttle.ts';
import type { AppDeps } from '../../app.ts';
import { Problem, problemResponses } from '../../problem.ts';
import { meSchema, postAuthLogin, postAuthLogout, postMePassword } from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, config, clock }) => {
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in: returns a bearer token',
        body: postAuthLogin.body,
        response: { 200: postAuthLogin.reply200, ...problemResponses },
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const { username } = req.body;
      const waitFor = (seconds: number) => {
        reply.header('retry-after', String(seconds));
        return new Problem(
          429,
          'too_many_attempts',
          'Too many sign-in attempts',
          `too many failed sign-ins for this account or from this address; try again in ${Math.ceil(seconds / 60)} min`,
          { retryAfter: seconds },
        );
      };
      const locked = await lockedFor(db, [accountKey(username), addressKey(req.ip)], now);
      if (locked > 0) throw waitFor(locked);
      const r = await login(db, username, req.body.password, config.TOKEN_TTL_HOURS).catch((err) => {
        if (!(err instanceof HashBusy)) throw err;
        reply.header('retry-after', '1');
        throw new Problem(503, 'busy', 'Busy', err.message, { retryAfter: 1 });
      });
      if (!r) {
        const lock = await recordFailure(
          db,
          [
            { key: accountKey(username), limit: THROTTLE.accountLimit },
            { key: addressKey(req.ip), limit: THROTTLE.addressLimit },
          ],
          now,
          req.ip,
        );
        if (lock > 0) throw waitFor(lock);
        throw new Problem(
          401,
          'invalid_credentials',
          'Sign-in failed',
          'wrong username or password, or the account is disabled',
        );
      }
      await recordSuccess(db, username);
      req.log.info({ user: r.user.username }, 'signed in');
      return { token: r.token, expiresAt: r.expiresAt, user: pick(r.user) };
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out: the token stops working',
        response: { 204: postAuthLogout.reply204, ...problemResponses },
      },
    },
    async (req, reply) => {
      await revokeToken(db, req.token!);
      app.forgetToken(req.token!);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: meSchema, ...problemResponses } } },
    async (req) => pick(req.user!),
  );

  app.post(
    '/me/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change my password (signs out every session)',
        body: postMePassword.body,
        response: { 204: postMePassword.reply204, ...problemResponses },
      },
    },
    async (req, reply) => {
      const ok = await changePassword(db, req.user!.id, req.body.currentPassword, req.body.newPassword);
      if (!ok) throw new Problem(422, 'invalid_credentials', 'Wrong password', 'the current password is not correct');
      await revokeUserSessions(db, req.user!.id);
      app.forgetToken(); // every cached session of this user, not only this one
      return reply.code(204).send(null);
    },
  );
};

const pick = (u: z.infer<typeof meSchema>) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  unitId: u.unitId,
  unitName: u.unitName,
  roles: u.roles,
  isUnitHead: u.isUnitHead,
});

export default routes;
