// Ledger import (台账导入): a sheet read and checked into a plan with its row-by-row report (the dry
// run), then the commit — every new item reported (and assigned where the row says to whom, what and
// by when) through the ItemEngine port's executeAll, all rows or none. Small commits run in the
// request; large ones as a job on the imports queue (or, without a queue, after the answer). Progress
// is written outside the unit of work so GET /imports/{id} can show it meanwhile. A retried job whose
// commit did land (the process died before marking it done) only marks it done.
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { fileTypeFromFile } from 'file-type';
import type { Db } from '../db/client.ts';
import {
  importJobForCommit,
  insertImportedRow,
  insertImportJob,
  landedRows,
  setJob,
} from '../db/queries/import-jobs.ts';
import { saveLayout } from '../db/queries/import-templates.ts';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import type { Actor, ItemSource, UnitRef } from '../domain/item/types.ts';
import { assignmentFor } from '../ledger/import/commit.ts';
import { contextFor } from '../ledger/import/deadline.ts';
import { cellText, findHeader, ledgerDate } from '../ledger/import/header.ts';
import { writeMarked } from '../ledger/import/marked.ts';
import { planImport, type RowPlan } from '../ledger/import/plan.ts';
import { readSheet, SheetRejected } from '../ledger/import/read.ts';
import { type ImportReport, reportOf } from '../ledger/import/report.ts';
import { importStateFor, needsImportedState } from '../ledger/import/state.ts';
import { ZipRejected } from '../ledger/import/zip-guard.ts';
import { templateFromSheet } from '../ledger/template.ts';
import { existingItemIds, type ImportRefs } from './import-refs.ts';
import { type Clock, type CommandRequest, GroupFailed, type ItemEngine } from '../workflows/engine.ts';
import type { ImportJobs, StoredPlan } from './jobs.ts';
import { Refused } from './refusal.ts';

/** Commits with more rows than this run in the background (202 + progress at GET /imports/{id}). */
export const SYNC_COMMIT_ROWS = 200;

export interface ImportCommit {
  actor: Actor;
  jobId: string;
  today: string;
  campaign: { id: string; endsOn: string | null; owner: UnitRef };
  leadOf: Map<string, UnitRef>;
  fileName?: string;
}

type ErrorLog = { error: (o: object, m: string) => void };

export type LedgerImport = ReturnType<typeof ledgerImport>;

export interface SheetImport {
  user: { id: string; actor: Actor };
  refs: ImportRefs;
  /** The staged upload (the caller removes it afterwards) and the name it was sent under. */
  file: { path: string; name: string };
  mode: 'dry_run' | 'commit';
  defaultSource: ItemSource;
  /** On commit: keep this ledger's layout for the export in the office's own form. */
  saveLayout: boolean;
  limits: { maxRows: number; maxColumns: number; maxUncompressedBytes: number };
}

export type SheetImported =
  | { mode: 'dry_run'; jobId: string; report: ImportReport; marked: (out: Writable) => Promise<void> }
  | { mode: 'commit'; jobId: string; report: ImportReport; refused: 'import_has_errors' }
  | { mode: 'commit'; jobId: string; report: ImportReport; status: 'done'; created: number }
  | { mode: 'commit'; jobId: string; report: ImportReport; status: 'queued' | 'running' };

