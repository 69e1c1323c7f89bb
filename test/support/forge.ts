// The forger of the trail tests: a database superuser who switches triggers off for the session
// (session_replication_role = replica) — the one way past the append-only trigger.
import type { Db, Tx } from '../../db/client.ts';
import { sql } from 'drizzle-orm';

export function asForger<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    return work(tx);
  });
}
