// The e2e harness: the demo server as a child process on a free port with its own data folder, and
// Chromium (Debian's package) through playwright-core. E2E_BASE_URL reuses a running server instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServerBundle } from '../../bench/server-process.ts';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(import.meta.dirname, '../../test-results/screenshots');
export const DEMO_PASSWORD = 'zhenggai-demo';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The production bundle, as `npm start` runs it (built once per run, from the sources). */
let bundle: string | null = null;

export interface Demo {
  baseUrl: string;
  stop(): Promise<void>;
}

/** `env`: extra settings for the server (e.g. ENGINE=temporal with its DATABASE_URL, which the worker shares). */
export async function startDemo(opts: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {}): Promise<Demo> {
  const readyMs = opts.readyTimeoutMs ?? 240_000;
  if (process.env.E2E_BASE_URL) return { baseUrl: process.env.E2E_BASE_URL, stop: async () => {} };
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'zhenggai-e2e-'));
  // Self-contained: its own embedded PostgreSQL, BullMQ on it, whatever the surrounding environment says.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  Object.assign(env, opts.env);
  const child: ChildProcess = spawn(process.execPath, [(bundle ??= buildServerBundle()), 'start', '--demo'], {
    cwd: join(import.meta.dirname, '../..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b) => {
    out += b;
  });
  child.stderr!.on('data', (b) => {
    out += b;
  });
  const t0 = Date.now();
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('listening on')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`demo server exited (${child.exitCode}):\n${out}`));
      } else if (Date.now() - t0 > readyMs) {
        clearInterval(timer);
        reject(new Error(`demo server not listening after ${readyMs / 1000} s:\n${out}`));
      }
    }, 200);
  });
  try {
    await ready;
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  console.log(`[e2e] demo server on port ${port} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export const DESKTOP = { viewport: { width: 1366, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
export const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
};

/** Every Content-Security-Policy violation a page reported (the app runs under the server's strict CSP). */
export const cspViolations: string[] = [];
const watched = new WeakSet<BrowserContext>();
function watchCsp(ctx: BrowserContext) {
  if (watched.has(ctx)) return;
  watched.add(ctx);
  const watch = (p: Page) =>
    p.on('console', (m) => {
      // A file opened from the app in a new tab (a PDF, api/evidence.ts openAttachment) shows at its blob: URL in
      // Chromium's own viewer, a document that inherits our policy and whose built-in inline styles it refuses:
      // the browser's page, not ours.
      if (p.url().startsWith('blob:')) return;
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${p.url()}: ${m.text()}`);
    });
  for (const p of ctx.pages()) watch(p);
  ctx.on('page', watch);
}

export async function signIn(
  ctx: BrowserContext,
  baseUrl: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<Page> {
  watchCsp(ctx);
  const page = await ctx.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}) {
  await page.waitForTimeout(250); // let transitions settle
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: opts.fullPage ?? true });
}

/** Pick an option of an Element Plus select/tree-select whose trigger is `trigger`; checks the choice took
 * (a click during the previous dropdown's closing animation can miss) and tries again if not. */
export async function choose(page: Page, trigger: ReturnType<Page['locator']>, option: string) {
  for (let attempt = 1; ; attempt++) {
    await trigger.click();
    const item = page
      .locator('.el-select-dropdown__item:visible, .el-tree-node__content:visible')
      .filter({ hasText: option })
      .first();
    await item.click();
    await page.waitForTimeout(300);
    if ((await trigger.innerText()).includes(option)) return;
    if (attempt === 3) throw new Error(`could not choose "${option}": the select shows "${await trigger.innerText()}"`);
    await page.keyboard.press('Escape');
  }
}

/** Open an item action dialog and return its form. */
export async function openAction(page: Page, action: string) {
  await page.locator(`[data-test="act-${action}"]`).click();
  const form = page.locator(`[data-test="form-${action}"]`);
  await form.waitFor();
  return form;
}

/**
 * Submit the open action dialog and wait for `shown`; when the dialog says a refusal or the page asks to
 * reload a stale item instead, fail with what it said (a bare timeout would hide why).
 */
export async function submitAndSee(page: Page, shown: Locator, timeout = 60_000) {
  await page.locator('[data-test="action-submit"]').click();
  const refusal = page.locator('[data-test="action-error"], .el-message-box').first();
  await shown.or(refusal).first().waitFor({ timeout });
  if (!(await shown.isVisible())) throw new Error(`instead, the page said: ${(await refusal.innerText()).trim()}`);
}

export async function statusOf(page: Page) {
  return (await page.locator('[data-test="item-status"]').innerText()).trim();
}

export function cleanShots() {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
}
