// Wiring: the notification jobs, their workers and the recurring schedules (Asia/Shanghai).
import { z } from 'zod';
import type { EngineEnv } from '../../workflows/engine-env.ts';
import { defineJob, type JobDef, type Log, startJobWorkers } from '../jobs.ts';
import type { QueueKit } from '../queues.ts';
import {
  DELIVER_QUEUE,
  deliver,
  drainOutbox,
  handleCauses,
  NOTIFY_QUEUE,
  type DeliveryDeps,
  type NotifyDeps,
  enqueueDeliveries,
  requeueDeliveries,
} from './notifier.ts';
import { eq } from 'drizzle-orm';
import type { DeliveryJobs } from '../../services/jobs.ts';
import { deliveries } from '../../db/schema.ts';
import { sendAccountabilityNotices, sendReportReminders } from './office.ts';
import { rederiveWakeups, runDigest } from './periodic.ts';

export interface NotifierSchedule {
  /** How often the outbox is drained, in seconds. */
  drainEverySeconds: number;
  /** Cron pattern of the daily digest, in Asia/Shanghai. */
  digestCron: string;
  /** How often lost jobs and wrong wake-ups are repaired, in seconds. */
  reconcileEverySeconds: number;
  /** How often the schedules are re-asserted (a Redis that restarted empty forgot them), in seconds. Default 60. */
  ensureEverySeconds?: number;
  /** How often report reminders and accountability notices are looked for, in seconds. Default 300. */
  officeEverySeconds?: number;
}

export const SCHEDULE_TZ = 'Asia/Shanghai';

/** How often the reconcile job also re-derives every open item's wake-up (settings or calendar changed). */
const REDERIVE_EVERY_MS = 6 * 3600_000;

export function notifierJobs(deps: NotifyDeps & { env: EngineEnv }): JobDef[] {
  // Not at start: the wake-ups are in the ledger rows (next_wake_at), which the sweep reads however long
  // the process was down; settings and the calendar change only through a running server. So start-up
  // does not read every open item (a minute at a county's 100,000), and the first pass comes one period in.
  let lastRederive = Date.now();
  const empty = z.object({}).passthrough();
  return [
    defineJob({
      queue: NOTIFY_QUEUE,
      name: 'drain',
      schema: empty,
      handle: async () => ({ enqueued: await drainOutbox(deps) }),
    }),
    defineJob({
      queue: NOTIFY_QUEUE,
      name: 'cause',
      schema: z.object({
        causes: z
          .array(z.object({ itemId: z.uuid(), seqs: z.array(z.number().int().min(1)).min(1).max(10_000) }))
          .min(1)
          .max(1000),
      }),
      handle: (d) => handleCauses(deps, d.causes),
    }),
    defineJob({ queue: NOTIFY_QUEUE, name: 'digest', schema: empty, handle: () => runDigest(deps) }),
    defineJob({
      queue: NOTIFY_QUEUE,
      name: 'office',
      schema: empty,
      handle: async () => {
        const reports = await sendReportReminders(deps);
        const accountability = await sendAccountabilityNotices(deps);
        if (reports.notices + accountability.notices > 0) deps.log('notify office', { reports, accountability });
        return { reports, accountability };
      },
    }),
    defineJob({
      queue: NOTIFY_QUEUE,
      name: 'reconcile',
      schema: empty,
      handle: async () => {
        // Re-deriving every open item's wake-up is a full pass: every REDERIVE_EVERY_MS (catching settings
        // and calendar changes); lost jobs and the outbox are checked on every run.
        const due = Date.now() - lastRederive >= REDERIVE_EVERY_MS;
        const wakeups = due ? await rederiveWakeups(deps.db, deps.env) : { checked: 0, fixed: 0 };
        if (due) lastRederive = Date.now();
        const d = await requeueDeliveries(deps);
        const enqueued = await drainOutbox(deps);
        if (wakeups.fixed > 0 || d.unstuck > 0 || d.requeued > 0)
          deps.log('notify reconcile', { ...wakeups, ...d, enqueued });
        return { ...wakeups, ...d, enqueued };
      },
    }),
    defineJob({
      queue: DELIVER_QUEUE,
      name: 'deliver',
      schema: z.object({ deliveryId: z.uuid() }),
      handle: (d, job, token) => deliver(deps, d.deliveryId, job, token),
    }),
  ];
}

/** The enqueue function the API uses to send a planned delivery now (no notifier needed in this process). */
export function deliveryJobs(deps: DeliveryDeps): DeliveryJobs {
  return {
    deliver: async (deliveryId) => {
      await enqueueDeliveries(deps, eq(deliveries.id, deliveryId));
    },
  };
}

export async function startNotifier(
  kit: QueueKit,
  deps: NotifyDeps & { env: EngineEnv },
  schedule: NotifierSchedule,
  opts: { log: Log; concurrency?: { notify?: number; deliver?: number } } = { log: () => {} },
) {
  const workers = startJobWorkers(kit, notifierJobs(deps), {
    log: opts.log,
    concurrency: { [NOTIFY_QUEUE]: opts.concurrency?.notify ?? 4, [DELIVER_QUEUE]: opts.concurrency?.deliver ?? 8 },
  });
  const notify = kit.queue(NOTIFY_QUEUE);
  kit.queue(DELIVER_QUEUE);
  const keep = { removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } };
  const ensureSchedules = async () => {
    await notify.upsertJobScheduler(
      'notify-drain',
      { every: schedule.drainEverySeconds * 1000 },
      { name: 'drain', data: {}, opts: keep },
    );
    await notify.upsertJobScheduler(
      'notify-digest',
      { pattern: schedule.digestCron, tz: SCHEDULE_TZ },
      { name: 'digest', data: {}, opts: keep },
    );
    await notify.upsertJobScheduler(
      'notify-office',
      { every: (schedule.officeEverySeconds ?? 300) * 1000 },
      { name: 'office', data: {}, opts: keep },
    );
    await notify.upsertJobScheduler(
      'notify-reconcile',
      { every: schedule.reconcileEverySeconds * 1000 },
      { name: 'reconcile', data: {}, opts: keep },
    );
  };
  await ensureSchedules();
  // Upserting is idempotent; doing it now and then brings the schedules back after Redis lost them.
  const timer = setInterval(
    () => {
      ensureSchedules().catch((err) =>
        opts.log(`notifier: could not re-assert the schedules (queue backend down?): ${(err as Error).message}`),
      );
    },
    (schedule.ensureEverySeconds ?? 60) * 1000,
  );
  timer.unref();
  return {
    workers,
    /** Drain now instead of at the next scheduled run (after a sweep, in tests). */
    drainNow: () => notify.add('drain', {}, keep),
    reconcileNow: () => notify.add('reconcile', {}, keep),
    /** Look for report reminders and accountability notices now. */
    officeNow: () => notify.add('office', {}, keep),
    /** Send one planned delivery now (a document sent to a group robot from the API). */
    deliveries: deliveryJobs(deps),
    close: async () => {
      clearInterval(timer);
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
