// The main path in a real browser with ENGINE=temporal: `temporal server start-dev` (SQLite file), the worker
// process and the demo server (`start --demo`, which starts the demo's item workflows) on one PostgreSQL.
// The office registers and assigns a problem; the village cadre on a 360 px phone accepts it and reports
// progress — each a Workflow Update. Then the administrator's queue page: the engine card says Temporal with
// nothing stuck; a worker running changed workflow code (a determinism failure) leaves an item's workflow
// stuck, and the card turns into an alert naming it (screenshots at 1366 and 360 px).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalStack, TASK_QUEUE, type TemporalStack } from '../../bench/temporal-stack.ts';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../db/embedded.ts';
import { temporalCliPath } from '../support/temporal.ts';
import {
  choose,
  DEMO_PASSWORD,
  DESKTOP,
  launch,
  openAction,
  PHONE,
  shot,
  signIn,
  startDemo,
  statusOf,
  submitAndSee,
} from './support.ts';
import type { Demo } from './support.ts';

const DRIFTED = fileURLToPath(new URL('../temporal/fixtures/drifted.workflow.ts', import.meta.url));
const required = !!process.env.ZG_REQUIRE_TEMPORAL || !!process.env.CI;
if (!temporalCliPath() && required) throw new Error('the Temporal CLI is required here (npm run temporal:install)');

describe.skipIf(!temporalCliPath())('the web application on ENGINE=temporal', () => {
  let dir: string;
  let embedded: EmbeddedServer;
  let stack: TemporalStack;
  let demo: Demo;
  let browser: Browser;
  let itemUrl = '';
  const title = `热线反映：朝阳村李某户危房未改造 ${Date.now().toString(36)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zg-e2e-temporal-'));
    embedded = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
    const admin = new pg.Client({ connectionString: embedded.url('postgres') });
    await admin.connect();
    await admin.query('create database zhenggai_e2e');
    await admin.end();
    const databaseUrl = embedded.url('zhenggai_e2e');
    stack = await startTemporalStack({ databaseUrl, dir, log: (m) => console.log(`[e2e temporal] ${m}`) });
    // The demo's year of history is written first, then its workflows start: minutes on a busy machine.
    demo = await startDemo({ env: { ...stack.apiEnv, DATABASE_URL: databaseUrl }, readyTimeoutMs: 900_000 });
    browser = await launch();
  }, 1_200_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    await stack?.close();
    await embedded?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('office registers and assigns; the village cadre on a phone accepts and reports progress', async () => {
    const office = await browser.newContext(DESKTOP);
    const page = await signIn(office, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="register"]').click();
    const form = page.locator('[data-test="register-form"]');
    await form.waitFor();
    await choose(page, page.locator('[data-test="reg-category"]'), '重点人群未参保');
    await choose(page, form.locator('.el-form-item').filter({ hasText: '问题来源' }).locator('.el-select'), '信访');
    await page.locator('[data-test="reg-title"]').fill(title);
    await page.locator('[data-test="reg-description"]').fill('热线反映朝阳村李某户危房未改造');
    await page.locator('[data-test="reg-submit"]').click();
    await page.waitForURL(/\/items\//, { timeout: 60_000 });
    itemUrl = page.url();
    expect(await statusOf(page)).toBe('待交办');
    await openAction(page, 'assign');
    await choose(page, page.locator('.el-select[data-test="f-unit"]'), '朝阳村');
    await page.locator('[data-test="f-measures"]').fill('入户核实，纳入改造计划');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe('待签收');
    await shot(page, 'temporal-01-office-assigned');
    await office.close();

    const phone = await browser.newContext(PHONE);
    const cadre = await signIn(phone, demo.baseUrl, 'cun01');
    await cadre.goto(itemUrl);
    await cadre.locator('[data-test="item-title"]').waitFor();
    await openAction(cadre, 'accept');
    await cadre.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(cadre), { timeout: 60_000 }).toBe('整改中');
    await openAction(cadre, 'record_progress');
    await cadre.locator('[data-test="f-note"]').fill('已入户核实，列入今年改造计划');
    // Meanwhile the notifier may record the notice of the assignment (a record: the version seen still stands).
    await submitAndSee(cadre, cadre.locator('[data-test="timeline"]').getByText('已入户核实，列入今年改造计划'));
    expect(await cadre.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(cadre, 'temporal-02-village-phone-progress');
    await phone.close();
  }, 240_000);

  it('the queue page shows Temporal, then a stuck workflow as an alert naming its item', async () => {
    const desk = await browser.newContext(DESKTOP);
    const page = await signIn(desk, demo.baseUrl, 'admin');
    await page.goto(`${demo.baseUrl}/admin/notify`);
    const card = page.locator('[data-test="engine-card"]');
    await card.getByText('所有事项工作流运行正常').waitFor({ timeout: 30_000 });
    expect(await card.innerText()).toContain('Temporal');
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'temporal-03-engine-ok-1366', { fullPage: false });

    // A deploy gone wrong: the worker is replaced by one whose workflow code no longer replays the histories.
    await stack.worker.stop();
    const drifted = await Worker.create({
      connection: await NativeConnection.connect({ address: stack.server.address }),
      taskQueue: TASK_QUEUE,
      workflowsPath: DRIFTED,
      activities: { loadEnv: async () => ({}) },
    });
    const running = drifted.run();
    try {
      const itemId = itemUrl.split('/items/')[1]!.split(/[?#]/)[0]!;
      const token = await login(demo.baseUrl, 'zhenban');
      const r = await fetch(`${demo.baseUrl}/api/v1/items/${itemId}/comments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: '请加快进度' }),
      });
      expect(r.status).toBe(503);
      const alert = card.locator('[data-test="engine-stuck"]');
      // Wait for this item's workflow, not for any: the drifted worker also fails other items' tasks (the
      // notifier's records), and Temporal may report those first.
      await expect
        .poll(
          async () => {
            await page.reload();
            await card.locator('.el-card__body').waitFor();
            await page.waitForTimeout(1000);
            return (await alert.isVisible()) && (await card.innerText()).includes(`item-${itemId}`);
          },
          { timeout: 120_000, interval: 3000 },
        )
        .toBe(true);
      expect(await card.innerText()).toContain(`item-${itemId}`);
      expect(await card.innerText()).toContain('代码与历史不一致');
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'temporal-04-engine-stuck-1366', { fullPage: false });

      const phone = await browser.newContext(PHONE);
      const p = await signIn(phone, demo.baseUrl, 'admin');
      await p.goto(`${demo.baseUrl}/admin/notify`);
      await p.locator('[data-test="engine-stuck"]').waitFor({ timeout: 30_000 });
      await p.locator('[data-test="engine-card"]').scrollIntoViewIfNeeded();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await shot(p, 'temporal-05-engine-stuck-360', { fullPage: false });
      await phone.close();
    } finally {
      drifted.shutdown();
      await running;
    }
    await desk.close();
  }, 300_000);
});

async function login(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}
