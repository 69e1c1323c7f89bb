// Personal data never reaches the log through a failed query: the error handler logs loggableError(err),
// which keeps the query text and SQLSTATE but not the parameters (a household's phone, name, ID number)
// nor PostgreSQL's detail (which can quote a row's values).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loggableError } from '../../api/plugins/errors.ts';
import { createTestDatabase } from '../support/db.ts';

describe('log redaction', () => {
  it("a failed query's parameters and detail are withheld from the logged error", async () => {
    const { db } = await createTestDatabase();
    await db.execute(sql`create table pii_probe (phone text primary key, name text)`);
    await db.execute(sql`insert into pii_probe values (${'13800001234'}, ${'王某某'})`);
    const err = await db
      .execute(sql`insert into pii_probe values (${'13800001234'}, ${'王某某 410308199001011234'})`)
      .catch((e: unknown) => e);
    const raw = `${(err as Error).message} ${(err as Error).stack} ${JSON.stringify((err as { cause?: object }).cause)}`;
    expect(raw).toContain('13800001234'); // the raw error does carry them
    const logged = JSON.stringify(loggableError(err));
    for (const pii of ['13800001234', '王某某', '410308199001011234']) expect(logged).not.toContain(pii);
    expect(logged).toContain('insert into pii_probe');
    expect(logged).toContain('23505');
  });
});
