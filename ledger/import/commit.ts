// Committing an import plan: every new item reported (and assigned where the row says to whom, what
// and by when) in ONE transaction through the engine — all rows or none. Progress is written outside
// the transaction so the API can report it while the job runs.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Actor, ItemCommand, UnitRef } from '../../domain/item/types.ts';
import type { Db } from '../../db/client.ts';
import { importedRows, importJobs } from '../../db/schema.ts';
import type { LocalEngine } from '../../workflows/local/local-engine.ts';
import type { RowPlan } from './plan.ts';

export interface CommitContext {
  db: Db;
  engine: Pick<LocalEngine, 'executeIn'>;
  actor: Actor;
  jobId: string;
  today: string;
  campaign: { id: string; endsOn: string | null; owner: UnitRef };
  leadOf: Map<string, UnitRef>;
}

export function assignmentFor(
  p: NonNullable<RowPlan['item']>,
  campaignEnds: string | null,
  today: string,
): Extract<ItemCommand, { type: 'assign' }> | null {
  if (!p.unit || !p.measures || !p.deadline) return null;
  const base = { type: 'assign' as const, responsibleUnit: { id: p.unit.id, path: p.unit.path }, measures: p.measures };
  switch (p.deadline.kind) {
    case 'immediate':
      return { ...base, mode: 'immediate' };
    case 'date':
      return p.immediate
        ? { ...base, mode: 'immediate', deadline: p.deadline.date }
        : {
            ...base,
            mode: 'phased',
            deadline: p.deadline.date,
            milestones: [{ id: 'm1', title: '完成整改', dueOn: p.deadline.date }],
          };
    case 'long_term': {
      // 长期坚持: the campaign's end (or the year's end), with a yearly review as its milestone.
      let end = campaignEnds && campaignEnds >= today ? campaignEnds : `${today.slice(0, 4)}-12-31`;
      if (end < today) end = `${Number(today.slice(0, 4)) + 1}-12-31`;
      return {
        ...base,
        mode: 'phased',
        deadline: end,
        milestones: [{ id: 'm1', title: '长期坚持：年度评估', dueOn: end }],
      };
    }
    default:
      return null;
  }
}

export async function commitPlan(
  ctx: CommitContext,
  plans: RowPlan[],
  onProgress: (done: number) => Promise<void>,
): Promise<number> {
  const todo = plans.filter((p) => p.status === 'ok' && p.item);
  let created = 0;
  await ctx.db.transaction(async (tx) => {
    for (const p of todo) {
      try {
        await one(p);
      } catch (err) {
        // A database error says why in `cause` (drizzle's own message is the whole query).
        const e = err as Error & { cause?: Error };
        throw new Error(`第 ${p.row} 行未能登记（整批未导入）：${e.cause?.message ?? e.message}`, { cause: err });
      }
      created++;
      if (created % 100 === 0) await onProgress(created);
    }
    async function one(p: RowPlan) {
      const it = p.item!;
      const itemId = randomUUID();
      await ctx.engine.executeIn(tx, {
        itemId,
        actor: ctx.actor,
        command: {
          type: 'report',
          itemId,
          campaignId: ctx.campaign.id,
          categoryId: it.categoryId,
          source: it.source,
          title: it.title,
          description: it.description,
          person: null,
          location: null,
          reportingUnit: { id: ctx.actor.unitId, path: ctx.actor.unitPath },
          ownerUnit: ctx.campaign.owner,
          leadUnit: it.categoryId ? (ctx.leadOf.get(it.categoryId) ?? null) : null,
        },
      });
      const assign = assignmentFor(it, ctx.campaign.endsOn, ctx.today);
      if (assign) await ctx.engine.executeIn(tx, { itemId, actor: ctx.actor, command: assign });
      await tx
        .insert(importedRows)
        .values({ campaignId: ctx.campaign.id, rowKey: it.key, itemId, jobId: ctx.jobId, original: it.original });
    }
  });
  return created;
}

export async function setJob(db: Db, jobId: string, patch: Partial<typeof importJobs.$inferInsert>) {
  await db.update(importJobs).set(patch).where(eq(importJobs.id, jobId));
}
