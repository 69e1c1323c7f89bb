// Display names of units and categories for answers that only know ids (a command's result).
// Names change rarely (no endpoint renames them yet); a process caches them briefly so a command
// costs no extra round trip. Other processes see a rename within `ttlMs`.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { categories, orgUnits } from '../schema.ts';

interface NameCache {
  unit(id: string | null | undefined): Promise<string | null>;
  category(id: string | null | undefined): Promise<string | null>;
}

export function createNameCache(db: DbOrTx, ttlMs = 30_000): NameCache {
  const cache = new Map<string, { at: number; name: Promise<string | null> }>();
  function lookup(kind: 'unit' | 'category', id: string | null | undefined): Promise<string | null> {
    if (!id) return Promise.resolve(null);
    const key = `${kind}:${id}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.name;
    const table = kind === 'unit' ? orgUnits : categories;
    const name = db
      .select({ name: table.name })
      .from(table)
      .where(sql`${table.id} = ${id}`)
      .then(([r]) => r?.name ?? null);
    name.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), name });
    return name;
  }
  return { unit: (id) => lookup('unit', id), category: (id) => lookup('category', id) };
}
