// OpenAPI 3 generated from the routes' zod schemas: /openapi.json and a docs page at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Zhenggai API',
          version: '1',
          description:
            'Rectification campaigns (整改行动): the ledger, the item lifecycle, org units and users. ' +
            'Errors are application/problem+json with a stable `code`. POSTs accept Idempotency-Key; item commands accept If-Match.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    // The docs page brings its own CSP (its bundle needs an inline style); the rest keeps helmet's.
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
