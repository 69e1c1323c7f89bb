// Request and response shapes for users (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { ROLES } from '../../../domain/item/types.ts';
import { text } from '../../schemas/common.ts';

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    unitId: z.string(),
    unitName: z.string(),
    roles: z.array(z.enum(ROLES)),
    isUnitHead: z.boolean(),
    phone: z.string().nullable(),
    disabled: z.boolean(),
  })
  .meta({ id: 'User' });

/** GET /users */
export const getUsers = {
  reply200: z.object({ users: z.array(userSchema) }),
};

/** POST /users */
export const postUsers = {
  body: z.strictObject({
    username: z.string().regex(/^[A-Za-z0-9_.-]{3,50}$/, '3–50 letters, digits, _ . -'),
    displayName: text(50),
    unitId: z.uuid(),
    roles: z.array(z.enum(ROLES)).min(1).max(6),
    isUnitHead: z.boolean().optional(),
    phone: z
      .string()
      .regex(/^[0-9+\-() ]{5,20}$/)
      .nullable()
      .optional(),
    password: z.string().min(10).max(200),
  }),
};

/** PATCH /users/:id */
export const patchUsersById = {
  params: z.object({ id: z.uuid() }),
  body: z.strictObject({
    displayName: text(50).optional(),
    unitId: z.uuid().optional(),
    roles: z.array(z.enum(ROLES)).min(1).max(6).optional(),
    isUnitHead: z.boolean().optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(10).max(200).optional(),
  }),
};
