// The assignment an imported row asks for (to whom, what, by when), as an item command. The commit
// itself — all rows or none, through the engine port — is services/ledger-import.ts.
import type { ItemCommand } from '../../domain/item/types.ts';
import type { RowPlan } from './plan.ts';

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
