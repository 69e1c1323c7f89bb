// Sign-in throttling and the security record. Kept in PostgreSQL so every API process shares one count.
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** Failed sign-ins per account (`account:<username>`) and per client address (`address:<ip>`). */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStart: ts('window_start').notNull(),
  lockedUntil: ts('locked_until'),
  /** Locks so far (each lock lasts twice the one before, up to a day); reset by a successful sign-in. */
  locks: integer('locks').notNull().default(0),
});

/** Append-only record of security-relevant facts (lockouts, refused sign-ins while locked). */
export const securityEvents = pgTable(
  'security_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: ts('at').notNull(),
    kind: text('kind').notNull(),
    /** `account:<username>` or `address:<ip>`. */
    subject: text('subject').notNull(),
    address: text('address'),
    detail: jsonb('detail').notNull().$type<Record<string, unknown>>(),
  },
  (t) => [index('security_events_at').on(t.at)],
);
