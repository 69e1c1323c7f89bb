// The one error handler: every failure leaves as application/problem+json with a stable code.
// A client mistake is never a 500; a 500 never shows its internals (they go to the log).
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { CommandRefused, EngineUnavailable, ItemNotFound, VersionConflict } from '../../workflows/engine.ts';
import { Refused } from '../../services/refusal.ts';
import { HashBusy } from '../../db/queries/hash-gate.ts';
import { Problem, type ProblemBody } from '../problem.ts';

/**
 * The one mapping from a refusal's stable code to an HTTP status, for the item decider's refusals
 * (CommandRefused) and the services' (Refused) alike. A code not named here is a conflict with the
 * current state: 409.
 */
const STATUS: Record<string, number> = {
  not_found: 404,
  no_report_cycle: 404,
  unknown_period: 404,
  forbidden: 403,
  separation_of_duties: 403,
  validation: 422,
  rule_violated: 422,
  evidence_not_found: 422,
  import_failed: 422,
  unsupported_sheet: 415,
  sheet_rejected: 422,
  header_not_found: 422,
  no_layout: 422,
  invalid_score: 422,
  unit_not_in_round: 422,
  unit_outside_campaign: 422,
  no_calendar: 422,
  version_conflict: 412,
  engine_unavailable: 503,
  unavailable: 503,
};
export const statusOf = (code: string) => STATUS[code] ?? 409;

export function toProblem(err: unknown, req: FastifyRequest): ProblemBody {
  const base = (status: number, code: string, title: string, detail?: string): ProblemBody => ({
    type: `https://zhenggai.dev/problems/${code}`,
    title,
    status,
    code,
    detail,
    instance: req.url,
    requestId: req.id,
  });

  if (err instanceof HashBusy) return { ...base(503, 'busy', 'Busy', err.message), retryAfter: 1 };
  if (err instanceof Problem) return { ...base(err.status, err.code, err.title, err.detail), ...err.extra };
  if (err instanceof Refused) {
    const d = err.details;
    const errors = d.errors ?? (d.field ? [{ path: `body.${d.field}`, message: err.message }] : undefined);
    return {
      ...base(statusOf(err.code), err.code, d.title ?? titleFor(err.code), err.message),
      ...(d.allowed ? { allowed: d.allowed } : {}),
      ...(errors ? { errors } : {}),
    };
  }
  if (err instanceof CommandRefused) {
    const e = err.error;
    const code = e.code === 'validation' ? 'rule_violated' : e.code;
    return {
      ...base(statusOf(code), code, titleFor(e.code), e.message),
      allowed: e.allowed,
      ...(e.field ? { errors: [{ path: e.field, message: e.message }] } : {}),
    };
  }
  if (err instanceof VersionConflict) return base(412, 'version_conflict', 'Item changed meanwhile', err.message);
  if (err instanceof EngineUnavailable) {
    // The message names the runtime and says whether the command may have been applied.
    return { ...base(503, 'engine_unavailable', 'Lifecycle engine unavailable', err.message), applied: err.applied };
  }
  if (err instanceof ItemNotFound)
    return base(404, 'not_found', 'Not found', `item does not exist or is outside your scope`);

  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const where = fe.validationContext ?? 'body';
    return {
      ...base(400, 'validation_failed', 'Invalid request', `the ${where} does not match the schema`),
      errors: fe.validation.map((v) => ({
        path: [where, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid',
      })),
    };
  }
  if (isResponseSerializationError(fe))
    return base(500, 'internal', 'Internal error', 'the server failed to shape its answer');
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return base(400, 'invalid_json', 'Malformed JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return base(413, 'body_too_large', 'Request body too large', fe.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return base(415, 'unsupported_media_type', 'Unsupported media type', 'send application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return base(400, 'invalid_content_length', 'Bad Content-Length', fe.message);
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (e.g. a malformed URL): keep the status, give it a code.
    return base(fe.statusCode, String(fe.code ?? 'bad_request').toLowerCase(), 'Bad request', fe.message);
  }
  const pgCode = (fe as { code?: string }).code ?? (fe as { cause?: { code?: string } }).cause?.code;
  if (pgCode === '22021' || pgCode === '22P05')
    return base(400, 'invalid_text', 'Invalid text', 'the request contains characters that cannot be stored');
  const chain = `${String(fe.message)} ${String((fe as { cause?: { message?: string } }).cause?.message ?? '')}`;
  // The server went away (restart, failover, admin shutdown) or cannot take connections yet: 503, and the
  // pool connects afresh for the next request.
  const lost = typeof pgCode === 'string' && (/^08/.test(pgCode) || /^57P0[123]$/.test(pgCode));
  // "not queryable": a transaction's rollback on a connection the server dropped mid-command (kill -9).
  const gone = /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|not queryable/i;
  if (lost || gone.test(chain)) {
    return base(503, 'unavailable', 'Service unavailable', 'the database is not reachable; try again shortly');
  }
  return base(500, 'internal', 'Internal error', `something went wrong on our side; quote request id ${req.id}`);
}

