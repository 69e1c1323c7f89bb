// Request shapes for the ledger export (zod), beside routes.ts; import-routes.ts keeps its own for now.
import { z } from 'zod';
import { listQuery } from '../../schemas/common.ts';

/** The list's filters, without paging: the export is every matching row. */
export const exportQuery = listQuery
  .omit({ cursor: true, limit: true, count: true, sort: true, order: true })
  .extend({ format: z.enum(['xlsx', 'csv']).default('xlsx') });
