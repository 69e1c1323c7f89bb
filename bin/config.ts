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
  ENGINE: z.enum(['local']).default('local'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Bearer tokens expire after this many hours of life. */
  TOKEN_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
  /** Largest accepted JSON body, in bytes. */
  BODY_LIMIT: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(256 * 1024),
  /** How often the wake-up sweep runs (BullMQ job scheduler), in seconds. */
  SWEEP_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  /** Evidence files go to this S3-compatible store (MinIO) instead of DATA_DIR/files. */
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: z.string().min(3).default('zhenggai-evidence'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Largest evidence file, and the most bytes and files in one upload request. */
  UPLOAD_MAX_FILE_BYTES: z.coerce.number().int().min(1024).max(2 * 1024 ** 3).default(100 * 1024 * 1024),
  UPLOAD_MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).max(8 * 1024 ** 3).default(300 * 1024 * 1024),
  UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(100).default(20),
  /** Ledger import bounds: rows and columns read, and the uncompressed size of an .xlsx. */
  IMPORT_MAX_ROWS: z.coerce.number().int().min(10).max(1_000_000).default(50_000),
  IMPORT_MAX_COLUMNS: z.coerce.number().int().min(5).max(16_384).default(60),
  IMPORT_MAX_UNCOMPRESSED_BYTES: z.coerce.number().int().min(1024 * 1024).max(4 * 1024 ** 3).default(100 * 1024 * 1024),
}).superRefine((c, ctx) => {
  if (c.S3_ENDPOINT && (!c.S3_ACCESS_KEY_ID || !c.S3_SECRET_ACCESS_KEY)) {
    ctx.addIssue({ code: 'custom', path: ['S3_ACCESS_KEY_ID'], message: 'S3_ENDPOINT needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY' });
  }
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}
