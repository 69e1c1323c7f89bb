// The production compose file validates with the Compose client found on the machine (`docker
// compose`, or Debian's `docker-compose`); no container engine is needed. Without either client the
// test is skipped and says so — outside CI only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function composeClient(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return null;
}
const client = composeClient();
const skipReason = client ? null : 'no Compose client on this machine (neither `docker compose` nor `docker-compose`)';
// In CI (.ci/run installs Debian's docker-compose) a missing client is a failure, not a skip.
if (skipReason && process.env.CI) throw new Error(`compose validation needs a Compose client in CI: ${skipReason}`);
if (skipReason) console.log(`[deploy] compose validation SKIPPED: ${skipReason}`);

const compose = (...args: string[]) =>
  spawnSync(client![0]!, [...client!.slice(1), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });

describe('docker-compose.yml', () => {
  it('is valid with the documented .env, and runs API and worker from one image with ENGINE=temporal', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const r = compose('--env-file', '.env.example', 'config');
    expect(r.status, r.stderr).toBe(0);
    for (const service of ['postgresql', 'redis', 'minio', 'minio-init', 'temporal', 'temporal-ui', 'api', 'worker'])
      expect(r.stdout).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    expect(r.stdout.match(/image: zhenggai:latest/g)).toHaveLength(2);
    expect(r.stdout.match(/ENGINE: temporal/g)).toHaveLength(2);
    expect(r.stdout).toContain('TEMPORAL_ADDRESS: temporal:7233');
    expect(r.stdout.match(/S3_ENDPOINT: http:\/\/minio:9000/g)).toHaveLength(2);
  });

  it('refuses to start without the passwords, naming the variable', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const empty = join(mkdtempSync(join(tmpdir(), 'zg-compose-')), 'empty.env');
    writeFileSync(empty, '# no passwords\n');
    const r = compose('--env-file', empty, 'config');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD|TEMPORAL_DB_PASSWORD/);
  });
});
