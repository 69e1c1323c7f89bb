// /api/v1/auth — sign in (bearer token), sign out (revoke), who am I, change password.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { changePassword, login, revokeToken, revokeUserSessions } from '../../../db/queries/auth.ts';
import type { AppDeps } from '../../app.ts';
import { Problem, problemResponses } from '../../problem.ts';
import { meSchema, postAuthLogin, postAuthLogout, postMePassword } from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, config }) => {
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
    async (req) => {
      const r = await login(db, req.body.username, req.body.password, config.TOKEN_TTL_HOURS);
      if (!r)
        throw new Problem(
          401,
          'invalid_credentials',
          'Sign-in failed',
          'wrong username or password, or the account is disabled',
        );
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
