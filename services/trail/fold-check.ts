// The ledger row is a projection of the item's events: folding the trail must give the row back.
// A row edited behind the engine's back (closed → verified) differs from its own trail here.
import { canonicalJson } from '../../db/audit.ts';
import type { items } from '../../db/schema.ts';

type ItemRow = typeof items.$inferSelect;
import { fold } from '../../domain/item/index.ts';
import { truncate } from '../../domain/text.ts';
import type { ItemEvent } from '../../domain/item/types.ts';
import { ledgerColumns } from '../../workflows/ledger.ts';

/** Columns of the row that differ from the fold of its events, each as "column: row ≠ events". */
export function rowDiffersFromFold(row: ItemRow, events: readonly ItemEvent[]): string[] {
  // Instants come back from PostgreSQL in its own text form; the domain's are ISO strings.
  const folded = fold(events.map((e) => ({ ...e, at: iso(e.at)! })));
  if (!folded) return ['the item has no events'];
  const expected = ledgerColumns(folded) as Record<string, unknown>;
  const actual = row as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    if (k === 'state') continue;
    const [a, b] = INSTANTS.has(k) ? [iso(actual[k]), iso(v)] : [actual[k], v];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) {
      out.push(`${k}: row ${show(actual[k])} ≠ events ${show(v)}`);
    }
  }
  if (canonicalJson(row.state) !== canonicalJson(folded)) {
    const rowState = row.state as unknown as Record<string, unknown>;
    const keys = new Set([...Object.keys(rowState ?? {}), ...Object.keys(folded)]);
    const fields = [...keys].filter(
      (k) =>
        canonicalJson(rowState?.[k] ?? null) !==
        canonicalJson((folded as unknown as Record<string, unknown>)[k] ?? null),
    );
    out.push(`state: ${fields.join(', ')} differ from the events`);
  }
  return out;
}

const INSTANTS = new Set(['reportedAt', 'closedAt']);
const iso = (v: unknown) => (typeof v === 'string' ? new Date(v).toISOString() : null);

const show = (v: unknown) => truncate(JSON.stringify(v ?? null), 60);
