// Notices that are not about one item: monthly report reminders (月报提醒, before the due day and when
// late) and accountability records (约谈 / 通报批评) told to the unit's superiors. Same machinery as item
// notices: inbox rows and deliveries keyed by their cause, so a second run, a retried job or a second
// worker finds the keys taken and sends nothing twice; deliveries go through the deliver queue.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { shanghaiDate } from '../../domain/calendar/calendar.ts';
import { cyclePeriods } from '../../domain/report/cycle.ts';
import type { ReportReminder } from '../../domain/report/lifecycle.ts';
import { loadCalendar } from '../../db/calendar.ts';
import type { DbOrTx } from '../../db/client.ts';
import { dueReportReminders } from '../../db/queries/reports.ts';
import {
  accountabilityRecords,
  campaigns,
  deliveries,
  notices,
  notificationPrefs,
  orgUnits,
  reportConfigs,
  users,
  webhookTargets,
} from '../../db/schema.ts';
import { DEFAULT_PREFS, enqueueDeliveries, type NotifyDeps, type Prefs, quietUntil } from './notifier.ts';
import type { Recipient } from './recipients.ts';

/** A late reminder is sent for periods that fell due at most this long ago (not for last year's months
 * the day the feature is switched on); the board still shows every missing report. */
const LATE_WINDOW_MS = 31 * 86_400_000;

interface OfficeNotice {
  /** The cause: stable, so that the notice and its deliveries exist at most once. */
  key: string;
  kind: string;
  title: string;
  body: string;
  people: Recipient[];
  /** Units whose group robots hear about it too. */
  robotUnits: string[];
}

const cols = { id: users.id, displayName: users.displayName, unitId: users.unitId, phone: users.phone };

/**
 * Inbox rows and planned deliveries for each notice, in the caller's transaction; only deliveries this
 * call created are returned for enqueueing (another worker that got there first enqueues its own).
 */
async function writeOfficeNotices(
  tx: DbOrTx,
  list: OfficeNotice[],
  now: string,
): Promise<{ notices: number; deliveryKeys: string[] }> {
  const userIds = [...new Set(list.flatMap((n) => n.people.map((p) => p.id)))];
  const prefs = new Map<string, Prefs>();
  if (userIds.length > 0)
    for (const r of await tx.select().from(notificationPrefs).where(inArray(notificationPrefs.userId, userIds)))
      prefs.set(r.userId, r);
  const units = [...new Set(list.flatMap((n) => n.robotUnits))];
  const targets =
    units.length === 0
      ? []
      : await tx
          .select({ id: webhookTargets.id, unitId: webhookTargets.unitId })
          .from(webhookTargets)
          .where(and(inArray(webhookTargets.unitId, units), eq(webhookTargets.enabled, true)));
  const noticeRows: (typeof notices.$inferInsert)[] = [];
  const planned: (typeof deliveries.$inferInsert)[] = [];
  for (const n of list) {
    const plan = (d: {
      key: string;
      channel: 'email' | 'sms' | 'webhook';
      userId: string | null;
      targetId: string | null;
      address: string | null;
      notBefore?: string | null;
    }) =>
      planned.push({
        ...d,
        itemId: null,
        causeSeq: null,
        noticeKey: n.key,
        title: n.title,
        body: n.body,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
      });
    for (const p of n.people) {
      noticeRows.push({
        key: `n-${n.key}-${p.id}`,
        userId: p.id,
        kind: n.kind,
        itemId: null,
        causeSeq: null,
        title: n.title,
        body: n.body,
        createdAt: now,
      });
      const pr = prefs.get(p.id) ?? DEFAULT_PREFS;
      if (pr.digest) continue;
      if (pr.channels.includes('email') && pr.email)
        plan({ key: `d-${n.key}-${p.id}-email`, channel: 'email', userId: p.id, targetId: null, address: pr.email });
      if (pr.channels.includes('sms') && p.phone) {
        plan({
          key: `d-${n.key}-${p.id}-sms`,
          channel: 'sms',
          userId: p.id,
          targetId: null,
          address: p.phone,
          notBefore: pr.smsQuietHours ? quietUntil(now) : null,
        });
      }
    }
    for (const t of targets)
      if (n.robotUnits.includes(t.unitId))
        plan({ key: `d-${n.key}-${t.id}-webhook`, channel: 'webhook', userId: null, targetId: t.id, address: null });
  }
  let written = 0;
  const deliveryKeys: string[] = [];
  for (let i = 0; i < noticeRows.length; i += 1000) {
    written += (
      await tx
        .insert(notices)
        .values(noticeRows.slice(i, i + 1000))
        .onConflictDoNothing()
        .returning({ id: notices.id })
    ).length;
  }
  for (let i = 0; i < planned.length; i += 1000) {
    deliveryKeys.push(
      ...(
        await tx
          .insert(deliveries)
          .values(planned.slice(i, i + 1000))
          .onConflictDoNothing()
          .returning({ key: deliveries.key })
      ).map((r) => r.key),
    );
  }
  return { notices: written, deliveryKeys };
}

