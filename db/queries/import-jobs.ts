// Ledger import jobs (import_jobs) and the rows they brought in (imported_rows).
import { and, count, eq } from 'drizzle-orm';
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

/** A job row as the dry run or the commit starts it: its report written once, here. */
export async function insertImportJob(
  db: DbOrTx,
  j: { campaignId: string; userId: string; fileName: string; mode: string; rows: number; report: unknown; at: string },
): Promise<string> {
  const [job] = await db
    .insert(importJobs)
    .values({
      campaignId: j.campaignId,
      userId: j.userId,
      fileName: j.fileName,
      mode: j.mode,
      status: 'done',
      totalRows: j.rows,
      processedRows: j.rows,
      report: j.report,
      finishedAt: j.at,
    })
    .returning({ id: importJobs.id });
  return job!.id;
}

/** The ledger row an item was imported from, cell by cell in the sheet's column order, or null. */
export async function importedRowOf(
  db: DbOrTx,
  campaignId: string,
  itemId: string,
): Promise<{ header: string; text: string }[] | null> {
  // By campaign first: imported_rows is indexed by (campaign_id, row_key). The row is kept as jsonb,
  // which does not keep key order: the job's report has the columns in the sheet's order.
  const [row] = await db
    .select({ original: importedRows.original, report: importJobs.report })
    .from(importedRows)
    .innerJoin(importJobs, eq(importJobs.id, importedRows.jobId))
    .where(and(eq(importedRows.campaignId, campaignId), eq(importedRows.itemId, itemId)));
  if (!row) return null;
  const columns = ((row.report as { header?: { columns?: { header: string }[] } } | null)?.header?.columns ?? []).map(
    (c) => c.header,
  );
  const at = (h: string) => (columns.includes(h) ? columns.indexOf(h) : columns.length);
  return Object.entries(row.original)
    .sort(([a], [b]) => at(a) - at(b))
    .map(([header, text]) => ({ header, text }));
}
