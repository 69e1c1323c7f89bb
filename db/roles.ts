// Two database roles: the owner runs migrations and owns every table; the application's role reads and
// writes the ledger but may only INSERT into the trail (item_events) and its checkpoints. A trigger
// (migration 0008) refuses UPDATE, DELETE and TRUNCATE on those tables to every role besides.
import pg from 'pg';

/** The application's role of the embedded PostgreSQL (with DATABASE_URL, the user named there). */
export const EMBEDDED_APP_ROLE = 'zhenggai_app';

const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(name)) throw new Error(`unusable role name ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** The role (user) a connection string logs in as. */
export const roleOf = (url: string) => decodeURIComponent(new URL(url).username);

export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Create (or re-password) a login role; the embedded server and the test run use it. */
export async function ensureLoginRole(ownerUrl: string, role: string, password: string): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_roles where rolname = $1', [role]);
    const lit = c.escapeLiteral(password);
    await c.query(`${rowCount ? 'alter' : 'create'} role ${ident(role)} login password ${lit}`);
  } finally {
    await c.end();
  }
}

/**
 * Run as the owner after every migration (idempotent): the app role gets the ledger's tables, only
 * INSERT and SELECT on the trail, and the `bullmq` schema (the queue's own tables, not the trail). BullMQ's
 * PostgreSQL backend migrates itself and starts with CREATE SCHEMA IF NOT EXISTS, which PostgreSQL checks
 * against the database's CREATE privilege even when the schema exists: the app role has it (a schema of
 * its own cannot touch the trail).
 */
export async function grantAppRole(ownerUrl: string, role: string): Promise<void> {
  const r = ident(role);
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query(`
      grant usage on schema public to ${r};
      grant select, insert, update, delete on all tables in schema public to ${r};
      grant usage, select on all sequences in schema public to ${r};
      revoke update, delete, truncate on item_events, trail_checkpoints, trail_checkpoint_heads, security_events from ${r};
      create schema if not exists bullmq;
      grant all on schema bullmq to ${r};
      do $$ begin execute format('grant create on database %I to ${r}', current_database()); end $$;
      grant all on all tables in schema bullmq to ${r};
      grant all on all sequences in schema bullmq to ${r};
      grant execute on all functions in schema bullmq to ${r};
      alter default privileges in schema bullmq grant all on tables to ${r};
      alter default privileges in schema bullmq grant all on sequences to ${r};`);
  } finally {
    await c.end();
  }
}
