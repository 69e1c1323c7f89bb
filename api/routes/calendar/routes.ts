// /api/v1/calendar — the official working calendar (国务院办公厅 holiday notices), one year at a time.
import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { validateCalendarYear } from '../../../domain/calendar/calendar.ts';
import { saveCalendarYear } from '../../../db/calendar.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { Problem, problemResponses } from '../../problem.ts';
import { yearSchema, getCalendarYears, putCalendarYearsByYear } from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, env }) => {
  app.get(
    '/calendar/years',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Years with official calendar data',
        response: { 200: getCalendarYears.reply200, ...problemResponses },
      },
    },
    async () => {
      const cal = await env.calendar();
      return { years: Object.values(cal.years).sort((a, b) => a.year - b.year) };
    },
  );

  app.put(
    '/calendar/years/:year',
    {
      schema: {
        tags: ['calendar'],
        summary: "Load a year's holidays and make-up workdays (admin)",
        params: putCalendarYearsByYear.params,
        body: putCalendarYearsByYear.body,
        response: { 200: yearSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req.user!, ['admin']);
      const checked = validateCalendarYear({ year: req.params.year, ...req.body });
      if (!checked.ok) {
        throw new Problem(422, 'rule_violated', 'Invalid calendar year', checked.errors.join('; '), {
          errors: checked.errors.map((message) => ({ path: 'body', message })),
        });
      }
      await saveCalendarYear(db, checked.year);
      env.invalidate();
      // Items whose deadlines were provisional for this year are recomputed by their next tick.
      await db.execute(sqlWakeProvisional(req.params.year));
      return checked.year;
    },
  );
};

const sqlWakeProvisional = (year: number) =>
  sql`update items set next_wake_at = now() where (state->>'deadlineProvisional')::boolean and extract(year from deadline) >= ${year}`;

export default routes;
