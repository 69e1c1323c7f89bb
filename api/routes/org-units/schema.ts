// Request and response shapes for org units (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { text } from '../../schemas/common.ts';

const UNIT_KINDS = ['county', 'township', 'village', 'community', 'department', 'office'] as const;

export const unitSchema = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    name: z.string(),
    kind: z.string(),
    divisionCode: z.string().nullable(),
    path: z.string(),
  })
  .meta({ id: 'OrgUnit' });

/** GET /org-units */
export const getOrgUnits = {
  reply200: z.object({ units: z.array(unitSchema) }),
};

/** GET /org-units/:id */
export const getOrgUnitsById = {
  params: z.object({ id: z.uuid() }),
};

/** POST /org-units */
export const postOrgUnits = {
  body: z.strictObject({
    name: text(100),
    kind: z.enum(UNIT_KINDS),
    parentId: z.uuid().nullable(),
    divisionCode: z
      .string()
      .regex(/^\d{6}(\d{6})?$/, 'a 6-digit GB/T 2260 code or a 12-digit village code')
      .nullable()
      .optional(),
  }),
};
