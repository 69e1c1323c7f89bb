// Idempotency-Key rows: claimed when a keyed POST starts, answered in the transaction that does the
// request's writes, so the answer commits (or not) with them and a retry after any crash gets it back.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { idempotencyKeys } from '../schema.ts';

export interface IdempotencyKeyRef {
  userId: string;
  key: string;
}

/** A stored answer: its status and its body as JSON text (or null for an empty body). */
export interface StoredAnswer {
  status: number;
  body: string | null;
}

/**
 * Claim a key for a new request, in one statement: a fresh key is inserted; a key whose first request
 * never finished (the process died before committing anything) and is older than `abandonedAfterS` is
 * taken over. Answers whether this request now holds the key.
 */
export async function claimKey(
  db: DbOrTx,
  ref: IdempotencyKeyRef,
  requestHash: string,
  abandonedAfterS: number,
): Promise<boolean> {
  const { rows } = await db.execute(sql`insert into idempotency_keys (user_id, key, request_hash)
    values (${ref.userId}, ${ref.key}, ${requestHash})
    on conflict (user_id, key) do update set request_hash = excluded.request_hash, created_at = now()
      where idempotency_keys.status_code is null
        and idempotency_keys.created_at < now() - make_interval(secs => ${abandonedAfterS})
    returning 1 as claimed`);
  return rows.length > 0;
}

export async function priorRequest(db: DbOrTx, ref: IdempotencyKeyRef) {
  const [prior] = await db.select().from(idempotencyKeys).where(keyIs(ref));
  return prior ?? null;
}

/** Store the answer; inside the request's own transaction it commits with the request's writes. */
export async function storeAnswer(db: DbOrTx, ref: IdempotencyKeyRef, answer: StoredAnswer): Promise<void> {
  await db.execute(sql`update idempotency_keys set status_code = ${answer.status}, response = ${answer.body}::jsonb
    where user_id = ${ref.userId} and key = ${ref.key}`);
}

/** Free the key (nothing was written): the client may retry with it. An answer committed with the
 * request's writes is kept, whatever failed after it. */
export async function releaseKey(db: DbOrTx, ref: IdempotencyKeyRef): Promise<void> {
  await db.delete(idempotencyKeys).where(and(keyIs(ref), isNull(idempotencyKeys.statusCode)));
}

const keyIs = (ref: IdempotencyKeyRef) => and(eq(idempotencyKeys.userId, ref.userId), eq(idempotencyKeys.key, ref.key));
