// The round routes' request and response shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';

export const idParams = z.object({ id: z.uuid() });
export const roundView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    name: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    focusCategoryIds: z.array(z.string()),
    focusCategories: z.array(z.string()),
    lookBack: z.boolean(),
    scheme: z.any(),
    scoreLines: z.any(),
    selection: z.any(),
    status: z.string(),
  })
  .meta({ id: 'AcceptanceRound' });
