// The ledger export's layout: the standard one, or the office's own (saved when a ledger of the
// campaign was imported with saveLayout=true), so the ledger goes upward in the form it came in.
import type { DbOrTx } from '../db/client.ts';
import { officeLayout } from '../db/queries/import-templates.ts';
import type { LedgerTemplate } from '../ledger/template.ts';
import { Refused } from './refusal.ts';

/** The office layout to write with, or null for the standard one; refuses `no_layout` when asked for an office
 * layout the campaign has not saved, or in CSV (the layout is a workbook's rows and merges). */
export async function exportLayout(
  db: DbOrTx,
  q: { layout: 'standard' | 'office'; format: 'xlsx' | 'csv'; campaignId?: string | undefined },
): Promise<LedgerTemplate | null> {
  if (q.layout !== 'office') return null;
  const noLayout = (message: string) => new Refused('no_layout', message, { title: 'No office layout' });
  if (q.format !== 'xlsx') throw noLayout('the office layout is an .xlsx layout; ask for format=xlsx');
  const layout = q.campaignId ? await officeLayout(db, q.campaignId) : null;
  if (!layout)
    throw noLayout(
      'this campaign has no saved ledger layout: import a ledger with saveLayout=true first (campaignId is required)',
    );
  return layout as unknown as LedgerTemplate;
}
