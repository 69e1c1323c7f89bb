// The report routes' request and response shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';

export const campaignParams = z.object({ id: z.uuid() });
export const reportParams = z.object({ id: z.uuid(), period: z.string().max(50), unitId: z.uuid() });
export const narrative = z.strictObject({
  progress: z.string().trim().min(1).max(10_000),
  problems: z.string().trim().max(10_000),
  nextSteps: z.string().trim().max(10_000),
});
export const attachments = z.array(z.string().min(1).max(200)).max(50);
export const ifMatch = z.object({ 'if-match': z.string().optional() }).loose();

export const configView = z
  .object({ campaignId: z.string(), cycle: z.any(), accountability: z.any(), periods: z.array(z.any()) })
  .meta({ id: 'ReportConfig' });
export const reportView = z
  .object({
    campaignId: z.string(),
    period: z.string(),
    title: z.string(),
    unitId: z.string(),
    unitName: z.string(),
    status: z.string(),
    version: z.number(),
    dueAt: z.string(),
    late: z.boolean().nullable(),
    firstSubmittedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    acceptedAt: z.string().nullable(),
    returnCount: z.number(),
    narrative: z.any(),
    attachments: z.array(z.string()),
    stats: z.any(),
    history: z.array(z.any()),
    allowedCommands: z.array(z.string()),
  })
  .meta({ id: 'Report' });
export const boardView = z
  .object({
    period: z.any(),
    counts: z.record(z.string(), z.number()),
    units: z.array(
      z.object({
        unitId: z.string(),
        unitName: z.string(),
        unitKind: z.string(),
        status: z.string(),
        standing: z.string(),
        late: z.boolean().nullable(),
        submittedAt: z.string().nullable(),
        version: z.number(),
        returnCount: z.number(),
      }),
    ),
  })
  .meta({ id: 'ReportBoard' });
