// Request and response shapes for campaigns and their categories (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { dateString, text } from '../../schemas/common.ts';

/** One step of the sign-off chain (销号 by level); `unitId`: the unit whose users decide it (else the item's reviewers). */
const signOffStep = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lower-case letters, digits, _ and -'),
    name: text(40),
    roles: z
      .array(z.enum(['lead', 'supervisor']))
      .min(1)
      .max(2),
    unitId: z.uuid().nullable().optional(),
    onlyFor: z.enum(['serious']).nullable().optional().describe('serious: petition/hotline items and items under 督办'),
  })
  .meta({ id: 'SignOffStep' });

export const settingsSchema = z
  .strictObject({
    workingDays: z.boolean(),
    immediateDays: z.number().int().min(1).max(60),
    remindBeforeDays: z.array(z.number().int().min(1).max(30)).max(5),
    escalationSteps: z
      .array(
        z.strictObject({
          level: z.number().int().min(1).max(9),
          afterDays: z.number().int().min(0).max(365),
          target: z.enum(['handler', 'unit_head', 'supervisor', 'flag']),
        }),
      )
      .max(9),
    recheckRate: z.number().min(0).max(1),
    recheckSeed: z.string().min(1).max(100),
    recheckWindowDays: z.number().int().min(1).max(365),
    reopenDays: z.number().int().min(1).max(365),
    noMeasuresWarningMonths: z.number().int().min(1).max(12),
    /** Review limit (审核时限): a submission waiting longer reminds the reviewers. Default 5 (working) days. */
    reviewLimitDays: z.number().int().min(1).max(60).optional(),
    /** 销号 by level: the steps a sign-off passes, in order (absent or empty: one review, as before). */
    signOffChain: z
      .array(signOffStep)
      .max(5)
      .refine((steps) => new Set(steps.map((s) => s.id)).size === steps.length, 'step ids must differ')
      .optional(),
    /** The public side (公示): on or off for this campaign, and the working days of 公示 before a sign-off takes effect. */
    publicSide: z.strictObject({ enabled: z.boolean(), noticeWorkingDays: z.number().int().min(0).max(30) }).optional(),
    /** 000 §七: offices that recheck petition items (信访) besides the county level; never a township user otherwise. */
    petitionRecheckUnitIds: z.array(z.uuid()).max(20).optional(),
    petitionRecheckByCounty: z
      .boolean()
      .optional()
      .describe(
        'false: petition items may be rechecked by any inspector outside the unit (default: the county, 000 §七)',
      ),
  })
  .meta({ id: 'CampaignSettings' });

export const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ownerUnitId: z.string(),
    areaUnitId: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable(),
    status: z.string(),
    settings: settingsSchema,
  })
  .meta({ id: 'Campaign' });

export const categorySchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    code: z.string(),
    name: z.string(),
    leadUnitId: z.string(),
    leadUnitName: z.string(),
    problemTypes: z.array(z.string()),
    measures: z.array(z.string()),
    focusQuarters: z.array(z.number().int()),
    sortOrder: z.number().int(),
  })
  .meta({ id: 'Category' });

/** GET /campaigns */
export const getCampaigns = {
  reply200: z.object({ campaigns: z.array(campaignSchema) }),
};

/** GET /campaigns/:id */
export const getCampaignsById = {
  params: z.object({ id: z.uuid() }),
};

/** POST /campaigns */
export const postCampaigns = {
  body: z.strictObject({
    name: text(200),
    ownerUnitId: z.uuid(),
    areaUnitId: z.uuid(),
    startsOn: dateString,
    endsOn: dateString.nullable().optional(),
    settings: settingsSchema.partial().optional(),
  }),
};

/** PUT /campaigns/:id/settings */
export const putCampaignsByIdSettings = {
  params: z.object({ id: z.uuid() }),
};

/** GET /campaigns/:id/categories */
export const getCampaignsByIdCategories = {
  params: z.object({ id: z.uuid() }),
  reply200: z.object({ categories: z.array(categorySchema) }),
};

/** POST /campaigns/:id/categories */
export const postCampaignsByIdCategories = {
  params: z.object({ id: z.uuid() }),
  body: z.strictObject({
    code: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/),
    name: text(100),
    leadUnitId: z.uuid(),
    problemTypes: z.array(text(500)).max(50).default([]),
    measures: z.array(text(1000)).max(50).default([]),
    focusQuarters: z.array(z.number().int().min(1).max(4)).max(4).default([]),
    sortOrder: z.number().int().min(0).max(1000).default(0),
  }),
};
