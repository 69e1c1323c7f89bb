// Health, readiness, the OpenAPI document and the docs page.
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type World } from '../support/app.ts';

let w: World;
beforeAll(async () => {
  w = await build();
});

describe('platform endpoints', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect(await w.call(null, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await w.call(null, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('publishes an OpenAPI 3 document covering every lifecycle command, with problem responses', async () => {
    const r = await w.call(null, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(r.body.paths);
    for (const c of [
      'assign',
      'accept',
      'progress',
      'request-extension',
      'decide-extension',
      'transfer',
      'submit',
      'approve',
      'reject',
      'recheck',
      'dismiss',
      'flag',
      'unflag',
      'comments',
    ]) {
      expect(paths).toContain(`/api/v1/items/{id}/${c}`);
    }
    expect(paths).toContain('/api/v1/items/{id}/milestones/{milestoneId}/complete');
    expect(r.body.paths['/api/v1/items'].post.responses['409']).toBeDefined();
  });

  it('serves the docs page', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('swagger');
  });
});