// ---------------------------------------------------------------- 月报提醒

/** The people a reporting unit's reminder goes to: every active user of the unit. */
async function unitUsers(db: DbOrTx, unitIds: string[]): Promise<Map<string, Recipient[]>> {
  const out = new Map<string, Recipient[]>();
  if (unitIds.length === 0) return out;
  const rows = await db
    .select(cols)
    .from(users)
    .where(and(inArray(users.unitId, unitIds), eq(users.disabled, false)))
    .orderBy(users.username);
  for (const r of rows) out.set(r.unitId, [...(out.get(r.unitId) ?? []), r]);
  return out;
}

function reminderNotice(r: ReportReminder, title: string, dueOn: string, people: Recipient[]): OfficeNotice {
  return r.kind === 'before_due'
    ? {
        key: r.key,
        kind: 'report_due',
        people,
        robotUnits: [r.unitId],
        title: `【月报提醒】${title}请于 ${dueOn} 前报送`,
        body: `${title}将于 ${dueOn} 截止报送，请及时填写本月进展、存在问题和下步计划并提交。`,
      }
    : {
        key: r.key,
        kind: 'report_late',
        people,
        robotUnits: [r.unitId],
        title: `【月报逾期】${title}已逾期未报送`,
        body: `${title}报送截止日 ${dueOn} 已过，贵单位尚未提交，请立即报送。`,
      };
}

/**
 * Every report reminder due now, for every campaign with a report cycle: one before the due day, one
 * when late, per unit and period — sent once however often this runs (keys), and only to units that
 * have not submitted by the time it runs.
 */
export async function sendReportReminders(
  deps: NotifyDeps,
): Promise<{ reminders: number; notices: number; deliveries: number }> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  const configs = await db
    .select({ campaignId: reportConfigs.campaignId, cycle: reportConfigs.cycle })
    .from(reportConfigs)
    .innerJoin(campaigns, eq(campaigns.id, reportConfigs.campaignId));
  if (configs.length === 0) return { reminders: 0, notices: 0, deliveries: 0 };
  const calendar = await loadCalendar(db);
  const month = shanghaiDate(now).slice(0, 7);
  let reminders = 0,
    written = 0;
  const keys: string[] = [];
  for (const { campaignId, cycle } of configs) {
    const periods = cyclePeriods(cycle, month, calendar).filter(
      (p) => p.opensAt <= now && Date.parse(p.dueAt) > Date.parse(now) - LATE_WINDOW_MS,
    );
    for (const period of periods) {
      const due = await dueReportReminders(db, campaignId, cycle, period, now);
      if (due.length === 0) continue;
      const people = await unitUsers(db, [...new Set(due.map((r) => r.unitId))]);
      const list = due.map((r) => reminderNotice(r, period.title, period.dueOn, people.get(r.unitId) ?? []));
      for (const n of list)
        if (n.people.length === 0)
          deps.log(
            `report reminder ${n.key}: the unit has no active users (only its group robot, if any, hears of it)`,
          );
      const out = await db.transaction((tx) => writeOfficeNotices(tx, list, now));
      reminders += due.length;
      written += out.notices;
      keys.push(...out.deliveryKeys);
    }
  }
  if (keys.length > 0) await enqueueDeliveries(deps, inArray(deliveries.key, keys));
  return { reminders, notices: written, deliveries: keys.length };
}

