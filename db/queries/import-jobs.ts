// Ledger import jobs (import_jobs) and the rows they brought in (imported_rows).
import { count, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { importedRows, importJobs } from '../schema.ts';

export async function setJob(db: Db, jobId: string, patch: Partial<typeof importJobs.$inferInsert>) {
  await db.update(importJobs).set(patch).where(eq(importJobs.id, jobId));
}

export async function importJobForCommit(db: DbOrTx, jobId: string) {
  const [job] = await db
    .select({ status: importJobs.status, plan: importJobs.plan, createdItems: importJobs.createdItems })
    .from(importJobs)
    .where(eq(importJobs.id, jobId));
  return job ?? null;
}

/** How many rows this job brought in (a commit that landed before its process died). */
export async function landedRows(db: DbOrTx, jobId: string): Promise<number> {
  const [landed] = await db.select({ n: count() }).from(importedRows).where(eq(importedRows.jobId, jobId));
  return landed!.n;
}

export async function insertImportedRow(db: DbOrTx, row: typeof importedRows.$inferInsert) {
  await db.insert(importedRows).values(row);
}
