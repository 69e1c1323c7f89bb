// Request and response shapes for the working calendar (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { text } from '../../schemas/common.ts';

export const yearSchema = z
  .object({ year: z.number().int(), source: z.string(), holidays: z.array(z.string()), workdays: z.array(z.string()) })
  .meta({ id: 'CalendarYear' });

/** GET /calendar/years */
export const getCalendarYears = {
  reply200: z.object({ years: z.array(yearSchema) }),
};

/** PUT /calendar/years/:year */
export const putCalendarYearsByYear = {
  params: z.object({ year: z.coerce.number().int().min(2000).max(2100) }),
  body: z.strictObject({
    source: text(300)
      .refine((s) => s.length >= 4, 'too short')
      .describe('the notice, e.g. 国办发明电〔2026〕x号'),
    holidays: z.array(z.string()).max(60),
    workdays: z.array(z.string()).max(20),
  }),
};
