// Sign-in throttling, per account and per client address (OWASP's account lockout with exponential
// back-off): ACCOUNT_LIMIT failures within the window lock the account for LOCK_MS, each further lock twice
// as long (at most a day); ADDRESS_LIMIT failures from one address lock that address the same way, so one
// machine cannot try many accounts. While locked every attempt is refused before the password is checked
// (no argon2 work) with the seconds to wait; each lock is written to security_events (append-only).
import { eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { loginThrottle, securityEvents } from '../../db/schema.ts';

export const THROTTLE = {
  accountLimit: 5,
  addressLimit: 30,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 3600_000,
};

export const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;
export const addressKey = (ip: string) => `address:${ip}`;

/** Seconds until every given key is free again; 0 when none is locked. */
export async function lockedFor(db: DbOrTx, keys: string[], now: Date): Promise<number> {
  const rows = await db
    .select({ until: loginThrottle.lockedUntil })
    .from(loginThrottle)
    .where(inArray(loginThrottle.key, keys));
  const until = Math.max(0, ...rows.map((r) => (r.until ? new Date(r.until).getTime() : 0)));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/** Count a failed sign-in against each key; the seconds of a lock that starts now (0: none). */
export async function recordFailure(
  db: DbOrTx,
  keys: { key: string; limit: number }[],
  now: Date,
  address: string,
): Promise<number> {
  let locked = 0;
  const t = now.toISOString();
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs).toISOString();
  for (const { key, limit } of keys) {
    const [row] = await db
      .insert(loginThrottle)
      .values({ key, failures: 1, windowStart: t })
      .onConflictDoUpdate({
        target: loginThrottle.key,
        set: {
          failures: sql`case when ${loginThrottle.windowStart} < ${windowStart} then 1 else ${loginThrottle.failures} + 1 end`,
          windowStart: sql`case when ${loginThrottle.windowStart} < ${windowStart} then ${t}::timestamptz else ${loginThrottle.windowStart} end`,
        },
      })
      .returning({ failures: loginThrottle.failures, locks: loginThrottle.locks });
    if (!row || row.failures < limit) continue;
    const ms = Math.min(THROTTLE.lockMs * 2 ** row.locks, THROTTLE.maxLockMs);
    const until = new Date(now.getTime() + ms).toISOString();
    await db
      .update(loginThrottle)
      .set({ lockedUntil: until, locks: row.locks + 1, failures: 0, windowStart: t })
      .where(eq(loginThrottle.key, key));
    await db.insert(securityEvents).values({
      at: t,
      kind: 'login_locked',
      subject: key,
      address,
      detail: { failures: row.failures, until, lock: row.locks + 1 },
    });
    locked = Math.max(locked, Math.ceil(ms / 1000));
  }
  return locked;
}

/** A successful sign-in clears its account's count and back-off (not the address's). */
export async function recordSuccess(db: DbOrTx, username: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, accountKey(username)));
}
