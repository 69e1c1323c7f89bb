// Zod parts shared by the resource folders' schema files: text as people type it, dates, ids, the item filter.
import { z } from 'zod';
import { isValidDate } from '../../domain/calendar/calendar.ts';
import { ITEM_SOURCES, ITEM_STATUSES, SUPERVISION_LEVELS } from '../../domain/item/types.ts';

export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Text as people type it: trimmed, no control characters except line breaks and tabs. */

export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed');

export const dateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isValidDate, 'no such date')
  .describe('a calendar day, YYYY-MM-DD (Asia/Shanghai)');

export const uuid = z.uuid();

export const listQuery = z.strictObject({
  campaignId: uuid.optional(),
  categoryId: uuid.optional(),
  unitId: uuid.optional().describe("responsible unit's subtree"),
  status: commaList(ITEM_STATUSES, 'status'),
  source: commaList(ITEM_SOURCES, 'source'),
  overdue: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  flagged: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  supervisionLevel: z.enum(SUPERVISION_LEVELS).optional().describe('督办 level: duban 督办 | guapai 挂牌督办'),
  deadlineFrom: dateString.optional(),
  deadlineTo: dateString.optional(),
  q: z
    .string()
    .trim()
    .max(100)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed')
    .optional()
    .describe('text in title or description'),
  sort: z.enum(['reportedAt', 'updatedAt', 'deadline', 'seqNo']).default('reportedAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  count: z.enum(['true', 'false']).optional().describe('also return the total count (slower)'),
});

/** The `:id` of a resource. */
export const idParams = z.object({ id: z.uuid() });

/**
 * A comma-separated filter of known codes (e.g. `status=assigned,in_progress`); an unknown one is named. A code
 * given twice counts once: the list keeps one statement text per number of codes (db/queries/items.ts).
 */
function commaList(known: readonly string[], word: string) {
  return z
    .string()
    .optional()
    .describe(`comma-separated: ${known.join(',')}`)
    .transform((s, ctx) => {
      const list = s
        ? [
            ...new Set(
              s
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            ),
          ]
        : undefined;
      const bad = list?.filter((x) => !known.includes(x));
      if (bad?.length) ctx.addIssue({ code: 'custom', message: `unknown ${word}: ${bad.join(',')}` });
      return list;
    });
}
