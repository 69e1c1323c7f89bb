// The server's node flags live in package.json's start script; the image's ENTRYPOINT repeats them and the
// bench reads them there (bench/server-process.ts), so all three run the server alike.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../../bench/server-process.ts';

const ROOT = new URL('../../', import.meta.url);

describe("the server's node flags", () => {
  const flags = serverNodeFlags();

  it('are the ones the image runs with', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    expect(entry, 'Dockerfile has an exec-form ENTRYPOINT').not.toBeNull();
    expect(JSON.parse(entry![1]!)).toEqual(['node', ...flags, '.build/server/zhenggai.js']);
  });

  it('give V8 a heap budget under 2 GB, where it collects before old space doubles (docs/design-notes.md, "A heap budget")', () => {
    expect(flags.some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
    const r = spawnSync(
      process.execPath,
      [...flags, '-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const limitMB = Number(r.stdout) / 2 ** 20;
    expect(limitMB).toBeGreaterThan(512);
    expect(limitMB).toBeLessThan(2048);
  });
});
