// /api/v1 evidence files (佐证材料): upload to an item, list, download (ranges, UTF-8 names),
// thumbnails; unit places for the GPS check; dismissing evidence warnings; warning counts per unit.
import multipart from '@fastify/multipart';
import { and, eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { inItemScope, within } from '../../../domain/access/scope.ts';
import type { AuthUser } from '../../../db/queries/auth.ts';
import {
  evidenceWarningCounts,
  getAttachment,
  itemAttachments,
  recordUploads,
  reportAttachments,
  setUnitPlace,
  type AttachmentRow,
  type NewUpload,
  type UploadOwner,
} from '../../../db/queries/evidence.ts';
import { getVisibleItem } from '../../../db/queries/items.ts';
import { unitById } from '../../../db/queries/org.ts';
import { reports } from '../../../db/schema.ts';
import { blobKey, FileMissing, thumbnailKey } from '../../../storage/file-store.ts';
import type { AppDeps } from '../../app.ts';
import { requireRole } from '../../access.ts';
import { actorOf } from '../../plugins/auth.ts';
import { answerInTransaction, sendCommitted } from '../../plugins/idempotency.ts';
import { forbidden, notFound, Problem, problemResponses } from '../../problem.ts';
import {
  checkFileName,
  discardStaged,
  mapMultipartError,
  prepareStaged,
  stageFile,
  storePrepared,
  type IngestedFile,
  type PreparedFile,
  type StagedFile,
} from './ingest.ts';
import { contentDisposition, parseRange } from './http.ts';
import { refusedPartName, watchPartNames } from './part-names.ts';
import { evidenceWarningView } from '../items/schema.ts';
import { openableRelated } from '../items/view.ts';
import { warningForReader } from '../../../domain/evidence/guard.ts';
import { campaignAccess, writesFor } from '../../../services/campaign-access.ts';
import { PURPOSES, attachmentView } from './schema.ts';

const view = (a: AttachmentRow) => ({
  id: a.id,
  fileName: a.fileName,
  size: a.size,
  contentType: a.contentType,
  kind: a.kind,
  sha256: a.sha256,
  purpose: a.purpose,
  uploadedAt: new Date(a.uploadedAt).toISOString(),
  uploadedBy: a.uploadedBy,
  width: a.width,
  height: a.height,
  takenAt: a.takenAt ? new Date(a.takenAt).toISOString() : null,
  gps: a.gpsLat !== null && a.gpsLon !== null ? { lat: a.gpsLat, lon: a.gpsLon } : null,
  url: `/api/v1/attachments/${a.id}`,
  thumbnailUrl: a.thumbnailKey ? `/api/v1/attachments/${a.id}/thumbnail` : null,
  processing: a.processedAt === null,
});

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, engine, clock, env } = deps;
  const access = campaignAccess({ db, calendar: () => env.calendar() });
  const ev = deps.evidence;
  if (!ev) throw new Error('evidence routes need deps.evidence (file store, staging folder, limits)');
  const { store, stageDir, limits } = ev;
  // Registered here only: other routes keep refusing multipart bodies (415).
  await app.register(multipart, {
    throwFileSizeLimit: false,
    // Keep the name as sent so a name with a path (../) is refused, not silently shortened.
    preservePath: true,
    limits: {
      fileSize: limits.maxFileBytes,
      files: limits.maxFiles,
      fields: 10,
      fieldSize: 1024,
      parts: limits.maxFiles + 10,
      headerPairs: 100,
    },
  });
  const me = (req: { user: AuthUser | null }) => req.user!;

  /** May this user read the attachment? Item files follow the item's scope; others the uploader unit's. */
  async function readable(user: AuthUser, id: string): Promise<AttachmentRow> {
    const a = await getAttachment(db, id);
    if (!a) throw notFound('attachment');
    const ok =
      a.ownerKind === 'item' && a.itemId
        ? (await getVisibleItem(db, user, a.itemId)) !== null
        : user.scopePath === null || within(a.unitPath, user.scopePath);
    if (!ok) throw notFound('attachment');
    return a;
  }

  /** Takes the request's file parts in two steps: every file is staged and checked first, and only when all
   * pass do their bytes go to the store and their rows in one transaction — a request with one bad file
   * leaves nothing behind. Photos' picture work is queued when the process has the evidence jobs.
   * A request answered from its Idempotency-Key (the first answer replayed) stores nothing. */
  async function receive(req: FastifyRequest, reply: FastifyReply, owner: Omit<UploadOwner, 'at'>) {
    if (!req.isMultipart())
      throw new Problem(
        415,
        'unsupported_media_type',
        'Unsupported media type',
        'send multipart/form-data with one or more file parts',
      );
    const budget = { remaining: limits.maxRequestBytes, maxFileBytes: limits.maxFileBytes };
    const staged: StagedFile[] = [];
    const done: IngestedFile[] = [];
    // Watching starts before the parser pipes the body (req.files() below), so no chunk is missed.
    const refusedName = watchPartNames(req.raw, req.headers['content-type']);
    try {
      for await (const part of req.files()) {
        const name = checkFileName(part.filename);
        staged.push(await stageFile(part.file, name, stageDir, budget));
      }
      const dropped = refusedName();
      if (dropped !== null) throw refusedPartName(dropped);
      if (staged.length === 0) throw new Problem(400, 'no_file', 'No file', 'the request carried no file part');
      const prepared: PreparedFile[] = [];
      for (const f of staged) prepared.push(await prepareStaged(f, ev!.jobs ? 'deferred' : 'inline'));
      if (req.claimUpload && (await req.claimUpload(staged))) return reply;
      for (const f of prepared) done.push(await storePrepared(f, store));
    } catch (err) {
      throw mapMultipartError(err);
    } finally {
      await discardStaged(staged);
    }
    const at = clock.now().toISOString();
    // With an Idempotency-Key the answer commits with the rows: a retry after a crash gets these files back.
    const answer = answerInTransaction(req, reply, 201, (attachments: unknown[]) => ({ attachments }));
    const rows = await db.transaction(async (tx) => {
      const recorded = await recordUploads(
        tx,
        done.map(
          (f): NewUpload => ({
            sha256: f.sha256,
            size: f.size,
            contentType: f.contentType,
            kind: f.kind,
            fileName: f.fileName,
            storageKey: blobKey(f.sha256),
            dhash: f.photo?.dhash ?? null,
            width: f.photo?.width ?? null,
            height: f.photo?.height ?? null,
            takenAt: f.photo?.takenAt ?? null,
            gps: f.photo?.gps ?? null,
            thumbnailKey: f.thumbnail ? thumbnailKey(f.sha256) : null,
            processed: f.processed,
          }),
        ),
        { ...owner, at },
      );
      if (answer) {
        const views = [];
        for (const r of recorded) views.push(view((await getAttachment(tx, r.id))!));
        await answer(views, tx);
      }
      return recorded;
    });
    // Picture work in the background: a lost enqueue is found by the reconcile job (processed_at stays null).
    for (const f of done.filter((x) => !x.processed)) {
      await ev!
        .jobs!.photo(f.sha256, f.contentType)
        .catch((err) =>
          req.log.error({ err, sha256: f.sha256 }, 'photo job not queued; the evidence reconcile job will queue it'),
        );
    }
    const full = await Promise.all(rows.map((r) => getAttachment(db, r.id)));
    return sendCommitted(req, reply.code(201), { attachments: full.map((a) => view(a!)) });
  }

  app.post(
    '/items/:id/attachments',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Upload evidence files (multipart/form-data, one or more `file` parts)',
        params: z.object({ id: z.uuid() }),
        querystring: z.strictObject({
          purpose: z.enum(PURPOSES).default('progress').describe('what the files support'),
        }),
        response: { 201: z.object({ attachments: z.array(attachmentView) }), ...problemResponses },
      },
    },
    async (req, reply) => {
      const user = me(req);
      const actor = actorOf(user);
      const row = await getVisibleItem(db, user, req.params.id);
      if (!row) throw notFound('item');
      const purpose = req.query.purpose;
      // Who may add evidence: the responsible unit's handlers, the item's reviewers, and inspectors for rechecks.
      const may =
        purpose === 'recheck'
          ? actor.roles.some((r) => r === 'inspector' || r === 'supervisor')
          : actor.roles.some((r) => r === 'handler' || r === 'lead' || r === 'supervisor') &&
            inItemScope(row.state, actor);
      if (!may) throw forbidden(`uploading ${purpose} evidence to this item needs a working role in its scope`);
      return receive(req, reply, {
        purpose,
        ownerKind: 'item',
        ownerId: req.params.id,
        unitPath: actor.unitPath,
        userId: user.id,
      });
    },
  );

  app.post(
    '/campaigns/:id/reports/:period/units/:unitId/attachments',
    {
      schema: {
        tags: ['evidence', 'reports'],
        summary:
          "Upload files for a unit's monthly report (multipart/form-data, one or more `file` parts); cite their ids in the draft",
        params: z.object({ id: z.uuid(), period: z.string().min(1).max(40), unitId: z.uuid() }),
        response: { 201: z.object({ attachments: z.array(attachmentView) }), ...problemResponses },
      },
    },
    async (req, reply) => {
      const user = me(req);
      const c = await access.visibleCampaign(user, req.params.id);
      const { cfg } = await access.reportPeriodOf(c, req.params.period);
      const unit = await access.reportingUnitOf(user, c, req.params.unitId, cfg.cycle.reportingUnitIds);
      if (!writesFor(user, unit))
        throw forbidden('only a handler or lead of the reporting unit adds files to its report');
      // Readable as the report is: by the unit and by those whose scope covers it (the office).
      return receive(req, reply, {
        purpose: 'report',
        ownerKind: 'report',
        ownerId: unit.id,
        unitPath: unit.path,
        userId: user.id,
      });
    },
  );

  app.get(
    '/campaigns/:id/reports/:period/units/:unitId/attachments',
    {
      schema: {
        tags: ['evidence', 'reports'],
        summary: "The files a unit's report cites",
        params: z.object({ id: z.uuid(), period: z.string().min(1).max(40), unitId: z.uuid() }),
        response: { 200: z.object({ attachments: z.array(attachmentView) }), ...problemResponses },
      },
    },
    async (req) => {
      const user = me(req);
      const c = await access.visibleCampaign(user, req.params.id);
      const { cfg, p } = await access.reportPeriodOf(c, req.params.period);
      const unit = await access.reportingUnitOf(user, c, req.params.unitId, cfg.cycle.reportingUnitIds);
      const [row] = await db
        .select({ attachments: reports.attachments })
        .from(reports)
        .where(and(eq(reports.campaignId, c.id), eq(reports.period, p.period), eq(reports.unitId, unit.id)));
      return { attachments: (await reportAttachments(db, unit.id, row?.attachments ?? [])).map(view) };
    },
  );

  app.get(
    '/items/:id/attachments',
    {
      schema: {
        tags: ['evidence'],
        summary: "An item's evidence files",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ attachments: z.array(attachmentView) }), ...problemResponses },
      },
    },
    async (req) => {
      if (!(await getVisibleItem(db, me(req), req.params.id))) throw notFound('item');
      return { attachments: (await itemAttachments(db, req.params.id)).map(view) };
    },
  );

  app.get(
    '/attachments/:id',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Download a file (Range requests supported)',
        params: z.object({ id: z.uuid() }),
        querystring: z.strictObject({ download: z.enum(['1', 'true']).optional() }),
      },
    },
    async (req, reply) => {
      const a = await readable(me(req), req.params.id);
      const range = parseRange(req.headers.range, a.size);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${a.size}`);
        throw new Problem(416, 'range_not_satisfiable', 'Range not satisfiable', `the file has ${a.size} bytes`);
      }
      const body = await openOrGone(() => store.get(a.storageKey, range ?? undefined), a.id);
      const inline = !req.query.download && (a.kind !== 'document' || a.contentType === 'application/pdf');
      reply
        .header('accept-ranges', 'bytes')
        .header('content-type', a.contentType)
        .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', a.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('etag', `"${a.sha256}"`)
        .header('cache-control', 'private, max-age=3600');
      if (range) {
        reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${a.size}`)
          .header('content-length', range.end - range.start + 1);
      } else {
        reply.header('content-length', a.size);
      }
      return reply.send(body);
    },
  );

  app.get(
    '/attachments/:id/thumbnail',
    {
      schema: { tags: ['evidence'], summary: "A photo's thumbnail (WebP)", params: z.object({ id: z.uuid() }) },
    },
    async (req, reply) => {
      const a = await readable(me(req), req.params.id);
      if (!a.thumbnailKey) throw notFound('thumbnail');
      const body = await openOrGone(() => store.get(a.thumbnailKey!), a.id);
      return reply
        .header('content-type', 'image/webp')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=86400')
        .send(body);
    },
  );

  app.put(
    '/org-units/:id/place',
    {
      schema: {
        tags: ['evidence'],
        summary: "Where a unit (village) is, for the guard's GPS check",
        params: z.object({ id: z.uuid() }),
        body: z.strictObject({
          lat: z.number().min(-90).max(90),
          lon: z.number().min(-180).max(180),
          radiusM: z.number().int().min(100).max(100_000).optional(),
        }),
        response: {
          200: z.object({ unitId: z.string(), lat: z.number(), lon: z.number(), radiusM: z.number() }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const user = me(req);
      requireRole(user, ['admin', 'supervisor']);
      const unit = await unitById(db, req.params.id);
      if (!unit || !(user.scopePath === null || within(unit.path, user.scopePath))) throw notFound('unit');
      await setUnitPlace(db, unit.id, req.body);
      return { unitId: unit.id, lat: req.body.lat, lon: req.body.lon, radiusM: req.body.radiusM ?? 5000 };
    },
  );

  app.post(
    '/items/:id/evidence-warnings/:warningId/dismiss',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Dismiss a paper sign-off warning, with a reason',
        params: z.object({ id: z.uuid(), warningId: z.string().min(1).max(100) }),
        body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
        response: {
          200: z.object({ version: z.number().int(), evidenceWarnings: z.array(evidenceWarningView) }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const user = me(req);
      if (!(await getVisibleItem(db, user, req.params.id))) throw notFound('item');
      const out = await engine.execute({
        itemId: req.params.id,
        actor: actorOf(user),
        command: { type: 'dismiss_evidence_warning', warningId: req.params.warningId, reason: req.body.reason },
      });
      const warnings = out.state.evidenceWarnings ?? [];
      const openable = await openableRelated(db, user, warnings);
      return {
        version: out.state.version,
        evidenceWarnings: warnings.map((x) => warningForReader(x, (id) => openable.has(id))),
      };
    },
  );

  app.get(
    '/campaigns/:id/evidence-warnings',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Paper sign-off warnings per responsible unit (counted in rankings)',
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            units: z.array(
              z.object({
                unitId: z.string(),
                unitName: z.string(),
                open: z.number().int(),
                dismissed: z.number().int(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      await access.visibleCampaign(me(req), req.params.id);
      const rows = await evidenceWarningCounts(db, req.params.id, me(req).scopePath);
      return {
        units: rows.map((r) => ({ unitId: r.unit_id, unitName: r.unit_name, open: r.open, dismissed: r.dismissed })),
      };
    },
  );
};

async function openOrGone<T>(open: () => Promise<T>, id: string): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof FileMissing) {
      throw new Problem(
        503,
        'file_unavailable',
        'File unavailable',
        `the bytes of attachment ${id} are missing from the file store; tell the administrator`,
      );
    }
    throw err;
  }
}

export default routes;
