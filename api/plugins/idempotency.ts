// Idempotency-Key on POSTs: a retry with the same key and body gets the first answer again
// (with `Idempotent-Replayed: true`) and writes nothing twice; the same key with another body is refused.
// Exactly once: a route that writes stores its answer inside its own transaction (`answerInTransaction`),
// so the answer commits with the writes; a crash between commit and reply leaves the answer, never a key
// "in progress" that a later retry would run again. Answers of requests that wrote nothing (refusals) are
// stored when sent. An upload's files are part of its request: the key of a multipart POST is claimed by
// the route once the files are read and hashed (`req.claimUpload`), so the same key with another file is
// refused, not replayed.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { canonicalJson } from '../../db/audit.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import {
  claimKey,
  type IdempotencyKeyRef,
  priorRequest,
  releaseKey,
  type StoredAnswer,
  storeAnswer,
} from '../../db/queries/idempotency.ts';
import { Problem } from '../problem.ts';

/** A key whose first request never finished (the process died) may be used again after this long. */
const ABANDONED_AFTER_S = 300;
/** How often keys that could not be released (the database was gone) are tried again. */
const RELEASE_RETRY_MS = 1_000;
/** At most this many such keys are remembered; beyond, a key waits to be abandoned. */
const RELEASE_BACKLOG = 10_000;

export interface IdempotencyState extends IdempotencyKeyRef {
  /** The answer stored in the request's transaction (committed or not yet). */
  pending?: StoredAnswer;
  /** The answer stored in the request's transaction, once that transaction committed. */
  answered?: StoredAnswer;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyState | null;
    /** Set on a multipart POST with an Idempotency-Key: claim the key with the files' names and hashes.
     * true: the request was answered (the first answer replayed); the handler returns the reply. */
    claimUpload: ((files: { fileName: string; sha256: string }[]) => Promise<boolean>) | null;
  }
}

export interface IdempotencyOptions {
  db: Db;
  /** Fault injection for tests: runs when a keyed request's answer is about to be stored at send time
   * (a test makes it never return, as a process killed at that instant). */
  beforeSendStore?: (req: FastifyRequest) => Promise<void>;
}

/**
 * For a route whose writes run in one transaction: a function to call inside it, storing the answer with
 * the writes (undefined without an Idempotency-Key). `render` gives the body as the route will send it; the
 * stored text is what the route's response schema writes. After the commit, answer with `sendCommitted`.
 */
export function answerInTransaction<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  render: (result: T) => unknown | Promise<unknown>,
): ((result: T, tx: DbOrTx) => Promise<void>) | undefined {
  const idem = req.idempotency;
  if (!idem) return undefined;
  return async (result, tx) => {
    const body = reply.serializeInput((await render(result)) as Record<string, unknown>, String(status)) as string;
    const answer = { status, body };
    await storeAnswer(tx, idem, answer);
    idem.pending = answer;
  };
}

/** Send the answer stored with the request's writes (committed now), or `value` when none was stored. */
export function sendCommitted(req: FastifyRequest, reply: FastifyReply, value: unknown) {
  const answer = req.idempotency?.pending;
  if (!answer) return reply.send(value);
  answered(req, answer);
  return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
}

/** The answer stored in the request's transaction is committed: it is what the request sends. */
export function answered(req: FastifyRequest, answer: StoredAnswer): void {
  if (req.idempotency) req.idempotency.answered = answer;
}

export default fp<IdempotencyOptions>(
  async (app, { db, beforeSendStore }) => {
    app.decorateRequest('idempotency', null);
    app.decorateRequest('claimUpload', null);

    // Keys of requests that failed with 5xx (nothing written) while the database was gone, so they could not
    // be released then: released as soon as it answers again, so the client's retry runs at once instead of
    // meeting 409 "in progress" until the key is abandoned.
    const unreleased = new Map<string, IdempotencyKeyRef>();
    const releaseLater = async () => {
      for (const [id, ref] of unreleased) {
        try {
          await releaseKey(db, ref);
          unreleased.delete(id);
        } catch {
          return; // still gone: next time
        }
      }
    };
    let releasing: Promise<void> | null = null;
    const timer = setInterval(() => {
      if (unreleased.size > 0 && !releasing) releasing = releaseLater().finally(() => (releasing = null));
    }, RELEASE_RETRY_MS);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    const fingerprint = (req: FastifyRequest, body: unknown) =>
      createHash('sha256')
        .update(`${req.method} ${req.url}\n${canonicalJson(body ?? null)}`)
        .digest('hex');

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
      const ref = { userId: req.user.id, key };
      if (/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
        // The files are not read yet: the route claims the key once it knows their hashes.
        req.claimUpload = (files) =>
          claim(req, reply, ref, fingerprint(req, { files: files.map((f) => [f.fileName, f.sha256]) }));
        return;
      }
      if (await claim(req, reply, ref, fingerprint(req, req.body))) return reply;
    });

    /** Take the key for this request, or answer from it: true when the reply was sent (a replay). */
    async function claim(req: FastifyRequest, reply: FastifyReply, ref: IdempotencyKeyRef, requestHash: string) {
      if (await claimKey(db, ref, requestHash, ABANDONED_AFTER_S)) {
        req.idempotency = ref;
        return false;
      }
      const prior = await priorRequest(db, ref);
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
      reply
        .code(prior.statusCode)
        .type(isProblem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(prior.response);
      return true;
    }

    app.addHook('onSend', async (req, reply, payload) => {
      const idem = req.idempotency;
      if (!idem) return payload;
      req.idempotency = null;
      // Stored with the request's writes: the answer sent is that one, or a failure after the commit (the
      // committed answer stays, a retry gets it).
      if (idem.answered && (reply.statusCode >= 500 || idem.answered.body === payload)) return payload;
      await beforeSendStore?.(req);
      // With the database gone (the 503 being sent may say so) the key cannot be settled: the answer still goes
      // out; a failed request's key is released once the database answers again, a successful one's stays
      // "in progress" until abandoned — a retry meanwhile gets 409, never a second write.
      const unsettled = (err: unknown) =>
        req.log.warn({ err }, 'Idempotency-Key left in progress: its answer was not stored');
      if (reply.statusCode >= 500) {
        // Nothing was written (no answer committed with writes): let the client retry with the same key.
        await releaseKey(db, idem).catch((err) => {
          if (unreleased.size < RELEASE_BACKLOG) {
            unreleased.set(`${idem.userId}\u0000${idem.key}`, { userId: idem.userId, key: idem.key });
            req.log.warn({ err }, 'Idempotency-Key not released yet (database gone): released once it answers');
          } else unsettled(err);
        });
      } else {
        const body = typeof payload === 'string' && payload.length > 0 ? payload : null;
        await storeAnswer(db, idem, { status: reply.statusCode, body }).catch(unsettled);
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
