// The catch-up case every runtime must agree on: an item the local runtime left in progress 20 days ago
// with a deadline 10 days ago (nothing ticked since — the sweep was off, or the database was restored
// into a stack where temporal-migrate is about to start its workflow). When the runtime next looks at it,
// every due timer fires once, in order, and the next step (挂牌督办, due at the end of today) waits.
// This runs on a real server with real time: the timers are real durable timers, not skipped ones.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import { addDays, shanghaiDate } from '../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import type { ItemCommand } from '../../domain/item/types.ts';
import { campaigns, itemEvents, items } from '../../db/schema.ts';
import type { World } from '../support/app.ts';
import { actorsOf, instantOf, tag } from './harness.ts';
import { calendarDays } from './scenarios.ts';

/** The events the runtime writes when it looks at the item at `nowMs` (by `look`), tagged as in the scenarios. */
export async function catchUp(
  w: World,
  nowMs: number,
  look: (itemId: string) => Promise<void>,
): Promise<{ itemId: string; events: string[] }> {
  const base = addDays(shanghaiDate(new Date(nowMs).toISOString()), -20, 'calendar', OFFICIAL_CALENDAR).date;
  const [campaign] = await w.db
    .insert(campaigns)
    .values({
      name: `一致性：补发到期提醒 ${base}`,
      ownerUnitId: w.units.office.id,
      areaUnitId: w.units.town.id,
      startsOn: base,
      settings: { ...DEFAULT_SETTINGS, ...calendarDays },
    })
    .returning();
  const itemId = randomUUID();
  const a = actorsOf(w);
  const deadline = addDays(base, 10, 'calendar', OFFICIAL_CALENDAR).date;
  const units = { office: w.units.office, labour: w.units.labour, village1: w.units.village1 };
  const past: [string, (typeof a)[keyof typeof a], ItemCommand][] = [
    [
      instantOf(base, 0),
      a.super,
      {
        type: 'report',
        itemId,
        campaignId: campaign!.id,
        categoryId: null,
        source: 'screening',
        title: '脱贫人口未参加城乡居民医保',
        description: '朝阳村王某户脱贫人口未参保',
        person: null,
        location: '朝阳村',
        reportingUnit: { id: units.office.id, path: units.office.path },
        ownerUnit: { id: units.office.id, path: units.office.path },
        leadUnit: { id: units.labour.id, path: units.labour.path },
      } as ItemCommand,
    ],
    [
      instantOf(base, 0, '11:00'),
      a.lead,
      {
        type: 'assign',
        responsibleUnit: { id: units.village1.id, path: units.village1.path },
        measures: '动员参保，落实分类资助',
        mode: 'immediate',
        deadline,
      } as ItemCommand,
    ],
    [instantOf(base, 1), a.h1, { type: 'accept' } as ItemCommand],
  ];
  const before = w.clock.now().toISOString();
  for (const [at, actor, command] of past) {
    w.clock.set(at);
    await w.engine.execute({ itemId, command, actor });
  }
  w.clock.set(before);
  const [row] = await w.db.select({ version: items.version }).from(items).where(eq(items.id, itemId));
  await look(itemId);
  const added = await w.db
    .select({ type: itemEvents.type, data: itemEvents.data })
    .from(itemEvents)
    .where(and(eq(itemEvents.itemId, itemId), gt(itemEvents.seq, row!.version)))
    .orderBy(asc(itemEvents.seq));
  return { itemId, events: added.map(tag) };
}
