// Notices that are not about one item, on both queue backends: monthly report reminders (before the
// due day, and when late) to the reporting unit's users and group robot, and accountability records
// (约谈 / 通报批评) to the unit's superiors resolved from the org tree at send time — each once, also
// when the job runs twice at the same time (a second worker) and across a restart of the notifier.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountabilityRecords, deliveries, notices } from '../../db/schema.ts';
import { sendAccountabilityNotices, sendReportReminders, superiorsOf } from '../../workers/notify/office.ts';
import { build, type World } from '../support/app.ts';
import { redisForSuite } from '../support/redis.ts';
import { type FakeRobot, startFakeRobot } from '../support/webhook-server.ts';
import { addUser, type NotifyWorld, startNotifyWorld } from './support.ts';

const redis = await redisForSuite();
if (!redis) console.log('[test] office.test: Redis backend SKIPPED — no REDIS_URL and no redis-server installed');
afterAll(async () => {
  await redis?.stop();
});

const until = async (what: string, ok: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.each([
  { backend: 'postgres' as const, run: true },
  { backend: 'redis' as const, run: !!redis },
])('report reminders and accountability notices ($backend backend)', ({ backend, run }) => {
  let w: World;
  let n: NotifyWorld;
  let robot: FakeRobot;
  const prefix = `of${process.pid}${backend}`;
  const start = () => startNotifyWorld(w, { redisUrl: backend === 'redis' ? redis!.url : undefined, prefix });
  const mine = async (user: string, kind: string) =>
    await w.db
      .select({ key: notices.key, title: notices.title })
      .from(notices)
      .where(and(eq(notices.userId, w.userIds[user]!), eq(notices.kind, kind)));
  const base = () => `/api/v1/campaigns/${w.campaignId}`;

  beforeAll(async () => {
    if (!run) return;
    w = await build({ now: '2026-03-02T02:00:00.000Z' });
    n = await start();
    robot = await startFakeRobot();
    expect(
      (
        await n.call('admin', 'POST', '/api/v1/admin/webhooks', {
          unitId: w.units.village2.id,
          kind: 'wecom',
          name: '南陈村工作群',
          url: robot.url,
        })
      ).status,
    ).toBe(201);
    const r = await w.call('super', 'PUT', `${base()}/report-config`, {
      cycle: {
        reportingUnitIds: [w.units.village1.id, w.units.village2.id],
        firstMonth: '2026-03',
        dueDay: 'month_end',
        remindBeforeDays: 3,
      },
    });
    expect(r.status).toBe(200);
  });
  afterAll(async () => {
    await n?.stop();
    await robot?.close();
  });

  it.runIf(run)(
    'reminds each reporting unit before the due day and, when late, only the unit that has not reported — once each',
    async () => {
      w.clock.set('2026-03-20T02:00:00.000Z');
      expect(await sendReportReminders(n.deps)).toMatchObject({ reminders: 0, notices: 0 }); // not yet: 3 days before March 31

      w.clock.set('2026-03-29T02:00:00.000Z');
      // Two workers at once, then the scheduled job: the keys let each reminder through once.
      const [a, b] = await Promise.all([sendReportReminders(n.deps), sendReportReminders(n.deps)]);
      expect(a.reminders).toBe(2);
      expect(a.notices + b.notices).toBe(4); // every user of the two villages: h1, insp1, leadhandler (朝阳村), h2 (南陈村)
      await n.notifier.officeNow();
      await n.settle();
      expect((await mine('h1', 'report_due')).map((x) => x.title)).toEqual([
        '【月报提醒】2026年3月月报请于 2026-03-31 前报送',
      ]);
      expect(await mine('h2', 'report_due')).toHaveLength(1);
      expect(await mine('super', 'report_due')).toHaveLength(0); // the office is not a reporting unit
      await until('the village robot', async () => robot.received.length === 1);
      expect(robot.received[0]!.body.markdown.content).toContain('月报提醒');

      // 朝阳村 reports on time; 南陈村 does not.
      w.clock.set('2026-03-30T02:00:00.000Z');
      const sub = await w.call('h1', 'POST', `${base()}/reports/2026-03/units/${w.units.village1.id}/submit`, {
        narrative: { progress: '完成入户排查', problems: '无', nextSteps: '继续' },
      });
      expect(sub.status).toBe(200);

      w.clock.set('2026-04-01T02:00:00.000Z');
      await n.notifier.officeNow();
      await n.settle();
      await until('the late reminder', async () => (await mine('h2', 'report_late')).length === 1);
      // A restart in the middle: the new notifier runs the same job again and sends nothing twice.
      await n.stop();
      n = await start();
      await n.notifier.officeNow();
      expect(await sendReportReminders(n.deps)).toMatchObject({ notices: 0, deliveries: 0 });
      await n.settle();
      expect(await mine('h2', 'report_late')).toEqual([
        {
          key: `n-report-2026-03-${w.units.village2.id}-late-${w.userIds.h2}`,
          title: '【月报逾期】2026年3月月报已逾期未报送',
        },
      ]);
      expect(await mine('h1', 'report_late')).toHaveLength(0); // reported on time
      expect(await mine('h2', 'report_due')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      const robotRows = await w.db.select().from(deliveries).where(eq(deliveries.channel, 'webhook'));
      expect(robotRows.map((d) => [d.status, d.attempts])).toEqual([
        ['sent', 1],
        ['sent', 1],
      ]);
      expect(robot.received.map((x) => x.body.markdown.content.slice(0, 8))).toEqual([
        '**【月报提醒】',
        '**【月报逾期】',
      ]);
      const dup = await w.db.execute(sql`select key from notices group by key having count(*) > 1`);
      expect(dup.rows).toEqual([]);
    },
    90_000,
  );

  it.runIf(run)(
    'tells the unit’s superiors (found in the org tree when sending) of an accountability record, once',
    async () => {
      w.clock.set('2026-07-05T02:00:00.000Z');
      const townHead = await addUser(w, 'zhenzhang', w.units.town.id, { roles: ['viewer'], isUnitHead: true });
      const roundId = '00000000-0000-4000-8000-000000000001';
      const [rec] = await w.db
        .insert(accountabilityRecords)
        .values({
          campaignId: w.campaignId,
          unitId: w.units.village2.id,
          unitPath: w.units.village2.path,
          ruleId: 'last_twice_in_row',
          action: 'interview',
          title: '连续2次排名倒数第一',
          actionTitle: '约谈主要负责人、分管负责人',
          roundIds: [roundId, roundId],
          firedAtRoundId: roundId,
          createdAt: w.clock.now().toISOString(),
        })
        .returning();
      // Resolved at send time: a head the village got after the record was written hears of it.
      const villageHead = await addUser(w, 'nanchen-shuji', w.units.village2.id, {
        roles: ['handler'],
        isUnitHead: true,
      });
      const s = await superiorsOf(w.db, w.units.village2.id);
      expect(s.superiors.map((p) => p.displayName).sort()).toEqual(['super', 'zhenzhang']); // the town's head and its supervising office
      expect(s.heads.map((p) => p.id)).toEqual([villageHead]);

      const [x, y] = await Promise.all([sendAccountabilityNotices(n.deps), sendAccountabilityNotices(n.deps)]);
      expect(x.records + y.records).toBe(1);
      await n.notifier.officeNow();
      await n.settle();
      const told = await w.db
        .select({ userId: notices.userId, title: notices.title })
        .from(notices)
        .where(eq(notices.kind, 'accountability'));
      expect(told.map((t) => t.userId).sort()).toEqual([townHead, villageHead, w.userIds.super!].sort());
      expect(told[0]!.title).toBe('【问责】南陈村：约谈主要负责人、分管负责人');
      const [after] = await w.db.select().from(accountabilityRecords).where(eq(accountabilityRecords.id, rec!.id));
      expect(after!.notifiedAt).not.toBeNull();
      expect(await sendAccountabilityNotices(n.deps)).toEqual({ records: 0, notices: 0, deliveries: 0 });
      expect((await n.call('zhenzhang', 'GET', '/api/v1/notices/unread-count')).body.unread).toBe(1);
    },
    60_000,
  );
});
