// Giving the item to a responsible unit (交办), its acceptance (签收) and a transfer to another unit.
import { countDeadline, type CountedDeadline, fixedDeadline } from '../deadline.ts';
import type { DecideContext, Decision, ItemState } from '../types.ts';
import { badDeadline, badText, badUnit, type Cmd, feedback, MAX_TEXT, MAX_TITLE, type Tools } from './tools.ts';

export function assign(s: ItemState, c: Cmd<'assign'>, ctx: DecideContext, t: Tools): Decision {
  if (badUnit(c.responsibleUnit)) return t.invalid('responsibleUnit', 'a unit with id and path is required');
  const measures = badText(c.measures, MAX_TEXT);
  if (measures) return t.invalid('measures', `整改措施 ${measures}`);
  if (c.mode !== 'immediate' && c.mode !== 'phased')
    return t.invalid('mode', 'must be immediate (立行立改) or phased (限期整改)');

  let d: CountedDeadline;
  if (c.deadline !== undefined) {
    const bad = badDeadline(c.deadline, t.today);
    if (bad) return t.invalid('deadline', bad);
    d = fixedDeadline(c.deadline);
  } else if (c.days !== undefined) {
    if (!Number.isInteger(c.days) || c.days < 1 || c.days > 3660)
      return t.invalid('days', 'must be a whole number of days, at least 1');
    d = countDeadline(t.today, c.days, ctx.settings, ctx.calendar);
  } else if (c.mode === 'immediate') {
    d = countDeadline(t.today, ctx.settings.immediateDays, ctx.settings, ctx.calendar);
  } else {
    return t.invalid('deadline', 'a phased item (限期整改) needs a deadline: a date or a number of days');
  }

  const milestones = c.milestones ?? [];
  if (c.mode === 'phased' && milestones.length === 0) {
    return t.invalid('milestones', 'a phased item (限期整改) needs at least one milestone (时间节点)');
  }
  const ids = new Set<string>();
  for (const [i, m] of milestones.entries()) {
    const f = `milestones[${i}]`;
    if (typeof m.id !== 'string' || m.id === '' || ids.has(m.id))
      return t.invalid(`${f}.id`, 'must be present and unique');
    ids.add(m.id);
    const title = badText(m.title, MAX_TITLE);
    if (title) return t.invalid(`${f}.title`, title);
    const bad = badDeadline(m.dueOn, t.today);
    if (bad) return t.invalid(`${f}.dueOn`, bad);
    if (m.dueOn > d.deadline) return t.invalid(`${f}.dueOn`, `${m.dueOn} is after the deadline ${d.deadline}`);
  }
  return t.ok(
    t.ev('ItemAssigned', {
      responsibleUnit: c.responsibleUnit,
      measures: c.measures,
      mode: c.mode,
      ...d,
      milestones: milestones.map((m) => ({ id: m.id, title: m.title, dueOn: m.dueOn })),
    }),
    ...feedback(s, t, 'assigned', { deadline: d.deadline }),
  );
}

export function accept(_s: ItemState, _c: Cmd<'accept'>, t: Tools): Decision {
  return t.ok(t.ev('ItemAccepted', {}));
}

export function transfer(s: ItemState, c: Cmd<'transfer'>, t: Tools): Decision {
  if (badUnit(c.responsibleUnit)) return t.invalid('responsibleUnit', 'a unit with id and path is required');
  if (c.responsibleUnit.id === s.responsibleUnit?.id)
    return t.invalid('responsibleUnit', 'the item is already with this unit');
  const why = badText(c.reason, MAX_TEXT);
  if (why) return t.invalid('reason', why);
  return t.ok(t.ev('ItemTransferred', { from: s.responsibleUnit, to: c.responsibleUnit, reason: c.reason }));
}
