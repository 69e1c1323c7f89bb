// The one code→status mapping (api/plugins/errors.ts) for the services' refusals, and the one If-Match parser.
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseIfMatch } from '../../api/if-match.ts';
import { toProblem } from '../../api/plugins/errors.ts';
import { Problem } from '../../api/problem.ts';
import { notFoundRefusal, Refused } from '../../services/refusal.ts';
import { CommandRefused } from '../../workflows/engine.ts';

const req = { url: '/api/v1/x', id: 'req-1' } as FastifyRequest;

describe('refusals as problem+json', () => {
  it.each([
    ['round_period_overlaps', 409],
    ['round_already_published', 409],
    ['report_already_accepted', 409],
    ['invalid_transition', 409],
    ['forbidden', 403],
    ['rule_violated', 422],
    ['evidence_not_found', 422],
    ['import_failed', 422],
    ['version_conflict', 412],
    ['no_report_cycle', 404],
    ['unknown_period', 404],
    ['unavailable', 503],
  ])('%s → %i', (code, status) => {
    const p = toProblem(new Refused(code, 'why'), req);
    expect(p).toMatchObject({ status, code, detail: 'why', instance: '/api/v1/x', requestId: 'req-1' });
    expect(p.type).toBe(`https://zhenggai.dev/problems/${code}`);
  });

  it('names the field at fault under body, and passes the allowed commands and a title through', () => {
    const p = toProblem(
      new Refused('round_period_overlaps', 'overlaps', {
        field: 'periodStart',
        allowed: ['x'],
        title: 'Rule violated',
      }),
      req,
    );
    expect(p).toMatchObject({
      title: 'Rule violated',
      allowed: ['x'],
      errors: [{ path: 'body.periodStart', message: 'overlaps' }],
    });
    expect(toProblem(new Refused('round_not_finished', 'later'), req)).not.toHaveProperty('errors');
  });

  it('answers a not-found refusal like a missing thing', () => {
    expect(toProblem(notFoundRefusal('campaign'), req)).toMatchObject({
      status: 404,
      code: 'not_found',
      detail: 'campaign does not exist or is outside your scope',
    });
  });

  it("maps the item decider's refusals with the same table", () => {
    const refused = (code: 'validation' | 'separation_of_duties' | 'invalid_transition') =>
      toProblem(new CommandRefused({ code, message: 'm', allowed: [] }), req);
    expect(refused('validation')).toMatchObject({ status: 422, code: 'rule_violated' });
    expect(refused('separation_of_duties')).toMatchObject({ status: 403, code: 'separation_of_duties' });
    expect(refused('invalid_transition')).toMatchObject({ status: 409, code: 'invalid_transition' });
  });

  it('keeps a route-level Problem as it is', () => {
    expect(toProblem(new Problem(418, 'teapot', 'Teapot'), req)).toMatchObject({ status: 418, code: 'teapot' });
  });
});

describe('parseIfMatch', () => {
  it.each([
    [undefined, undefined],
    ['"7"', 7],
    ['W/"7"', 7],
    ['7', 7],
    [' "12" ', 12],
    ['"999999999"', 999_999_999],
  ])('%s → %s', (h, v) => expect(parseIfMatch(h)).toBe(v));

  it.each(['', '*', '"x"', '"-1"', '"1.5"', '"1","2"', '"1234567890"', 'W/ "3"'])(
    'refuses %j with invalid_if_match',
    (h) => {
      let err: unknown;
      try {
        parseIfMatch(h);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Problem);
      expect(err).toMatchObject({ status: 400, code: 'invalid_if_match' });
    },
  );
});
