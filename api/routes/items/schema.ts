// Item request and response shapes (zod). Dates are YYYY-MM-DD (Asia/Shanghai); instants ISO 8601.
import { z } from 'zod';
import { ITEM_SOURCES, ITEM_STATUSES, SUPERVISION_LEVELS } from '../../../domain/item/types.ts';
import { dateString, text, uuid } from '../../schemas/common.ts';

export const evidence = z
  .array(z.uuid())
  .max(50)
  .describe('evidence: ids of files uploaded to this item (POST /items/{id}/attachments)');

export const person = z
  .strictObject({
    name: text(50).optional(),
    phone: z
      .string()
      .regex(/^[0-9+\-() ]{5,20}$/, 'not a phone number')
      .optional(),
    idNumber: z
      .string()
      .regex(/^\d{17}[\dXx]$/, 'expected an 18-character resident ID number')
      .optional(),
    address: text(200).optional(),
  })
  .meta({ id: 'Person' });

export const reportBody = z.strictObject({
  campaignId: uuid,
  categoryId: uuid.nullable().optional(),
  source: z.enum(ITEM_SOURCES),
  title: text(200),
  description: text(5000),
  person: person.nullable().optional(),
  location: text(200).nullable().optional(),
  screeningRoundId: uuid.nullable().optional().describe('集中排查: the screening round of this campaign that found it'),
  monitoredSince: dateString
    .nullable()
    .optional()
    .describe('纳入监测: the day the household was brought into monitoring'),
});

export const commandBodies = {
  assign: z.strictObject({
    responsibleUnitId: uuid,
    measures: text(5000),
    mode: z.enum(['immediate', 'phased']),
    deadline: dateString.optional(),
    days: z.number().int().min(1).max(366).optional().describe('deadline as (working) days from today'),
    milestones: z
      .array(z.strictObject({ title: text(200), dueOn: dateString }))
      .max(50)
      .optional(),
  }),
  accept: z.strictObject({}),
  progress: z.strictObject({ note: text(2000), substantive: z.boolean().optional(), evidence: evidence.optional() }),
  'request-extension': z.strictObject({ newDeadline: dateString, reason: text(2000) }),
  'decide-extension': z.strictObject({ approve: z.boolean(), note: text(2000).optional() }),
  transfer: z.strictObject({ responsibleUnitId: uuid, reason: text(2000) }),
  submit: z.strictObject({ summary: text(5000), evidence }),
  approve: z.strictObject({
    note: text(2000).optional(),
    publicEvidence: z
      .array(z.string().max(200))
      .max(20)
      .optional()
      .describe('公示: the evidence shown on the public page'),
  }),
  'resolve-objection': z.strictObject({ objectionId: uuid, upheld: z.boolean(), note: text(2000) }),
  reject: z.strictObject({ reason: text(2000) }),
  recheck: z.strictObject({
    passed: z.boolean(),
    findings: text(5000),
    evidence: evidence.optional(),
    deadline: dateString.optional(),
  }),
  dismiss: z.strictObject({ reason: text(2000) }),
  flag: z.strictObject({
    reason: text(2000),
    level: z.enum(SUPERVISION_LEVELS).optional().describe('duban 督办 | guapai 挂牌督办 (the default)'),
    dueOn: dateString.optional().describe('督办时限: the day the supervised item must be done by'),
  }),
  unflag: z.strictObject({ reason: text(2000) }),
  comments: z.strictObject({ text: text(2000) }),
} as const;

export const milestoneCompleteBody = z.strictObject({ note: text(2000).optional(), evidence: evidence.optional() });

export const evidenceWarningView = z
  .object({
    id: z.string(),
    code: z.string(),
    raisedAt: z.string(),
    detail: z.string(),
    attachmentIds: z.array(z.string()),
    related: z.array(z.object({ itemId: z.string(), attachmentId: z.string() })),
    dismissed: z.object({ at: z.string(), by: z.string(), reason: z.string() }).nullable(),
  })
  .meta({ id: 'EvidenceWarning' });

const objectionView = z
  .object({
    id: z.string(),
    at: z.string(),
    text: z.string(),
    resolution: z.object({ upheld: z.boolean(), by: z.string(), at: z.string(), note: z.string() }).nullable(),
  })
  .meta({ id: 'Objection' });

const publicNoticeView = z
  .object({
    startedAt: z.string(),
    endsOn: z.string(),
    endsAt: z.string(),
    evidence: z.array(z.string()),
    objections: z.array(objectionView),
    endedAt: z.string().nullable(),
  })
  .meta({ id: 'PublicNoticeState' });

const unitRef = z.object({ id: z.string(), name: z.string().nullable() });

