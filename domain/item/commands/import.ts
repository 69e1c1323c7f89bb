// A ledger row brought in with the state its words say (已销号, 整改中, 不属实 …): one ItemImported
// event right after the item's report, so the trail says the state came from the import and not from
// a sign-off nobody made here. An old ledger's deadline may lie in the past: it is history (overdue
// since the import), not a new promise, so the "not before today" rule of assign does not apply.
import { isValidDate } from '../../calendar/calendar.ts';
import type { Decision, ItemState } from '../types.ts';
import { badText, badUnit, type Cmd, MAX_TEXT, MAX_TITLE, type Tools } from './tools.ts';

const STATES = ['reported', 'assigned', 'in_progress', 'submitted', 'closed', 'dismissed'] as const;

export function importState(s: ItemState, c: Cmd<'import_state'>, t: Tools): Decision {
  if (s.version !== 1 || s.status !== 'reported' || s.imported)
    return t.refuse('invalid_transition', 'an imported state is recorded once, right after the item is reported');
  if (!STATES.includes(c.status)) return t.invalid('status', `must be one of ${STATES.join(', ')}`);
  const placed = c.status !== 'reported' && c.status !== 'dismissed';
  if (placed && badUnit(c.responsibleUnit)) return t.invalid('responsibleUnit', 'a unit with id and path is required');
  if (c.responsibleUnit !== null && badUnit(c.responsibleUnit))
    return t.invalid('responsibleUnit', 'a unit with id and path, or null');
  if (c.measures !== null) {
    const bad = badText(c.measures, MAX_TEXT);
    if (bad) return t.invalid('measures', `整改措施 ${bad}`);
  }
  if (c.mode !== null && c.mode !== 'immediate' && c.mode !== 'phased')
    return t.invalid('mode', 'must be immediate (立行立改), phased (限期整改) or null');
  if (c.deadline !== null && !isValidDate(c.deadline))
    return t.invalid('deadline', `${c.deadline} is not a valid date`);
  if (c.closedOn !== null && !isValidDate(c.closedOn))
    return t.invalid('closedOn', `${c.closedOn} is not a valid date`);
  if (c.closedOn !== null && c.closedOn > t.today) return t.invalid('closedOn', `${c.closedOn} is after today`);
  const ids = new Set<string>();
  for (const [i, m] of (c.milestones ?? []).entries()) {
    const f = `milestones[${i}]`;
    if (typeof m.id !== 'string' || m.id === '' || ids.has(m.id))
      return t.invalid(`${f}.id`, 'must be present and unique');
    ids.add(m.id);
    const title = badText(m.title, MAX_TITLE);
    if (title) return t.invalid(`${f}.title`, title);
    if (!isValidDate(m.dueOn)) return t.invalid(`${f}.dueOn`, `${m.dueOn} is not a valid date`);
    if (c.deadline !== null && m.dueOn > c.deadline)
      return t.invalid(`${f}.dueOn`, `${m.dueOn} is after the deadline ${c.deadline}`);
  }
  for (const k of ['statusText', 'deadlineText', 'origin'] as const) {
    const v = c[k];
    if (v !== null && badText(v, MAX_TITLE, k === 'origin'))
      return t.invalid(k, badText(v, MAX_TITLE, k === 'origin')!);
  }
  const open = c.status === 'assigned' || c.status === 'in_progress';
  return t.ok(
    t.ev('ItemImported', {
      status: c.status,
      responsibleUnit: c.responsibleUnit,
      measures: c.measures,
      mode: c.mode,
      deadline: c.deadline,
      milestones: (c.milestones ?? []).map((m) => ({ id: m.id, title: m.title, dueOn: m.dueOn, done: !!m.done })),
      closedOn: c.status === 'closed' ? c.closedOn : null,
      statusText: c.statusText,
      deadlineText: c.deadlineText,
      partial: c.partial,
      standing: !!c.standing,
      signedOff: !!c.signedOff,
      origin: c.origin,
      overdue: open && c.deadline !== null && c.deadline < t.today,
    }),
  );
}
