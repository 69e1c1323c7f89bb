// Request and response shapes for auth (login, tokens, passwords) (zod), beside routes.ts which says what each route does.
import { z } from 'zod';
import { CONTROL } from '../../schemas/common.ts';

export const meSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    unitId: z.string(),
    unitName: z.string(),
    roles: z.array(z.string()),
    isUnitHead: z.boolean(),
  })
  .meta({ id: 'Me' });

/** POST /auth/login */
export const postAuthLogin = {
  body: z.strictObject({
    username: z
      .string()
      .min(1)
      .max(100)
      .refine((s) => !CONTROL.test(s), 'control characters are not allowed'),
    password: z
      .string()
      .min(1)
      .max(200)
      .refine((s) => !s.includes('\u0000'), 'NUL is not allowed'),
  }),
  reply200: z.object({ token: z.string(), expiresAt: z.string(), user: meSchema }),
};

/** POST /auth/logout */
export const postAuthLogout = {
  reply204: z.null(),
};

/** POST /me/password */
export const postMePassword = {
  body: z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(10).max(200) }),
  reply204: z.null(),
};
