// The web application (web/dist, built by Vite) served by the API process: hashed assets cached for a
// year, index.html never cached, and every other GET outside /api answered with index.html so the
// browser's router handles deep links (/ledger, /items/…). /api paths keep their problem+json 404.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { notFound } from '../problem.ts';

interface WebOptions {
  root: string;
}

export default fp(
  async (app: FastifyInstance, { root }: WebOptions) => {
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      app.log.warn(`web application not built (${index} missing): run "npm run build:web"; the API works without it`);
      app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('网页端尚未构建：请运行 npm run build:web（The web application is not built: run npm run build:web）'),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root,
      wildcard: false, // one route per built file; the SPA fallback below takes the rest
      index: false,
      setHeaders(reply, path) {
        reply.header(
          'cache-control',
          /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    app.get('/*', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
      if (req.url.startsWith('/api/') || req.url === '/api')
        throw notFound(`route ${req.method} ${req.url.split('?')[0]}`);
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  },
  { name: 'web' },
);
