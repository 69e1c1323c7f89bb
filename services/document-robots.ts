// An issued document sent to a unit's group robot (工作群机器人): the campaign office picks a robot of a
// unit in the campaign's area; the message is a planned delivery like any notice's, sent by the
// notifier's deliver queue with its retries, rate limit and log — as a file where the robot takes files
// (企业微信), else as a link to the document's page (钉钉, 飞书).
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { AuthUser } from '../db/queries/auth.ts';
import { campaignScopeRow } from '../db/queries/campaign-scope.ts';
import { officeStyle } from '../db/queries/documents.ts';
import { deliveries, type IssuedDocumentRow, orgUnits, webhookTargets } from '../db/schema.ts';
import { cnDate } from '../documents/words.ts';
import { shanghaiDate } from '../domain/calendar/index.ts';
import { isOffice } from './campaign-access.ts';
import type { DeliveryJobs } from './jobs.ts';
import { notFoundRefusal, Refused } from './refusal.ts';

/** What the robot message says beside the file or link. */
export const robotText = (d: { number: string; title: string; issuedAt: string }, office: string) => ({
  title: `${d.number} ${d.title}`,
  body: `${office}于${cnDate(shanghaiDate(new Date(d.issuedAt).toISOString()), 'arabic')}印发《${d.title}》（${d.number}），请查收。`,
});

export function documentRobots(deps: {
  db: Db;
  clock: { now(): Date };
  /** The notifier's deliver queue, read when a message is sent (absent: the notifier's reconcile sends it). */
  jobs: () => DeliveryJobs | undefined;
  /** PUBLIC_URL: robots that take no files get a link to the document's page there. */
  publicUrl: () => string | undefined;
  /** The document as the caller may read it (404 otherwise). */
  readable: (u: AuthUser, id: string) => Promise<IssuedDocumentRow>;
}) {
  const { db } = deps;

  /** The document's campaign, if the caller is its office (others who read it are refused, 403). */
  async function officeOf(u: AuthUser, documentId: string) {
    const d = await deps.readable(u, documentId);
    const c = await campaignScopeRow(db, d.campaignId);
    if (!c) throw notFoundRefusal('document');
    if (!isOffice(u, c))
      throw new Refused('forbidden', 'only the campaign office sends documents to group robots', {
        title: 'Forbidden',
      });
    return { d, c };
  }

  /** The enabled robots of units in the campaign's area (the office's own among them). */
  async function targets(u: AuthUser, documentId: string) {
    return targetsIn((await officeOf(u, documentId)).c);
  }

  function targetsIn(c: { areaPath: string; ownerPath: string }) {
    return db
      .select({ id: webhookTargets.id, name: webhookTargets.name, kind: webhookTargets.kind, unitName: orgUnits.name })
      .from(webhookTargets)
      .innerJoin(orgUnits, eq(orgUnits.id, webhookTargets.unitId))
      .where(
        and(
          eq(webhookTargets.enabled, true),
          sql`(${orgUnits.path} like ${`${c.areaPath}%`} or ${orgUnits.path} like ${`${c.ownerPath}%`})`,
        ),
      )
      .orderBy(asc(orgUnits.path), asc(webhookTargets.name));
  }

  /** Plan the message (one delivery) and hand it to the deliver queue. */
  async function send(u: AuthUser, documentId: string, targetId: string) {
    const { d, c } = await officeOf(u, documentId);
    const [t] = (await targetsIn(c)).filter((x) => x.id === targetId);
    if (!t) throw notFoundRefusal('group robot');
    if (t.kind !== 'wecom' && !deps.publicUrl())
      throw new Refused(
        'no_public_url',
        `a ${t.kind} robot takes no files, only a link to the document, and no public address is set (PUBLIC_URL)`,
        { title: 'Rule violated' },
      );
    const style = await officeStyle(db, d.unitId);
    const text = robotText(d, style?.fullName ?? '');
    const now = deps.clock.now().toISOString();
    // A new key each time: sending the same document again is a new message; a retried request is
    // answered once by its Idempotency-Key.
    const [row] = await db
      .insert(deliveries)
      .values({
        key: `doc-${d.id}-${t.id}-${randomUUID()}`,
        channel: 'webhook',
        targetId: t.id,
        documentId: d.id,
        title: text.title,
        body: text.body,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: deliveries.id, status: deliveries.status, createdAt: deliveries.createdAt });
    const jobs = deps.jobs();
    if (jobs) await jobs.deliver(row!.id);
    return { deliveryId: row!.id, status: row!.status, target: t, queued: !!jobs };
  }

  return { targets, send };
}
