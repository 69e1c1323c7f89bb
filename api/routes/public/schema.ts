// Shapes of the public side (公示): what anyone may read and the objection (异议) anyone may file.
import { z } from 'zod';
import { CONTROL } from '../../schemas/common.ts';
import { PUBLIC_LIMITS } from '../../../services/public-side.ts';

export const campaignParams = z.object({ id: z.uuid() });
export const noticeParams = z.object({ id: z.uuid(), itemId: z.uuid() });

const counts = z.object({
  name: z.string(),
  open: z.number().int().describe('整改中 (reported, assigned, in progress)'),
  submitted: z.number().int().describe('申请销号 (in review or 公示)'),
  closed: z.number().int().describe('已销号 (closed or verified)'),
  dismissed: z.number().int().describe('核销 (不属实)'),
  total: z.number().int(),
});

export const publicSummary = z
  .object({
    campaign: z.object({ id: z.string(), name: z.string(), noticeWorkingDays: z.number().int() }),
    villages: z.array(counts).describe('per responsible unit (village, department)'),
    categories: z.array(counts).describe('per category (专项)'),
    rankings: z.array(
      z.object({
        roundId: z.string(),
        name: z.string(),
        periodStart: z.string(),
        periodEnd: z.string(),
        version: z.number().int(),
        publishedAt: z.string(),
        groups: z.array(
          z.object({
            title: z.string(),
            lines: z.array(
              z.object({ rank: z.number().int(), name: z.string(), score: z.number(), veto: z.boolean() }),
            ),
          }),
        ),
      }),
    ),
    notices: z.number().int().describe('sign-offs in their 公示 now'),
  })
  .meta({ id: 'PublicSummary' });

export const publicNotice = z
  .object({
    id: z.string(),
    ledgerNo: z.number().int(),
    village: z.string().nullable(),
    category: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    location: z.string().nullable(),
    measures: z.string().nullable(),
    summary: z.string().nullable(),
    evidence: z.array(z.string()).describe('the evidence the office chose to show'),
    startedAt: z.string(),
    endsOn: z.string().describe('the last day of the 公示'),
    ended: z.boolean(),
    objections: z.number().int(),
    openObjections: z.number().int().describe('while > 0 the sign-off waits'),
  })
  .meta({ id: 'PublicNotice' });

export const publicNoticeList = z.object({ notices: z.array(publicNotice) }).meta({ id: 'PublicNoticeList' });

const plain = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed');

export const objectionBody = z.strictObject({
  contact: plain(PUBLIC_LIMITS.maxContact).describe('how the office can reach you (phone or address)'),
  text: plain(PUBLIC_LIMITS.maxText).describe('the objection (异议)'),
});

export const objectionReceipt = z
  .object({ id: z.string(), receivedAt: z.string(), message: z.string() })
  .meta({ id: 'ObjectionReceipt' });

export const objectionQueue = z
  .object({
    objections: z.array(
      z.object({
        id: z.string(),
        itemId: z.string(),
        contact: z.string(),
        text: z.string(),
        status: z.enum(['open', 'upheld', 'not_upheld']),
        addressHash: z.string().describe('a keyed hash of the sender address: many from one source stand out'),
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'ObjectionQueue' });