export function ledgerImport(deps: {
  db: Db;
  engine: ItemEngine;
  clock: Clock;
  /** The working calendar with the years loaded into the database: festival deadlines read it. */
  calendar: () => Promise<CalendarData>;
  jobs?: ImportJobs;
  log?: ErrorLog;
}) {
  const { db, engine, clock } = deps;
  const nowIso = () => clock.now().toISOString();
  /** Today in China (UTC+8), the day deadlines and overdue are judged against. */
  const today = () => new Date(clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);

  /**
   * One uploaded sheet: read, header found, every problem planned and reported, the job row written;
   * on commit (and no row errors) the plan committed. Refuses with `unsupported_sheet`,
   * `sheet_rejected` or `header_not_found` before anything is written.
   */
  async function importSheet(p: SheetImport): Promise<SheetImported> {
    const { refs, file } = p;
    const kind = await sheetKind(file.path, file.name);
    let grid: Awaited<ReturnType<typeof readSheet>>;
    try {
      grid = await readSheet(file.path, kind, p.limits);
    } catch (err) {
      if (err instanceof SheetRejected || err instanceof ZipRejected)
        throw new Refused('sheet_rejected', err.message, { title: 'Sheet rejected' });
      throw err;
    }
    const { rows, merges } = grid;
    const header = findHeader(rows, refs.template, merges);
    if (!header)
      throw new Refused(
        'header_not_found',
        '未找到表头：前 30 行中没有一行同时包含“问题描述”（或问题内容、具体问题表述）和其他台账列名；可在导入模板中指定列名',
        { title: 'Header not found' },
      );
    // Deadlines written without a year (6月底, 春节前) belong to the ledger's own year (its title or
    // 填报时间), else to today's; festivals come from the calendar with the years an admin loaded.
    const now = today();
    const base = contextFor(now, await deps.calendar());
    const dated = ledgerDate(rows, header);
    const deadlineContext = dated ? { ...base, year: dated.year, after: dated.date ?? `${dated.year}-01-01` } : base;
    const ids = header.columns.find((c) => c.field === 'itemId');
    const plans = planImport({
      rows,
      header,
      merges,
      deadlineContext,
      units: refs.units,
      unitPrefixes: refs.unitPrefixes,
      categories: refs.categories,
      today: now,
      defaultSource: p.defaultSource,
      existingKeys: refs.existingKeys,
      rowKey: refs.rowKey,
      existingItemIds: ids
        ? await existingItemIds(
            db,
            refs.campaign.id,
            rows.slice(header.dataStart).map((r) => cellText(r?.[ids.index])),
          )
        : new Set(),
    });
    const report = reportOf(file.name, header, plans);
    const jobId = await insertImportJob(db, {
      campaignId: refs.campaign.id,
      userId: p.user.id,
      fileName: file.name,
      mode: p.mode,
      rows: plans.length,
      report,
      at: nowIso(),
    });
    if (p.mode === 'dry_run')
      return { mode: 'dry_run', jobId, report, marked: (out) => writeMarked(out, rows, plans, header.headerRows) };
    if (report.totals.errors > 0) {
      await setJob(db, jobId, { status: 'failed', error: `${report.totals.errors} 行有错误，未导入` });
      return { mode: 'commit', jobId, report, refused: 'import_has_errors' };
    }
    const out = await commit(
      { actor: p.user.actor, jobId, today: now, campaign: refs.campaign, leadOf: refs.leadOf, fileName: file.name },
      plans,
      report.totals.ok,
    );
    if (p.saveLayout)
      await saveLayout(db, {
        campaignId: refs.campaign.id,
        mapping: refs.template as Record<string, string>,
        layout: templateFromSheet(rows, merges, header) as unknown as Record<string, unknown>,
        by: p.user.id,
        at: nowIso(),
      });
    return { mode: 'commit', jobId, report, ...out };
  }

  /** Every ok row of the plan in one unit of work; answers how many items it created. */
  async function commitRows(c: ImportCommit, plans: RowPlan[], onProgress: (done: number) => Promise<void>) {
    if (!engine.executeAll) throw unavailable();
    const todo = plans.filter((p) => p.status === 'ok' && p.item);
    const ids = todo.map(() => randomUUID());
    const groups = todo.map((p, i): CommandRequest[] => {
      const it = p.item!;
      const itemId = ids[i]!;
      const report: CommandRequest = {
        itemId,
        actor: c.actor,
        command: {
          type: 'report',
          itemId,
          campaignId: c.campaign.id,
          categoryId: it.categoryId,
          source: it.source,
          title: it.title,
          description: it.description,
          person: null,
          location: null,
          monitoredSince: it.monitoredSince ?? null,
          reportingUnit: { id: c.actor.unitId, path: c.actor.unitPath },
          ownerUnit: c.campaign.owner,
          leadUnit: it.categoryId ? (c.leadOf.get(it.categoryId) ?? null) : null,
        },
      };
      // A row that says where the problem stands (a status, milestones, a deadline already past) brings
      // that state in through one import_state; one that only says to whom, what and by when is assigned.
      if (needsImportedState(it, c.today)) {
        const rows = it.rows.length > 1 ? `${it.rows[0]}–${it.rows[it.rows.length - 1]}` : String(it.rows[0] ?? p.row);
        const origin = `${c.fileName ?? '台账'} 第${rows}行`;
        return [report, { itemId, actor: c.actor, command: importStateFor(it, c.campaign.endsOn, c.today, origin) }];
      }
      const assign = assignmentFor(it, c.campaign.endsOn, c.today);
      return assign ? [report, { itemId, actor: c.actor, command: assign }] : [report];
    });
    try {
      await engine.executeAll(groups, async (i, tx) => {
        const it = todo[i]!.item!;
        await insertImportedRow(tx, {
          campaignId: c.campaign.id,
          rowKey: it.key,
          itemId: ids[i]!,
          jobId: c.jobId,
          original: it.original,
        });
        if ((i + 1) % 100 === 0) await onProgress(i + 1);
      });
    } catch (err) {
      if (err instanceof GroupFailed)
        throw new Error(`第 ${todo[err.index]!.row} 行未能登记（整批未导入）：${err.message}`, { cause: err.cause });
      throw err;
    }
    return todo.length;
  }

  /**
   * Commit a checked plan (no row errors): at once when small, else queued (or run after the answer
   * when this process has no queue). Refuses with `unavailable` when the runtime cannot commit all or
   * none, or the queue does not take the job; with `import_failed` when the commit rolled back.
   */
  async function commit(
    c: ImportCommit,
    plans: RowPlan[],
    okRows: number,
  ): Promise<{ status: 'done'; created: number } | { status: 'queued' | 'running' }> {
    if (!engine.executeAll) throw unavailable();
    const run = async () => {
      await setJob(db, c.jobId, { status: 'running', processedRows: 0, finishedAt: null });
      try {
        const created = await commitRows(c, plans, (n) => setJob(db, c.jobId, { processedRows: n }));
        await setJob(db, c.jobId, {
          status: 'done',
          processedRows: okRows,
          createdItems: created,
          finishedAt: nowIso(),
        });
        return created;
      } catch (err) {
        await setJob(db, c.jobId, { status: 'failed', error: (err as Error).message, finishedAt: nowIso() });
        throw err;
      }
    };
    if (okRows > SYNC_COMMIT_ROWS && deps.jobs) {
      try {
        await deps.jobs.enqueue(c.jobId, {
          actor: c.actor,
          today: c.today,
          campaign: { id: c.campaign.id, endsOn: c.campaign.endsOn, owner: c.campaign.owner },
          leadOf: [...c.leadOf],
          rows: plans,
          ...(c.fileName ? { fileName: c.fileName } : {}),
        });
      } catch (err) {
        await setJob(db, c.jobId, {
          status: 'failed',
          plan: null,
          error: `could not queue the import: ${(err as Error).message}`,
          finishedAt: nowIso(),
        }).catch(() => {});
        throw new Refused(
          'unavailable',
          `the background queue did not take the import (${(err as Error).message}); nothing was imported, try again shortly`,
          { title: 'Import queue unavailable' },
        );
      }
      return { status: 'queued' };
    }
    if (okRows > SYNC_COMMIT_ROWS) {
      // No queue in this process (API-only tests): the commit runs here, after the answer.
      void run().catch((err) =>
        deps.log?.error({ err, jobId: c.jobId }, 'background import failed; nothing was written'),
      );
      return { status: 'running' };
    }
    try {
      return { status: 'done', created: await run() };
    } catch (err) {
      throw new Refused('import_failed', (err as Error).message, { title: 'Import failed' });
    }
  }

  /** The imports job: commit the stored plan all or nothing, retried whole; never a second copy. */
  async function runJob(jobId: string, attempt: { made: number; max: number }) {
    const job = await importJobForCommit(db, jobId);
    if (!job) return { created: 0 };
    if (job.status === 'done') return { created: job.createdItems, already: true };
    const landed = await landedRows(db, jobId);
    if (landed > 0) {
      await setJob(db, jobId, {
        status: 'done',
        processedRows: landed,
        createdItems: landed,
        plan: null,
        error: null,
        finishedAt: nowIso(),
      });
      return { created: landed, already: true };
    }
    const plan = job.plan as StoredPlan | null;
    if (!plan) throw new Error(`import ${jobId} has no stored plan (status ${job.status}); it cannot be committed`);
    await setJob(db, jobId, { status: 'running', processedRows: 0, attempts: attempt.made + 1, finishedAt: null });
    try {
      const created = await commitRows(
        {
          actor: plan.actor,
          jobId,
          today: plan.today,
          campaign: plan.campaign,
          leadOf: new Map(plan.leadOf),
          ...(plan.fileName ? { fileName: plan.fileName } : {}),
        },
        plan.rows,
        (n) => setJob(db, jobId, { processedRows: n }),
      );
      await setJob(db, jobId, {
        status: 'done',
        processedRows: created,
        createdItems: created,
        plan: null,
        error: null,
        finishedAt: nowIso(),
      });
      return { created };
    } catch (err) {
      const last = attempt.made + 1 >= attempt.max;
      const msg = (err as Error).message;
      await setJob(
        db,
        jobId,
        last
          ? { status: 'failed', processedRows: 0, error: msg, plan: null, finishedAt: nowIso() }
          : {
              status: 'queued',
              processedRows: 0,
              error: `第 ${attempt.made + 1} 次尝试未成功（已整批回滚），稍后重试：${msg}`,
            },
      );
      throw err;
    }
  }

  return { importSheet, commit, runJob };
}

/** What the upload is by its content: .xlsx (a damaged one may sniff as a plain zip: the zip guard
 * says what is wrong with it) or, with no signature at all, .csv by its name. */
async function sheetKind(path: string, fileName: string): Promise<'xlsx' | 'csv'> {
  const type = await fileTypeFromFile(path);
  if (type?.ext === 'xlsx' || (type?.ext === 'zip' && /\.xlsx$/i.test(fileName))) return 'xlsx';
  if (!type && /\.csv$/i.test(fileName)) return 'csv';
  throw new Refused(
    'unsupported_sheet',
    `${fileName} is ${type ? `.${type.ext}` : 'not a spreadsheet'} by its content; send .xlsx (save .xls/.et/.wps files as .xlsx first) or .csv`,
    { title: 'Unsupported sheet' },
  );
}

const unavailable = () =>
  new Refused('unavailable', 'this runtime cannot commit an import in one transaction', {
    title: 'Import unavailable',
  });
