// The evidence routes' shapes (OpenAPI and the web app's types come from these).
import { z } from 'zod';

export const PURPOSES = ['progress', 'milestone', 'submission', 'recheck'] as const;

export const attachmentView = z
  .object({
    id: z.string(),
    fileName: z.string(),
    size: z.number().int(),
    contentType: z.string(),
    kind: z.string(),
    sha256: z.string(),
    purpose: z.string(),
    uploadedAt: z.string(),
    uploadedBy: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    takenAt: z.string().nullable().describe('EXIF capture time'),
    gps: z.object({ lat: z.number(), lon: z.number() }).nullable(),
    url: z.string(),
    thumbnailUrl: z.string().nullable(),
    processing: z
      .boolean()
      .describe('a photo whose size, thumbnail and similarity hash are still being made in the background'),
  })
  .meta({ id: 'Attachment' });
