// RFC 9457 problem details: every error the API answers has this shape and a stable `code`.
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable, machine-readable error code'),
    detail: z.string().optional(),
    instance: z.string().optional(),
    /** invalid_transition / forbidden: the commands the caller may issue now. */
    allowed: z.array(z.string()).optional(),
    /** validation: the failing fields. */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
    /** engine_unavailable: false = the command was not sent; 'unknown' = it may have been applied (reload first). */
    applied: z.union([z.literal(false), z.literal('unknown')]).optional(),
    /** too_many_attempts, busy: seconds to wait (also the Retry-After header). */
    retryAfter: z.number().int().optional(),
  })
  .meta({ id: 'Problem' });

export type ProblemBody = z.infer<typeof problemSchema>;

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Pick<ProblemBody, 'allowed' | 'errors' | 'retryAfter'> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string) =>
  new Problem(404, 'not_found', 'Not found', `${what} does not exist or is outside your scope`);
export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail);
export const unauthenticated = (detail = 'sign in and send the token as "Authorization: Bearer <token>"') =>
  new Problem(401, 'unauthenticated', 'Not signed in', detail);
export const badRequest = (code: string, detail: string, errors?: ProblemBody['errors']) =>
  new Problem(400, code, 'Bad request', detail, errors ? { errors } : {});

/** Error responses every route may give; spread into a route's `response` schema. */
export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  412: problemSchema,
  413: problemSchema,
  415: problemSchema,
  422: problemSchema,
  429: problemSchema,
  500: problemSchema,
  503: problemSchema,
} as const;

/** A zod failure of data a route validates itself (schemes, rules), as a 422 naming each rule. */
export function invalid(code: string, detail: string, error: z.ZodError, prefix: string): never {
  throw new Problem(422, code, 'Rule violated', detail, {
    errors: error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message })),
  });
}
