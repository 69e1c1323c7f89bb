// report: a problem enters the ledger (问题登记), for a reporting unit in the actor's subtree.
import { within } from '../../access/scope.ts';
import { type DecideContext, type Decision, ITEM_SOURCES } from '../types.ts';
import { badMonitoredSince } from '../supervision.ts';
import { badText, badUnit, type Cmd, MAX_TEXT, MAX_TITLE, type Tools } from './tools.ts';

export function report(c: Cmd<'report'>, ctx: DecideContext, t: Tools): Decision {
  if (!within(c.reportingUnit?.path, ctx.actor!.unitPath)) {
    return t.refuse('forbidden', `a user of ${ctx.actor!.unitPath} can only report for a unit in that subtree`);
  }
  if (typeof c.itemId !== 'string' || c.itemId === '') return t.invalid('itemId', 'required');
  if (typeof c.campaignId !== 'string' || c.campaignId === '') return t.invalid('campaignId', 'required');
  if (!ITEM_SOURCES.includes(c.source)) return t.invalid('source', `must be one of ${ITEM_SOURCES.join(', ')}`);
  const title = badText(c.title, MAX_TITLE);
  if (title) return t.invalid('title', title);
  const description = badText(c.description, MAX_TEXT, false);
  if (description) return t.invalid('description', description);
  if (badUnit(c.ownerUnit)) return t.invalid('ownerUnit', 'a unit with id and path is required');
  if (c.leadUnit !== null && badUnit(c.leadUnit)) return t.invalid('leadUnit', 'a unit with id and path, or null');
  const monitored = badMonitoredSince(c.monitoredSince, t.today);
  if (monitored) return t.invalid('monitoredSince', monitored);
  return t.ok(
    t.ev('ItemReported', {
      itemId: c.itemId,
      campaignId: c.campaignId,
      categoryId: c.categoryId ?? null,
      source: c.source,
      title: c.title.trim(),
      description: c.description,
      person: c.person ?? null,
      location: c.location ?? null,
      ...(c.monitoredSince ? { monitoredSince: c.monitoredSince } : {}),
      ...(c.screeningRoundId ? { screeningRoundId: c.screeningRoundId } : {}),
      reportingUnit: c.reportingUnit,
      ownerUnit: c.ownerUnit,
      leadUnit: c.leadUnit,
    }),
  );
}
