// The state a planned row brings into the lifecycle (the import_state command): where the ledger
// says the problem stands, in its own words. Rows that say nothing beyond "to whom, what, by when" in
// the future keep going through assign as before. Pure.
import type { ItemCommand, UnitRef } from '../../domain/item/types.ts';
import type { PlannedItem } from './plan.ts';

type ImportState = Extract<ItemCommand, { type: 'import_state' }>;

/** Whether the row needs its state brought in (a status, a past deadline, several milestones). */
export function needsImportedState(p: PlannedItem, today: string): boolean {
  return p.status !== null || p.milestones.length > 1 || (p.deadline?.kind === 'date' && p.deadline.date < today);
}

export function importStateFor(
  p: PlannedItem,
  campaignEnds: string | null,
  today: string,
  origin: string,
): ImportState {
  const unit: UnitRef | null = p.unit ? { id: p.unit.id, path: p.unit.path } : null;
  let status = p.status?.state ?? (unit && p.measures && p.deadline ? 'assigned' : 'reported');
  // A state that needs a responsible unit cannot be taken without one: registered, words kept.
  if (!unit && status !== 'dismissed') status = 'reported';
  let deadline: string | null = null;
  if (p.deadline?.kind === 'date') deadline = p.deadline.date;
  else if (p.deadline?.kind === 'long_term')
    deadline = campaignEnds && campaignEnds >= today ? campaignEnds : `${today.slice(0, 4)}-12-31`;
  const milestones =
    p.milestones.length > 1
      ? p.milestones.map((m) => ({ id: m.id, title: m.title, dueOn: m.dueOn, done: m.done || status === 'closed' }))
      : deadline && status !== 'reported'
        ? [
            {
              id: 'm1',
              title: p.standing ? '长期坚持：年度评估' : '完成整改',
              dueOn: deadline,
              done: status === 'closed',
            },
          ]
        : [];
  return {
    type: 'import_state',
    status,
    responsibleUnit: status === 'reported' ? null : unit,
    measures: p.measures,
    mode: p.deadline?.kind === 'immediate' || p.immediate ? 'immediate' : deadline ? 'phased' : null,
    deadline: status === 'reported' ? null : deadline,
    milestones: status === 'reported' ? [] : milestones,
    closedOn: status === 'closed' ? p.closedOn : null,
    statusText: p.status?.original.slice(0, 200) ?? null,
    deadlineText: p.deadline && p.deadline.kind !== 'invalid' ? p.deadline.original.slice(0, 200) : null,
    partial: p.status?.partial ?? null,
    standing: p.standing,
    signedOff: p.status?.signedOff ?? false,
    origin: origin.slice(0, 200),
  };
}
