// Configuration from the environment, parsed once at start. A bad value stops the process
// with a message naming the variable; nothing else in the code reads process.env.
import { z } from 'zod';

const optionalUrl = z.string().trim().min(1).optional();

const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: optionalUrl,
    /** The owner role that runs migrations; DATABASE_URL is then the application's role (INSERT-only on the trail). */
    DATABASE_OWNER_URL: optionalUrl,
    /** Ed25519 private key (PEM) that signs trail checkpoints; else read from TRAIL_KEY_FILE. */
    TRAIL_KEY: z.string().trim().min(1).optional(),
    /** File holding the checkpoint key; default DATA_DIR/trail-key.pem (made on first start without DATABASE_URL). */
    TRAIL_KEY_FILE: z.string().trim().min(1).optional(),
    /** How often every campaign's trail is checkpointed (skipped when nothing moved). */
    CHECKPOINT_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
    REDIS_URL: optionalUrl,
    /** Lifecycle runtime: `local` (a PostgreSQL transaction per command) or `temporal` (a workflow per item). */
    ENGINE: z.enum(['local', 'temporal']).default('local'),
    /** Temporal frontend (host:port), namespace and task queue, used when ENGINE=temporal and by the worker. */
    TEMPORAL_ADDRESS: z.string().trim().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('zhenggai-items'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Bearer tokens expire after this many hours of life. */
    TOKEN_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 7),
    /** Largest accepted JSON body, in bytes. */
    BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(256 * 1024),
    /** How often the wake-up sweep runs (BullMQ job scheduler), in seconds. */
    SWEEP_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** The server's PostgreSQL connections for requests and commands, in all: SERVER_PROCESSES share them. */
    DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
    /** Server processes sharing the port (node:cluster); 1: one process. */
    SERVER_PROCESSES: z.coerce.number().int().min(1).max(16).default(1),
    /** The address people open the web at (e.g. https://zhenggai.example.gov.cn): links in robot messages point there. */
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    // Notifications (docs/features.md "Notifications")
    /** Hosts webhook targets may point at, comma-separated; "*.example.cn" allows subdomains. */
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .default('qyapi.weixin.qq.com,oapi.dingtalk.com,open.feishu.cn')
      .transform((s) =>
        s
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      ),
    /** SMTP server for e-mail, e.g. smtps://user:pass@mail.example.cn:465; unset: no e-mail. */
    SMTP_URL: optionalUrl,
    SMTP_FROM: z.string().min(3).default('整改通知 <zhenggai@localhost>'),
    /** SMS provider; `log` writes messages to the log (plug a gateway in workers/notify/channels/sms.ts). */
    SMS_PROVIDER: z.enum(['log']).default('log'),
    /** External messages per recipient (user or group robot) per hour; more wait for the next hour. */
    NOTIFY_RATE_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(30),
    /** How often the outbox is drained into notices, in seconds. */
    NOTIFY_EVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
    /** How often lost notification jobs are looked for and queued again (after Redis came back empty, say),
     * and how old an outbox row's job must be to count as lost; the schedules are re-asserted as often. */
    NOTIFY_RECONCILE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
    /** Attempts per delivery before it is dead-lettered, and the first backoff (doubling). */
    NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    NOTIFY_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    /** Time limit of one webhook or SMTP request. */
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** The daily digest, a cron pattern in Asia/Shanghai. */
    DIGEST_CRON: z.string().min(9).default('0 8 * * *'),
    /** Bearer token Prometheus must send to read /metrics; unset: /metrics is open (keep it off the public network). */
    METRICS_TOKEN: z.string().trim().min(16, 'at least 16 characters').optional(),
    /** Evidence files go to this S3-compatible store (MinIO) instead of DATA_DIR/files. */
    S3_ENDPOINT: optionalUrl,
    S3_BUCKET: z.string().min(3).default('zhenggai-evidence'),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** Largest evidence file, and the most bytes and files in one upload request. */
    UPLOAD_MAX_FILE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(2 * 1024 ** 3)
      .default(100 * 1024 * 1024),
    UPLOAD_MAX_REQUEST_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(8 * 1024 ** 3)
      .default(300 * 1024 * 1024),
    UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(100).default(20),
    /** Ledger import bounds: rows and columns read, and the uncompressed size of an .xlsx. */
    IMPORT_MAX_ROWS: z.coerce.number().int().min(10).max(1_000_000).default(50_000),
    IMPORT_MAX_COLUMNS: z.coerce.number().int().min(5).max(16_384).default(60),
    IMPORT_MAX_UNCOMPRESSED_BYTES: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .max(4 * 1024 ** 3)
      .default(100 * 1024 * 1024),
  })
  .superRefine((c, ctx) => {
    if (c.ENGINE === 'temporal' && c.DATABASE_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENGINE'],
        message:
          'ENGINE=temporal needs DATABASE_URL: the Temporal worker, a separate process, writes the ledger into the same database',
      });
    }
    if (c.DATABASE_OWNER_URL && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_OWNER_URL'],
        message: 'DATABASE_OWNER_URL needs DATABASE_URL (the application role that serves requests)',
      });
    }
    if (c.S3_ENDPOINT && (!c.S3_ACCESS_KEY_ID || !c.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_ACCESS_KEY_ID'],
        message: 'S3_ENDPOINT needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/**
 * Each server process's pool: DB_POOL_SIZE split among SERVER_PROCESSES (at least 2 each). More connections only
 * queue more statements inside PostgreSQL: at 32 concurrent clients, two processes with 20 connections each made it
 * spend 2.21 ms of CPU per progress command, with 10 each 1.96 ms (one process with 20: 1.55 ms; bench/README.md).
 */
export const poolPerProcess = (c: Pick<Config, 'DB_POOL_SIZE' | 'SERVER_PROCESSES'>) =>
  Math.max(2, Math.ceil(c.DB_POOL_SIZE / c.SERVER_PROCESSES));

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
  );
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}
