// What keeps the public side (no sign-in, no captcha) fast and hard to abuse: answers that caches and
// browsers may keep (Cache-Control + ETag, 304 when unchanged), and a per-address limit on reads.
// Objections have their own, stricter limit shared through PostgreSQL (services/public-side.ts).
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../../problem.ts';

/** Reads per address per minute, per process: generous for people, small for a scraper loop. */
export const READS_PER_MINUTE = 120;

export function readLimiter(limit = READS_PER_MINUTE, windowMs = 60_000) {
  const seen = new Map<string, { start: number; n: number }>();
  return (req: FastifyRequest) => {
    const now = Date.now();
    if (seen.size > 50_000) seen.clear();
    const hit = seen.get(req.ip);
    if (!hit || now - hit.start >= windowMs) {
      seen.set(req.ip, { start: now, n: 1 });
      return;
    }
    hit.n += 1;
    if (hit.n > limit) {
      const wait = Math.max(1, Math.ceil((hit.start + windowMs - now) / 1000));
      throw new Problem(429, 'too_many_requests', 'Too many requests', `请稍后再试（${wait} 秒）`, {
        retryAfter: wait,
      });
    }
  };
}

/**
 * Send `body` as a public, cacheable answer: a strong ETag over its JSON, and 304 without a body when
 * the client already holds it. `maxAge` seconds: how stale a cache may serve it.
 */
export function sendCached<T>(req: FastifyRequest, reply: FastifyReply, body: T, maxAge: number) {
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
  reply.header('cache-control', `public, max-age=${maxAge}`).header('etag', etag).header('vary', 'accept-encoding');
  const held = req.headers['if-none-match'];
  if (held?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return reply.code(304).send();
  }
  return reply.send(body);
}
