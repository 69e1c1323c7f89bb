// Sign-in throttling: per account and per client address, with Retry-After and a record in
// security_events; refused while locked before any password check; the lock ends on time. And the
// argon2 gate: a burst of sign-ins never runs more than HASH_CONCURRENCY hashes at once, and what
// cannot wait is told to come back (503 busy, Retry-After) — never a 500.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { securityEvents } from '../../db/schema.ts';
import { HASH_CONCURRENCY, hashGate } from '../../db/queries/hash-gate.ts';
import { THROTTLE } from '../../services/auth/login-throttle.ts';
import { build, PASSWORD, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

const login = (username: string, password: string, ip = '10.0.0.1') =>
  w.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username, password }),
  });

describe('sign-in throttling', () => {
  it('locks an account after 5 failures, says how long, records it, refuses even the right password until then', async () => {
    for (let i = 1; i < THROTTLE.accountLimit; i++)
      expect((await login('h1', 'wrong-password-x')).statusCode).toBe(401);
    const fifth = await login('h1', 'wrong-password-x');
    expect(fifth.statusCode).toBe(429);
    expect(fifth.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(fifth.headers['retry-after']).toBe(String(THROTTLE.lockMs / 1000));
    expect(fifth.json()).toMatchObject({ code: 'too_many_attempts', retryAfter: THROTTLE.lockMs / 1000 });
    // From another address too: the account is locked, not the machine.
    const right = await login('h1', PASSWORD, '10.0.0.2');
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    const rec = await w.db.select().from(securityEvents).where(eq(securityEvents.subject, 'account:h1'));
    expect(rec).toMatchObject([{ kind: 'login_locked', address: '10.0.0.1' }]);
    // Other accounts are not affected; after the lock the right password works again.
    expect((await login('h2', PASSWORD, '10.0.0.3')).statusCode).toBe(200);
    w.clock.t = new Date(w.clock.t.getTime() + THROTTLE.lockMs + 1000);
    expect((await login('h1', PASSWORD, '10.0.0.2')).statusCode).toBe(200);
  });

  it('doubles the lock each time the account is locked again', async () => {
    for (let round = 0; round < 2; round++) {
      let last = await login('h2', 'nope-nope-nope', '10.0.1.1');
      for (let i = 1; i < THROTTLE.accountLimit; i++) last = await login('h2', 'nope-nope-nope', '10.0.1.1');
      expect(last.statusCode).toBe(429);
      expect(Number(last.headers['retry-after'])).toBe((THROTTLE.lockMs / 1000) * 2 ** round);
      w.clock.t = new Date(w.clock.t.getTime() + THROTTLE.lockMs * 2 ** round + 1000);
    }
  });

  it('locks a client address that tries many accounts, whatever the usernames', async () => {
    let last = await login('nobody-0', 'x', '10.9.9.9');
    for (let i = 1; i < THROTTLE.addressLimit; i++) last = await login(`nobody-${i}`, 'x', '10.9.9.9');
    expect(last.statusCode).toBe(429);
    expect((await login('insp', PASSWORD, '10.9.9.9')).statusCode).toBe(429);
    expect((await login('insp', PASSWORD, '10.9.9.10')).statusCode).toBe(200);
    const rec = await w.db.select().from(securityEvents).where(eq(securityEvents.subject, 'address:10.9.9.9'));
    expect(rec).toHaveLength(1);
  });
});

describe('the argon2 gate', () => {
  it('runs at most HASH_CONCURRENCY hashes at once under a burst; the overflow is told to retry, never a 500', async () => {
    const before = { ...hashGate.stats };
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => login(`burst-${i}`, 'whatever-password', `10.20.${i >> 8}.${i & 255}`)),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.every((c) => c === 401 || c === 503)).toBe(true);
    expect(hashGate.stats.peak).toBeLessThanOrEqual(HASH_CONCURRENCY);
    const busy = answers.filter((a) => a.statusCode === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.length).toBe(hashGate.stats.refused - before.refused);
    for (const b of busy) {
      expect(b.headers['retry-after']).toBe('1');
      expect(b.json()).toMatchObject({ code: 'busy' });
    }
  });
});