// ---------------------------------------------------------------- 问责

/**
 * The superiors of a unit, from the org tree as it stands now: walking up from the unit's parent, the
 * first level that has anyone — that level's heads (负责人) and the supervisors (督查) of the offices
 * serving it (a township's 乡村振兴办 / 督查考评办 for its villages). The unit's own heads are told as
 * well: the 约谈 is of them.
 */
export async function superiorsOf(
  db: DbOrTx,
  unitId: string,
): Promise<{ unitPath: string | null; superiors: Recipient[]; heads: Recipient[] }> {
  const [unit] = await db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, unitId));
  if (!unit) return { unitPath: null, superiors: [], heads: [] };
  const heads = await db
    .select(cols)
    .from(users)
    .where(and(eq(users.unitId, unitId), eq(users.disabled, false), eq(users.isUnitHead, true)))
    .orderBy(users.username);
  const ancestors = unit.path.split('/').filter(Boolean).slice(0, -1).reverse(); // nearest first
  for (const a of ancestors) {
    const found = await db
      .select(cols)
      .from(users)
      .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
      .where(
        and(
          eq(users.disabled, false),
          sql`(
        (${orgUnits.id} = ${a} and ${users.isUnitHead})
        or (${orgUnits.parentId} = ${a} and ${orgUnits.kind} = 'office' and 'supervisor' = any(${users.roles}))
      )`,
        ),
      )
      .orderBy(users.username);
    if (found.length > 0) return { unitPath: unit.path, superiors: found, heads };
  }
  return { unitPath: unit.path, superiors: [], heads };
}

/** Tell the superiors of each accountability record not yet told; each record once (marked in the same transaction). */
export async function sendAccountabilityNotices(
  deps: NotifyDeps,
  opts: { limit?: number } = {},
): Promise<{ records: number; notices: number; deliveries: number }> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  const out = await db.transaction(async (tx) => {
    // SKIP LOCKED: a second worker takes other records or none; a record is marked told with its notices.
    const rows = await tx
      .select({ r: accountabilityRecords, unitName: orgUnits.name, campaignName: campaigns.name })
      .from(accountabilityRecords)
      .innerJoin(orgUnits, eq(orgUnits.id, accountabilityRecords.unitId))
      .innerJoin(campaigns, eq(campaigns.id, accountabilityRecords.campaignId))
      .where(isNull(accountabilityRecords.notifiedAt))
      .orderBy(asc(accountabilityRecords.createdAt))
      .limit(opts.limit ?? 100)
      .for('update', { of: accountabilityRecords, skipLocked: true });
    const list: OfficeNotice[] = [];
    for (const { r, unitName, campaignName } of rows) {
      const { superiors, heads } = await superiorsOf(tx, r.unitId);
      const people = [...new Map([...superiors, ...heads].map((p) => [p.id, p])).values()];
      if (superiors.length === 0)
        deps.log(
          `accountability ${r.id} (${unitName}, ${r.actionTitle}): no superiors found in the org tree above the unit; only the unit's heads are told`,
        );
      list.push({
        key: `acct-${r.id}`,
        kind: 'accountability',
        people,
        robotUnits: [...new Set(superiors.map((p) => p.unitId))],
        title: `【问责】${unitName}：${r.actionTitle}`,
        body: `${campaignName}：${unitName}${r.title}，按规定${r.actionTitle}。请督促落实并跟踪办结。`,
      });
    }
    const written = await writeOfficeNotices(tx, list, now);
    if (rows.length > 0)
      await tx
        .update(accountabilityRecords)
        .set({ notifiedAt: now })
        .where(
          inArray(
            accountabilityRecords.id,
            rows.map((x) => x.r.id),
          ),
        );
    return { records: rows.length, ...written };
  });
  if (out.deliveryKeys.length > 0) await enqueueDeliveries(deps, inArray(deliveries.key, out.deliveryKeys));
  return { records: out.records, notices: out.notices, deliveries: out.deliveryKeys.length };
}
