#!/usr/bin/env node
// Run by `npm start` before the server: build the web application when web/dist is missing or older
// than its sources (web/src, the Vite config, or the API whose OpenAPI document the client is typed
// from). A fresh clone therefore works with `npm ci && npm start`, and an unchanged tree starts at
// once. Chosen over postinstall (skipped by --ignore-scripts, and it would not notice later edits).
// ZHENGGAI_WEB_BUILD=skip serves whatever is there (e.g. an image that built web/dist in a stage).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(web);
const stamp = join(web, 'dist', '.built');

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e.endsWith('.d.ts')) continue; // generated declarations change on every build
    max = Math.max(max, newest(join(path, e)));
  }
  return max;
}

if (process.env.ZHENGGAI_WEB_BUILD === 'skip') process.exit(0);
const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package.json', 'scripts']
  .map((p) => join(web, p))
  .concat([join(repo, 'api'), join(repo, 'package-lock.json')]);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.map(newest));
if (built >= changed) process.exit(0);

if (!existsSync(join(repo, 'node_modules', 'vite'))) {
  if (existsSync(join(web, 'dist', 'index.html'))) {
    console.warn(
      '[web] sources are newer than web/dist but the build tools are not installed (npm ci --omit=dev?): serving the existing build',
    );
    process.exit(0);
  }
  console.error(
    '[web] web/dist is missing and the build tools are not installed: run `npm ci` (with dev dependencies) first',
  );
  process.exit(1);
}
console.log(
  built
    ? '[web] sources changed since the last build: rebuilding the web application…'
    : '[web] building the web application (first start)…',
);
const t0 = Date.now();
const r = spawnSync('npm', ['run', 'build', '--workspace', 'web', '--silent'], { cwd: repo, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    '[web] the web build failed (see above); fix it or set ZHENGGAI_WEB_BUILD=skip to start the API without a fresh build',
  );
  process.exit(r.status ?? 1);
}
console.log(`[web] built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