export const itemView = z
  .object({
    id: z.string(),
    ledgerNo: z.number().int().describe('序号 within the campaign'),
    campaignId: z.string(),
    categoryId: z.string().nullable(),
    categoryName: z.string().nullable(),
    status: z.enum(ITEM_STATUSES),
    version: z.number().int(),
    source: z.enum(ITEM_SOURCES),
    title: z.string(),
    description: z.string(),
    person: z
      .object({
        name: z.string().optional(),
        phone: z.string().optional(),
        idNumber: z.string().optional(),
        address: z.string().optional(),
      })
      .nullable(),
    personMasked: z.boolean(),
    location: z.string().nullable(),
    reportedAt: z.string(),
    responsibleUnit: unitRef.nullable(),
    mode: z.enum(['immediate', 'phased']).nullable(),
    measures: z.string().nullable(),
    deadline: z.string().nullable(),
    deadlineProvisional: z.boolean(),
    overdue: z.boolean(),
    overdueSince: z.string().nullable(),
    escalationLevel: z.number().int(),
    flagged: z.boolean(),
    flagReason: z.string().nullable(),
    supervision: z
      .object({
        level: z.enum(SUPERVISION_LEVELS),
        dueOn: z.string().nullable(),
        since: z.string(),
        overdueAt: z.string().nullable(),
      })
      .nullable()
      .describe('督办: level and 督办 deadline while flagged'),
    monitoredSince: z.string().nullable().describe('纳入监测 day, when known'),
    milestones: z.array(
      z.object({ id: z.string(), title: z.string(), dueOn: z.string(), completedAt: z.string().nullable() }),
    ),
    extensionRequest: z
      .object({ requestedBy: z.string(), requestedAt: z.string(), newDeadline: z.string(), reason: z.string() })
      .nullable(),
    submittedAt: z.string().nullable(),
    summary: z.string().nullable(),
    evidence: z.array(z.string()),
    closedAt: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    rejectCount: z.number().int(),
    reopenCount: z.number().int(),
    recheck: z.object({ reason: z.string(), dueBy: z.string() }).nullable(),
    qualityWarnings: z.array(z.object({ code: z.string(), raisedAt: z.string(), detail: z.string() })),
    evidenceWarnings: z.array(evidenceWarningView).describe('paper sign-off (纸面销号) warnings, open and dismissed'),
    imported: z
      .object({
        statusText: z.string().nullable(),
        deadlineText: z.string().nullable(),
        partial: z.enum(['basic', 'phased']).nullable(),
        standing: z.boolean(),
        signedOff: z.boolean(),
        overdueAtImport: z.boolean(),
        origin: z.string(),
      })
      .nullable()
      .describe('imported from a ledger with a state: the status and deadline in the office’s words, and where'),
    signOffApprovals: z
      .array(z.object({ stepId: z.string(), by: z.string(), at: z.string() }))
      .describe('销号 by level: the steps of the current sign-off decided so far'),
    publicNotice: publicNoticeView.nullable().describe('公示: the public notice period of the current sign-off'),
    updatedAt: z.string(),
  })
  .meta({ id: 'Item' });

const timelineEntry = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    at: z.string(),
    actor: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
    data: z.record(z.string(), z.unknown()),
    hash: z.string(),
  })
  .meta({ id: 'TimelineEntry' });

const scheduledView = z
  .object({
    kind: z.string().describe('reminder, deadline_missed, escalation, review_waiting, recheck_due, supervision_… '),
    dueAt: z.string(),
    daysBefore: z.number().int().nullable(),
    level: z.number().int().nullable(),
    provisional: z
      .boolean()
      .describe('counted through a year without official calendar data (暂定): recounted when that year is loaded'),
  })
  .meta({ id: 'ScheduledTimer' });

export const itemDetail = itemView
  .extend({
    allowedCommands: z.array(z.string()).describe('what the caller may do now'),
    importedRow: z
      .array(z.object({ header: z.string(), text: z.string() }))
      .nullable()
      .describe('the ledger row the item was imported from, cell by cell in the sheet’s column order, as written'),
    publicNoticeOnApproval: z
      .boolean()
      .describe('公示: approving now starts the public notice — `publicEvidence` chooses the photos it shows'),
    signOffSteps: z
      .array(z.object({ id: z.string(), name: z.string(), decided: z.boolean() }))
      .describe("the chain this item's sign-off passes (销号 by level)"),
    objectionContacts: z
      .record(z.string(), z.string())
      .describe('异议: the filer contact per objection id, for the roles that see personal data'),
    schedule: z
      .array(scheduledView)
      .describe('what the item is waiting for next (reminders, the deadline, escalation steps), earliest first'),
    timeline: z.array(timelineEntry),
  })
  .meta({ id: 'ItemDetail' });

export const commandResult = itemView
  .extend({
    events: z.array(z.object({ seq: z.number().int(), type: z.string(), at: z.string() })),
  })
  .meta({ id: 'CommandResult' });

export const itemPage = z
  .object({
    items: z.array(itemView),
    nextCursor: z.string().nullable(),
    total: z.number().int().optional().describe('with count=true: the filtered total, up to 5 s old'),
  })
  .meta({ id: 'ItemPage' });

export const auditVerdict = z
  .object({
    ok: z.boolean(),
    events: z.number().int(),
    lastHash: z.string().optional(),
    brokenAt: z.number().int().optional().describe('sequence number of the first broken link'),
    reason: z.string().optional(),
    problems: z
      .array(z.string())
      .describe('every divergence found: broken links, a ledger row that is not the fold of its events'),
  })
  .meta({ id: 'AuditVerdict' });

export const ifMatch = z
  .object({
    'if-match': z
      .string()
      .optional()
      .describe(
        'the item version (ETag) you last saw; it still stands when only records of notices, reminders or documents issued came after it',
      ),
  })
  .loose();

export const milestoneParams = z.object({ id: z.uuid(), milestoneId: z.string().max(20) });
