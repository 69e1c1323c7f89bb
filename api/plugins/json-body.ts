// JSON bodies, strictly: UTF-8 only (a charset other than utf-8 is 415, bytes that are not UTF-8 are 400
// instead of turning silently into U+FFFD), and no lone surrogate in any string (PostgreSQL cannot store
// one; JSON's \ud800 escapes make them). Parsing itself is Fastify's own (prototype-poisoning guards kept).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problem.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (or key) holding a lone surrogate, or null. Iterative: bodies nest deep. */
export function loneSurrogateAt(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}.${i}`]);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v).reverse()) {
        if (LONE_SURROGATE.test(k)) return `${path}.${k}`;
        stack.push([x, `${path}.${k}`]);
      }
    }
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export default fp(
  async (app: FastifyInstance) => {
    // A PATCH that names no field changes nothing and is a client mistake (it used to reach an UPDATE with
    // nothing to set: 500).
    app.addHook('preValidation', async (req) => {
      const b = req.body;
      if (req.routeOptions.url === undefined) return; // no such route: the 404 says so
      if (req.method === 'PATCH' && b && typeof b === 'object' && !Array.isArray(b) && Object.keys(b).length === 0) {
        throw new Problem(400, 'empty_patch', 'Nothing to change', 'name at least one field to change');
      }
    });
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new Problem(
            415,
            'unsupported_charset',
            'Unsupported charset',
            `JSON bodies are UTF-8; got charset=${charset}`,
          ),
          undefined,
        );
        return;
      }
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        done(new Problem(400, 'invalid_utf8', 'Invalid UTF-8', 'the request body is not valid UTF-8'), undefined);
        return;
      }
      parse(req, text, (err, value) => {
        if (err) return done(err, undefined);
        const at = loneSurrogateAt(value);
        if (at) {
          return done(
            new Problem(400, 'invalid_text', 'Invalid text', `${at} holds a lone surrogate (not a character)`, {
              errors: [{ path: at, message: 'lone surrogate' }],
            }),
            undefined,
          );
        }
        done(null, value);
      });
    });
  },
  { name: 'json-body' },
);
