// Configuration from the environment, parsed once at start. A bad value stops the process
// with a message naming the variable; nothing else in the code reads process.env.
import { z } from 'zod';

const optionalUrl = z.string().trim().min(1).optional();

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  /** Lifecycle runtime: `local` (a PostgreSQL transaction per command) or `temporal` (a workflow per item). */
  ENGINE: z.enum(['local', 'temporal']).default('local'),
  /** Temporal frontend (host:port), namespace and task queue, used when ENGINE=temporal and by the worker. */
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('zhenggai-items'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Bearer tokens expire after this many hours of life. */
  TOKEN_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  /** Largest accepted JSON body, in bytes. */
  BODY_LIMIT: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(256 * 1024),
  /** How often the wake-up sweep runs (BullMQ job scheduler), in seconds. */
  SWEEP_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
}).refine((c) => c.ENGINE !== 'temporal' || c.DATABASE_URL !== undefined, {
  path: ['ENGINE'],
  message: 'ENGINE=temporal needs DATABASE_URL: the Temporal worker, a separate process, writes the ledger into the same database',
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}
