// /api/v1/ledger — the ledger (台账) as .xlsx or CSV, selected by the list's filters.
import { PassThrough } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthUser } from '../../../db/queries/auth.ts';
import { ledgerPages } from '../../../db/queries/ledger.ts';
import { unitById } from '../../../db/queries/org.ts';
import { campaigns, orgUnits } from '../../../db/schema.ts';
import { csvWriter, xlsxWriter } from '../../../ledger/export.ts';
import { ledgerRow } from '../../../ledger/rows.ts';
import { writeWithTemplate } from '../../../ledger/template.ts';
import { exportLayout } from '../../../services/ledger-export.ts';
import type { AppDeps } from '../../app.ts';
import { visibleCampaignOf } from '../../../services/campaign-access.ts';
import { contentDisposition } from '../evidence/http.ts';
import { exportQuery } from './schema.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, clock }) => {
  app.get(
    '/ledger/export',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Export the ledger (问题台账) as .xlsx or CSV, with the filters of GET /items',
        querystring: exportQuery,
      },
    },
    async (req, reply) => {
      const user = req.user as AuthUser;
      const q = req.query;
      // A campaign the reader cannot see is not there: 404, and its name never reaches the file name.
      if (q.campaignId) await visibleCampaignOf(db, user, q.campaignId);
      let unitPath: string | undefined;
      if (q.unitId) unitPath = (await unitById(db, q.unitId))?.path ?? '/no-such-unit/';
      const filters = {
        campaignId: q.campaignId,
        categoryId: q.categoryId,
        unitPath,
        status: q.status,
        source: q.source,
        overdue: q.overdue,
        flagged: q.flagged,
        supervisionLevel: q.supervisionLevel,
        deadlineFrom: q.deadlineFrom,
        deadlineTo: q.deadlineTo,
        q: q.q,
      };
      const title = await ledgerTitle(q.campaignId);
      const asOf = new Date(clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      const fileName = `${title}-${asOf.replace(/-/g, '')}.${q.format}`;

      const template = await exportLayout(db, q);
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      if (template) {
        reply
          .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', contentDisposition('attachment', fileName))
          .header('cache-control', 'no-store');
        const layout = template;
        void (async () => {
          try {
            const pages = ledgerPages(db, user, filters);
            await writeWithTemplate(out, layout, title, {
              async *[Symbol.asyncIterator]() {
                for await (const page of pages)
                  yield page.map((r) => ({ row: ledgerRow(r), original: r.original ?? undefined }));
              },
            });
          } catch (err) {
            req.log.error({ err }, 'ledger export failed midway; the client got a truncated file');
            out.destroy(err as Error);
          }
        })();
        return reply.send(out);
      }
      const writer = q.format === 'xlsx' ? xlsxWriter(out, title, { asOf }) : csvWriter(out);
      reply
        .header(
          'content-type',
          q.format === 'xlsx'
            ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
            : 'text/csv; charset=utf-8',
        )
        .header('content-disposition', contentDisposition('attachment', fileName))
        .header('cache-control', 'no-store');
      // Rows are read page by page and written as they come; a failure midway cuts the download
      // (the headers are gone), and the log says why.
      void (async () => {
        try {
          for await (const page of ledgerPages(db, user, filters)) {
            if (out.destroyed) return;
            await writer.write(page.map(ledgerRow));
          }
          await writer.end();
        } catch (err) {
          req.log.error({ err }, 'ledger export failed midway; the client got a truncated file');
          out.destroy(err as Error);
        }
      })();
      return reply.send(out);
    },
  );

  async function ledgerTitle(campaignId: string | undefined): Promise<string> {
    if (!campaignId) return '问题台账';
    const [c] = await db
      .select({ name: campaigns.name, area: orgUnits.name })
      .from(campaigns)
      .innerJoin(orgUnits, eq(orgUnits.id, campaigns.areaUnitId))
      .where(eq(campaigns.id, campaignId));
    if (!c) return '问题台账';
    const name = c.name.startsWith(c.area) ? c.name : `${c.area}${c.name}`;
    return name.endsWith('台账') ? name : `${name}问题台账`;
  }
};

export default routes;
