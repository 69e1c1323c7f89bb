import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db.ts';

describe('test database', () => {
  it('is a migrated PostgreSQL of its own, in UTF-8', async () => {
    const { db, name } = await createTestDatabase();
    const r = await db.execute(sql`select current_database() as db, current_setting('server_encoding') as enc,
      (select count(*) from information_schema.tables where table_name = 'item_events') as has_events`);
    expect(r.rows[0]).toEqual({ db: name, enc: 'UTF8', has_events: 1 });
  });
});