function titleFor(code: string): string {
  switch (code) {
    case 'invalid_transition':
      return 'Not allowed in the current state';
    case 'forbidden':
      return 'Forbidden';
    case 'separation_of_duties':
      return 'Separation of duties';
    default:
      return 'Rule violated';
  }
}

/**
 * An error as it may be logged: no personal data. A failed query's message carries its parameters
 * (names, phones, ID numbers of households) and PostgreSQL's `detail` can quote a row's values; both are
 * cut from the message, the stack and the cause. The query text, the SQLSTATE and the place stay.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const scrub = (text: unknown) =>
    typeof text === 'string' ? text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, '\nparams: [withheld]') : text;
  const e = err as { name?: string; message?: string; stack?: string; code?: string; cause?: unknown };
  const cause = e.cause as { message?: string; code?: string; routine?: string; table?: string; column?: string };
  return {
    type: e.name,
    message: scrub(e.message),
    stack: scrub(e.stack),
    ...(e.code ? { code: e.code } : {}),
    ...(cause && typeof cause === 'object'
      ? {
          cause: {
            message: scrub(cause.message),
            code: cause.code,
            routine: cause.routine,
            table: cause.table,
            column: cause.column,
          },
        }
      : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody) {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').serializer(JSON.stringify).send(body);
}

export default fp(
  async (app) => {
    app.setErrorHandler((err, req, reply) => {
      const body = toProblem(err, req);
      if (body.retryAfter) reply.header('retry-after', String(body.retryAfter));
      if (body.status >= 500) req.log.error({ err: loggableError(err) }, `request failed: ${body.code}`);
      else req.log.info({ code: body.code, status: body.status }, body.detail ?? body.title);
      return sendProblem(reply, body);
    });
    app.setNotFoundHandler((req, reply) =>
      sendProblem(reply, {
        type: 'https://zhenggai.dev/problems/not_found',
        title: 'Not found',
        status: 404,
        code: 'not_found',
        detail: `no route ${req.method} ${req.url.split('?')[0]}`,
        instance: req.url,
        requestId: req.id,
      }),
    );
    // A query string whose %-escapes do not decode to UTF-8 (%ZZ; %ED%A0%80, an encoded lone surrogate) is
    // refused as a bad escape in the path is: the lenient query parser would otherwise search for U+FFFD,
    // or for the escape's own letters, and answer an empty page as if the words had been read. The API's
    // routes only: a web page's address is the browser application's to read.
    app.addHook('onRequest', async (req) => {
      const at = req.url.indexOf('?');
      if (at < 0 || !req.url.includes('%', at) || !req.routeOptions.url?.startsWith('/api/')) return;
      try {
        decodeURIComponent(req.url.slice(at + 1).replaceAll('+', ' '));
      } catch {
        throw new Problem(400, 'bad_url', 'Bad request', 'the query string has a %-escape that is not UTF-8');
      }
    });
  },
  { name: 'errors' },
);
