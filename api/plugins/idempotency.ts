// Idempotency-Key on POSTs: a retry with the same key and body gets the first answer again
// (with `Idempotent-Replayed: true`) and writes nothing twice; the same key with another body is refused.
import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { canonicalJson } from '../../db/audit.ts';
import type { Db } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import { Problem } from '../problem.ts';

/** A key whose first request never finished (the process died) may be used again after this long. */
const ABANDONED_AFTER_S = 300;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: string; key: string } | null;
  }
}

export default fp<{ db: Db }>(
  async (app, { db }) => {
    app.decorateRequest('idempotency', null);

    app.addHook('preHandler', async (req, reply) => {
      const key = req.headers['idempotency-key'];
      if (req.method !== 'POST' || key === undefined || !req.user) return;
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
        throw new Problem(
          400,
          'invalid_idempotency_key',
          'Bad Idempotency-Key',
          'use 1–200 visible ASCII characters, e.g. a UUID',
        );
      }
      const requestHash = createHash('sha256')
        .update(`${req.method} ${req.url}\n${canonicalJson(req.body ?? null)}`)
        .digest('hex');
      const userId = req.user.id;
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.userId, userId),
            eq(idempotencyKeys.key, key),
            sql`${idempotencyKeys.statusCode} is null`,
            lt(idempotencyKeys.createdAt, sql`now() - make_interval(secs => ${ABANDONED_AFTER_S})`),
          ),
        );
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ userId, key, requestHash })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) {
        req.idempotency = { userId, key };
        return;
      }

      const [prior] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      if (!prior)
        throw new Problem(
          409,
          'idempotency_in_progress',
          'Retry',
          'the first request with this key just finished; retry',
        );
      if (prior.requestHash !== requestHash) {
        throw new Problem(
          422,
          'idempotency_key_reused',
          'Idempotency-Key reused',
          'this Idempotency-Key was already used for a different request; use a new key for a new request',
        );
      }
      if (prior.statusCode === null) {
        throw new Problem(
          409,
          'idempotency_in_progress',
          'Request in progress',
          'the first request with this key is still running; retry shortly',
        );
      }
      reply.header('idempotent-replayed', 'true');
      const isProblem = prior.statusCode >= 400;
      return reply
        .code(prior.statusCode)
        .type(isProblem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(prior.response);
    });

    app.addHook('onSend', async (req, reply, payload) => {
      const idem = req.idempotency;
      if (!idem) return payload;
      req.idempotency = null;
      const where = and(eq(idempotencyKeys.userId, idem.userId), eq(idempotencyKeys.key, idem.key));
      if (reply.statusCode >= 500) {
        // Nothing was written: let the client retry with the same key.
        await db.delete(idempotencyKeys).where(where);
      } else {
        const body = typeof payload === 'string' && payload.length > 0 ? JSON.parse(payload) : null;
        await db.update(idempotencyKeys).set({ statusCode: reply.statusCode, response: body }).where(where);
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
