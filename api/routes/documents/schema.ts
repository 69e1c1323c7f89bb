// Zod schemas of the official-document routes.
import { z } from 'zod';
import { PREFIX_PATTERN } from '../../../domain/document/number.ts';
import { DOCUMENT_KINDS } from '../../../services/documents.ts';
import { dateString, text, uuid } from '../../schemas/common.ts';

export const idParams = z.object({ id: uuid });

const issueOptions = {
  copyTo: z.array(text(60)).max(20).optional().describe("抄送机关 (the office's saved list when absent)"),
  note: text(200).optional().describe('附注, e.g. 联系人：张某，电话：…'),
};

export const bulletinBody = z.strictObject({
  version: z.number().int().min(1).optional().describe('the published version (the latest when absent)'),
  ...issueOptions,
});
export const interviewBody = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional().describe('when the interview takes place (blank to fill by hand)'),
  place: text(100).optional(),
  ...issueOptions,
});
export const assignmentBody = z.strictObject({ ...issueOptions });
export const signoffBody = z.strictObject({ ...issueOptions });
export const monthlyBody = z.strictObject({ ...issueOptions });
export const periodParams = z.object({ id: uuid, period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM') });

export const robotBody = z.strictObject({ targetId: uuid.describe('the group robot (webhook target)') });
export const robotView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['wecom', 'dingtalk', 'feishu']),
    unitName: z.string(),
  })
  .meta({ id: 'DocumentRobot' });
export const robotSent = z
  .object({
    deliveryId: z.string(),
    status: z.string().describe('pending until the notifier sends it; GET /notices deliveries show the outcome'),
    queued: z.boolean().describe('false: no deliver queue in this process; the notifier’s reconcile sends it'),
    target: robotView,
  })
  .meta({ id: 'DocumentRobotMessage' });

export const supervisionBody = z.strictObject({
  replyBy: dateString.describe('督办时限: the date the unit replies by (its 回执)'),
  reason: text(500).optional().describe('why (derived from the item when absent)'),
  ...issueOptions,
});

export const documentView = z
  .object({
    id: z.string(),
    number: z.string().describe('发文字号'),
    kind: z.enum(DOCUMENT_KINDS),
    title: z.string(),
    campaignId: z.string(),
    subjectId: z.string().describe('the round, accountability record, item or (monthly) campaign'),
    period: z.string().nullable().describe('the report period of a 月报汇总 (YYYY-MM)'),
    unitId: z.string().describe('the issuing office'),
    issuedBy: z.string(),
    issuedAt: z.string(),
    contentHash: z.string(),
    docx: z.string(),
    pdf: z.string(),
  })
  .meta({ id: 'IssuedDocument' });

export const listQuery = z.strictObject({
  subjectId: uuid.optional(),
  kind: z.enum(DOCUMENT_KINDS).optional(),
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM')
    .optional(),
});

export const styleBody = z.strictObject({
  prefix: z.string().regex(PREFIX_PATTERN, '2–12 Chinese characters, e.g. 朝振办').describe('发文字号 prefix'),
  flag: text(30).describe('发文机关标志, e.g. 朝阳镇乡村振兴办公室文件'),
  fullName: text(30).describe('发文机关署名'),
  printedBy: text(30).optional().describe('印发机关 (the office itself when absent)'),
  dateStyle: z
    .enum(['chinese', 'arabic'])
    .default('chinese')
    .describe('成文日期: 二〇二六年十二月六日 or 2026年12月6日'),
  copyTo: z.array(text(60)).max(20).default([]),
  note: text(200).optional(),
});

export const styleView = z
  .object({
    unitId: z.string(),
    prefix: z.string(),
    flag: z.string(),
    fullName: z.string(),
    printedBy: z.string(),
    dateStyle: z.enum(['chinese', 'arabic']),
    copyTo: z.array(z.string()),
    note: z.string().nullable(),
    saved: z.boolean().describe('false: derived from the org tree, not saved yet'),
  })
  .meta({ id: 'DocumentStyle' });
