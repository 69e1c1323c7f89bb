// Shaping items for the API: names joined in, personal data masked for roles that do not need it,
// evidence warnings told without the other items (and their units) the reader cannot open.
import { warningForReader } from '../../../domain/evidence/guard.ts';
import { canSeePersonalData, maskPerson } from '../../../domain/item/index.ts';
import { pendingTimers, type TimeEnv } from '../../../domain/item/next-wake.ts';
import type { Actor, EvidenceWarning, ItemState, Person } from '../../../domain/item/types.ts';
import { type ItemListRow, openableItemIds } from '../../../db/queries/items.ts';
import type { DbOrTx } from '../../../db/client.ts';
import type { Reader } from '../../../db/queries/items.ts';

/** The items this reader may open among those the warnings (of states or of warning events) point to. */
export async function openableRelated(db: DbOrTx, reader: Reader, warnings: { related?: unknown }[]) {
  const ids = warnings.flatMap((w) =>
    (Array.isArray(w.related) ? w.related : []).map((r: { itemId: string }) => r.itemId),
  );
  return openableItemIds(db, reader, ids);
}
export const warningsOf = (states: Pick<ItemState, 'evidenceWarnings'>[]): EvidenceWarning[] =>
  states.flatMap((s) => s.evidenceWarnings ?? []);

export const iso = (v: string) => new Date(v).toISOString();

/** `openable`: the items this reader may open among those its evidence warnings point to (openableRelated). */
export function itemView(row: ItemListRow, actor: Actor, openable: ReadonlySet<string>) {
  const s = row.state;
  const { person, masked } = personFor(s.person, actor);
  return {
    id: s.id,
    ledgerNo: row.seqNo,
    campaignId: s.campaignId,
    categoryId: s.categoryId,
    categoryName: row.categoryName,
    status: s.status,
    version: s.version,
    source: s.source,
    title: s.title,
    description: s.description,
    person,
    personMasked: masked,
    location: s.location,
    reportedAt: s.reportedAt,
    responsibleUnit: s.responsibleUnit ? { id: s.responsibleUnit.id, name: row.responsibleName } : null,
    mode: s.mode,
    measures: s.measures,
    deadline: s.deadline,
    deadlineProvisional: s.deadlineProvisional,
    overdue: s.overdue,
    overdueSince: s.overdueSince,
    escalationLevel: s.escalationLevel,
    flagged: s.flagged,
    flagReason: s.flagReason,
    supervision: s.flagged
      ? {
          level: s.supervision?.level ?? 'guapai',
          dueOn: s.supervision?.dueOn ?? null,
          since: s.supervision?.since ?? s.reportedAt,
          overdueAt: s.supervision?.overdueAt ?? null,
        }
      : null,
    monitoredSince: s.monitoredSince ?? null,
    milestones: s.milestones.map(({ id, title, dueOn, completedAt }) => ({ id, title, dueOn, completedAt })),
    extensionRequest: s.extensionRequest,
    submittedAt: s.submittedAt,
    summary: s.summary,
    evidence: s.evidence,
    closedAt: s.closedAt,
    verifiedAt: s.verifiedAt,
    rejectCount: s.rejectCount,
    reopenCount: s.reopenCount,
    recheck: s.recheck,
    qualityWarnings: s.qualityWarnings,
    evidenceWarnings: (s.evidenceWarnings ?? []).map((w) => warningForReader(w, (id) => openable.has(id))),
    // The office's own words the item was imported with, shown beside the status and the deadline.
    imported: s.imported
      ? {
          statusText: s.imported.statusText,
          deadlineText: s.imported.deadlineText,
          partial: s.imported.partial,
          standing: s.imported.standing,
          signedOff: s.imported.signedOff,
          overdueAtImport: s.imported.overdueAtImport,
          origin: s.imported.origin,
        }
      : null,
    signOffApprovals: s.signOff?.approvals ?? [],
    publicNotice: s.publicNotice ?? null,
    updatedAt: iso(row.updatedAt),
  };
}

function personFor(p: Person | null, actor: Actor): { person: Person | null; masked: boolean } {
  if (!p) return { person: null, masked: false };
  return canSeePersonalData(actor.roles) ? { person: p, masked: false } : { person: maskPerson(p), masked: true };
}

/** Events carry the person too (ItemReported): mask there as well; and warnings, told as in itemView. */
export function eventDataFor(
  type: string,
  data: unknown,
  actor: Actor,
  openable: ReadonlySet<string>,
): Record<string, unknown> {
  const d = (data ?? {}) as Record<string, unknown>;
  if (type === 'ItemReported' && d.person) return { ...d, person: personFor(d.person as Person, actor).person };
  if (type === 'EvidenceWarningRaised' && Array.isArray(d.related) && typeof d.detail === 'string')
    return warningForReader(d as unknown as EvidenceWarning, (id) => openable.has(id)) as unknown as Record<
      string,
      unknown
    >;
  return d;
}

export type ItemView = ReturnType<typeof itemView>;

/** The timers pending on the item as things stand, each with the provisional mark a deadline carries. */
export function scheduleView(state: ItemState, env: TimeEnv) {
  return pendingTimers(state, env)
    .filter((t) => t.kind !== 'recompute')
    .map((t) => ({
      kind: t.kind,
      dueAt: t.dueAt,
      daysBefore: 'daysBefore' in t ? t.daysBefore : null,
      level: t.kind === 'escalation' ? t.step.level : null,
      provisional: t.provisional === true,
    }));
}
