// Every role through the web application, in a real browser against the demo: the office registers
// and assigns; the village cadre (on a 360 px phone) accepts, reports progress and requests sign-off;
// the lead department rejects, meets a stale version, then approves; the inspector rechecks; the
// monthly report (月报) is filed on a phone, returned by the office and accepted. Plus the
// ledger's filters and pagination, the dashboard's click-through, the profile's password change,
// a reader without actions, administration, and the keyboard; an acceptance round from creation through
// score entry, publication (once), bulletin and correction to a closed accountability record; group
// robots and the queues; notification preferences. Screenshots go to test-results/screenshots.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../support/photos.ts';
import {
  choose,
  cspViolations,
  cleanShots,
  DEMO_PASSWORD,
  DESKTOP,
  launch,
  openAction,
  PHONE,
  shot,
  signIn,
  startDemo,
  statusOf,
  type Demo,
} from './support.ts';

let demo: Demo;
let browser: Browser;
let itemUrl = '';
const title = `信访反映：朝阳村王某户未参加医保 ${Date.now().toString(36)}`;

beforeAll(async () => {
  cleanShots();
  demo = await startDemo();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** A generated JPEG (640×480) chosen in the action form's file input, waited for until uploaded. */
async function attachPhoto(page: Page, name: string, seed: number) {
  const before = await page.locator('[data-test="evidence-done"]').count();
  await page
    .locator('[data-test="f-evidence-file"]')
    .setInputFiles({ name, mimeType: 'image/jpeg', buffer: await photo(seed, { width: 640, height: 480 }) });
  await expect.poll(() => page.locator('[data-test="evidence-done"]').count()).toBe(before + 1);
}

/**
 * Opens an action form, fills it and sends it until the item shows `status`. The system may append to
 * the item meanwhile (notices are recorded on the trail asynchronously after a command): the form then
 * meets a stale version, says so, and the user reloads and sends it again — at most three times.
 */
async function actUntil(
  page: Page,
  action: string,
  fill: () => Promise<void>,
  status: string,
  beforeSend?: () => Promise<void>,
) {
  for (let attempt = 1; ; attempt++) {
    await openAction(page, action);
    await fill();
    if (beforeSend) await beforeSend();
    await page.locator('[data-test="action-submit"]').click();
    const done = page.locator('[data-test="item-status"]').filter({ hasText: status });
    const stale = page.locator('.el-message-box').getByText('该问题已被他人更新', { exact: true });
    await done.or(stale).first().waitFor();
    if (await done.isVisible()) return;
    expect(attempt).toBeLessThan(3);
    console.log(`[e2e] ${action} met a stale version (a system event landed first); reloading and sending again`);
    await page.locator('.el-message-box').getByRole('button', { name: '重新加载' }).click();
    await page.locator('.el-message-box').waitFor({ state: 'hidden' });
  }
}

async function item(page: Page) {
  await page.goto(itemUrl);
  await page.locator('[data-test="item-title"]').waitFor();
}

describe('the web application', () => {
  it('office: signs in, sees the workbench and ledger, registers and assigns a problem', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await expect.poll(() => page.locator('[data-test="card-toAssign"]').isVisible()).toBe(true);
    await page.locator('[data-test="card-toReview"] .count').filter({ hasText: '件' }).waitFor();
    await shot(page, '01-office-workbench');

    // First load of the ledger page: navigation until the rows are on screen.
    const t0 = Date.now();
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    const ledgerMs = Date.now() - t0;
    console.log(
      `[e2e] ledger first load (navigation → rows visible, demo data, loopback): ${ledgerMs} ms (target < 1000 ms)`,
    );
    await expect.poll(async () => page.locator('[data-test="total"]').innerText()).toMatch(/共 \d+ 条/);
    await shot(page, '02-office-ledger');
    await shot(page, 'readme-ledger', { fullPage: false });

    await page.locator('[data-test="register"]').click();
    const form = page.locator('[data-test="register-form"]');
    await form.waitFor();
    await page.locator('[data-test="reg-submit"]').click(); // empty: Chinese validation, nothing sent
    await expect.poll(() => form.innerText()).toContain('请填写问题标题');
    await choose(page, page.locator('[data-test="reg-category"]'), '重点人群未参保');
    await choose(page, form.locator('.el-form-item').filter({ hasText: '问题来源' }).locator('.el-select'), '信访');
    await page.locator('[data-test="reg-title"]').fill(title);
    await page.locator('[data-test="reg-description"]').fill('群众来信反映朝阳村王某户脱贫人口未参加城乡居民医保');
    await form.getByLabel('户主/反映人').fill('王建国');
    await form.getByLabel('联系电话').fill('13812345678');
    await shot(page, '03-office-register');
    await page.locator('[data-test="reg-submit"]').click();
    await page.waitForURL(/\/items\//);
    itemUrl = page.url();
    expect(await statusOf(page)).toBe('待交办');

    const assign = await openAction(page, 'assign');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => assign.innerText()).toContain('请选择责任单位');
    await choose(page, page.locator('.el-select[data-test="f-unit"]'), '朝阳村');
    await page.locator('[data-test="f-measures"]').fill('入户动员参保，落实分类资助');
    await shot(page, '04-office-assign');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(page)).toBe('待签收');
    await expect
      .poll(() => page.locator('[data-test="deadline-text"]').first().innerText())
      .toMatch(/剩余 \d+ 个工作日|今天到期/);
    await shot(page, '05-office-item-assigned');
    await ctx.close();
  });

  it('village cadre on a 360 px phone: accepts, reports progress and requests sign-off', async () => {
    const ctx = await browser.newContext(PHONE);
    const page = await signIn(ctx, demo.baseUrl, 'cun01');
    const card = page.locator('[data-test="card-toAssign"], [data-test="card-toAccept"]').first();
    await card.waitFor();
    await page.locator('[data-test="card-toAccept"]').getByText(title).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360); // no sideways scrolling on the phone
    await shot(page, '06-village-phone-workbench');

    // The assignment reaches the village's inbox (delivered asynchronously after the command): the
    // header bell shows the unread count, the notice opens the item.
    await page.locator('.bell .el-badge__content').waitFor();
    await page.locator('[data-test="notices-bell"]').click();
    await page.waitForURL(/\/notices$/);
    const notice = page
      .locator('[data-test="notice"]')
      .filter({ hasText: '【交办】' })
      .filter({ hasText: title.slice(-6) });
    await expect
      .poll(
        async () => {
          if (await notice.count()) return true;
          await page.reload();
          await page.locator('[data-test="notices-list"]').waitFor();
          await page.waitForTimeout(500);
          return (await notice.count()) > 0;
        },
        { timeout: 45_000, interval: 1000 },
      )
      .toBe(true);
    expect(await notice.evaluate((li) => li.classList.contains('unread'))).toBe(true);
    const unreadBefore = await page.locator('[data-test="notices-unread"]').innerText();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, '06b-village-phone-notices', { fullPage: false });
    await notice.locator('button.notice').click();
    await page.waitForURL(/\/items\//);
    await page.locator('[data-test="item-title"]').waitFor();
    await page.goto(`${demo.baseUrl}/notices`);
    await expect.poll(() => page.locator('[data-test="notices-unread"]').innerText()).not.toBe(unreadBefore);
    await page.goto(`${demo.baseUrl}/`);
    await page.locator('[data-test="card-toAccept"]').getByText(title).click();
    await page.locator('[data-test="item-title"]').waitFor();
    await shot(page, '07-village-phone-item');

    await openAction(page, 'accept');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(page)).toBe('整改中');

    await openAction(page, 'record_progress');
    await page.locator('[data-test="f-note"]').fill('已入户动员，户主同意参保');
    // On the phone three pickers: the camera (capture), the gallery (photos and videos) and the files
    // (PDF, Word, Excel) — the photo uploads at once.
    const input = (k: string) => page.locator(`[data-test="f-evidence-${k}"]`);
    expect(await input('camera').getAttribute('accept')).toBe('image/*');
    expect(await input('camera').getAttribute('capture')).toBe('environment');
    expect(await input('file').getAttribute('accept')).toBe('image/*,video/*');
    expect(await input('file').getAttribute('capture')).toBeNull();
    expect(await input('doc').getAttribute('accept')).toContain('.docx');
    expect(await input('doc').getAttribute('accept')).toContain('.xlsx');
    expect(await input('doc').getAttribute('accept')).toContain('application/pdf');
    await attachPhoto(page, '入户照片.jpg', 101);
    await page.locator('[data-test="evidence-list"]').getByText('入户照片.jpg').waitFor();
    await shot(page, '08-village-phone-progress');
    await page.locator('[data-test="action-submit"]').click();
    await page.locator('[data-test="timeline"]').getByText('已入户动员，户主同意参保').waitFor();
    // The timeline shows the photo as a thumbnail (fetched with the token) and its name as a link.
    const thumb = page.locator('[data-test="timeline"] [data-test="evidence-thumb"]').first();
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await page.locator('[data-test="timeline"]').getByText('入户照片.jpg').waitFor();
    // Opening the photo shows it full size in the app's own viewer, fetched for that viewing only (the page keeps
    // no full-size photo): closed, its blob: URL no longer reads.
    const fullSize: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (/\/api\/v1\/attachments\/[^/]+$/.test(new URL(r.url()).pathname)) fullSize.push(r.url());
    };
    page.on('request', onRequest);
    // Read back as an image (the policy lets images, not fetch, load blob: URLs).
    const loads = (url: string) =>
      page.evaluate(
        (u) =>
          new Promise<boolean>((resolve) => {
            const img = new Image();
            img.onload = () => resolve(true);
            img.onerror = () => resolve(false);
            img.src = u;
          }),
        url,
      );
    for (const n of [1, 2]) {
      await page.locator('[data-test="timeline"]').getByText('入户照片.jpg').click();
      const photo = page.locator('.el-image-viewer__wrapper img.el-image-viewer__img');
      await photo.waitFor();
      await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      const src = (await photo.getAttribute('src'))!;
      expect(src).toMatch(/^blob:/);
      expect(await loads(src)).toBe(true);
      if (n === 1) await shot(page, '08b-village-phone-photo', { fullPage: false });
      await page.locator('.el-image-viewer__close').click();
      await page.locator('.el-image-viewer__wrapper').waitFor({ state: 'detached' });
      expect(await loads(src), 'a closed photo is let go').toBe(false);
      expect(fullSize).toHaveLength(n);
    }
    page.off('request', onRequest);

    const submit = await openAction(page, 'submit');
    await page.locator('[data-test="f-summary"]').fill('已参保缴费');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => submit.innerText()).toContain('申请销号须附佐证材料');
    await attachPhoto(page, '参保缴费凭证.jpg', 102);
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(page)).toBe('待审核');
    await page.locator('.el-descriptions [data-test="evidence-files"]').getByText('参保缴费凭证.jpg').waitFor();
    await shot(page, '09-village-phone-submitted');
    await page.waitForTimeout(3000); // let the success messages fade
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'readme-phone-item', { fullPage: false });

    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-cards"] .m-card').first().waitFor();
    await shot(page, '10-village-phone-ledger');
    await ctx.close();
  });

  it('lead department: rejects (with a reason), meets a stale version, approves the resubmission', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'laobao');
    await expect
      .poll(async () =>
        Number((await page.locator('[data-test="card-toReview"] .count').innerText()).match(/\d+/)?.[0] ?? 0),
      )
      .toBeGreaterThan(0);
    await shot(page, '10b-lead-workbench');
    await item(page);
    const reject = await openAction(page, 'reject');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => reject.innerText()).toContain('请填写退回理由');

    // Meanwhile someone else changes the item: the form's version is stale → 412 → reload offered.
    const id = itemUrl.split('/').pop()!;
    const login = await ctx.request.post(`${demo.baseUrl}/api/v1/auth/login`, {
      data: { username: 'zhenban', password: 'zhenggai-demo' },
    });
    const token = (await login.json()).token as string;
    const c = await ctx.request.post(`${demo.baseUrl}/api/v1/items/${id}/comments`, {
      data: { text: '请劳保所尽快审核' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(c.status()).toBe(200);
    await page.locator('[data-test="f-reason"]').fill('缺少户主签字确认');
    await page.locator('[data-test="action-submit"]').click();
    const box = page.locator('.el-message-box');
    await box.getByText('该问题已被他人更新', { exact: true }).waitFor();
    await shot(page, '11-lead-stale-version');
    await box.getByRole('button', { name: '重新加载' }).click();
    await page.locator('[data-test="timeline"]').getByText('请劳保所尽快审核').waitFor();

    await openAction(page, 'reject');
    await page.locator('[data-test="f-reason"]').fill('缺少户主签字确认');
    await page.locator('[data-test="action-submit"]').click();
    await expect.poll(() => statusOf(page)).toBe('整改中');
    await shot(page, '12-lead-rejected');

    // The village resubmits (through the API, as in the previous step's form), the lead approves.
    const v = await ctx.request.post(`${demo.baseUrl}/api/v1/auth/login`, {
      data: { username: 'cun01', password: 'zhenggai-demo' },
    });
    const vt = (await v.json()).token as string;
    // Its photo says it was taken in 2025, before the problem was reported: the paper sign-off guard warns.
    const up = await ctx.request.post(`${demo.baseUrl}/api/v1/items/${id}/attachments?purpose=submission`, {
      multipart: {
        file: {
          name: '签字确认.jpg',
          mimeType: 'image/jpeg',
          buffer: await photo(103, { width: 640, height: 480, takenAt: '2025-03-01T02:00:00Z' }),
        },
      },
      headers: { authorization: `Bearer ${vt}` },
    });
    expect(up.status()).toBe(201);
    const evidence = ((await up.json()).attachments as { id: string }[]).map((a) => a.id);
    const s = await ctx.request.post(`${demo.baseUrl}/api/v1/items/${id}/submit`, {
      data: { summary: '已补充户主签字', evidence },
      headers: { authorization: `Bearer ${vt}` },
    });
    expect(s.status()).toBe(200);
    await page.reload();
    await expect.poll(() => statusOf(page)).toBe('待审核');
    const warnings = page.locator('[data-test="evidence-warnings"]');
    // The guard runs right after the command when the photo's facts are ready, else as a job on the evidence
    // queue moments later: the page shows it once reloaded after that.
    await expect
      .poll(
        async () => {
          if (await warnings.getByText('照片拍摄早于登记').isVisible()) return true;
          await page.reload();
          await statusOf(page);
          return warnings.getByText('照片拍摄早于登记').isVisible();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(true);
    await page.locator('[data-test="evidence-warning-tag"]').waitFor();
    await warnings.locator('[data-test="evidence-thumb"]').waitFor();
    // Times in the warning are said in Shanghai time, not as raw ISO instants.
    const warningText = await warnings.innerText();
    expect(warningText).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(warningText).toContain('2025-03-01 10:00');
    await shot(page, '12b-lead-evidence-warning');
    // The reviewer checked the original and dismisses the warning with a reason, which stays on record.
    await warnings.locator('[data-test="dismiss-warning-photo_before_report"]').click();
    const prompt = page.locator('.el-message-box');
    await prompt.locator('input').fill('签字确认书为原件翻拍，原件日期核实无误');
    await prompt.getByRole('button', { name: '排除预警' }).click();
    await warnings.getByText(/已于 .* 排除：签字确认书为原件翻拍/).waitFor();
    await shot(page, '12c-lead-warning-dismissed');
    await expect.poll(() => page.locator('[data-test="evidence-warning-tag"]').count()).toBe(0);
    await actUntil(
      page,
      'approve',
      async () => {
        await page.locator('[data-test="f-note"]').fill('同意销号');
      },
      '已销号',
    );
    await ctx.close();
  });

  it('inspector: the county 信访局 rechecks the closed petition item (000 §七); it is verified', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'xinfang');
    await page.locator('[data-test="card-toRecheck"]').waitFor();
    await item(page);
    await page
      .locator('.el-descriptions')
      .getByText(/信访件必复核/)
      .waitFor();
    await actUntil(
      page,
      'recheck',
      async () => {
        await page.locator('[data-test="f-findings"]').fill('入户核实，已参保缴费，属实');
      },
      '已核实',
      () => shot(page, '13-inspector-recheck'),
    );
    const timeline = await page.locator('[data-test="timeline"]').innerText();
    for (const step of [
      '登记问题',
      '交办',
      '签收',
      '报告进展',
      '申请销号',
      '退回',
      '审核通过（销号）',
      '复核通过',
      '核实办结',
    ])
      expect(timeline).toContain(step);
    await page.getByRole('button', { name: '校验留痕' }).click();
    await page.getByText(/留痕完整/).waitFor();
    await shot(page, '14-inspector-verified-timeline');
    await ctx.close();
  });

  it('a reader (纪委) sees the item but no actions', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'jijian');
    await item(page);
    await page.locator('[data-test="no-actions"]').waitFor();
    expect(await page.locator('[data-test^="act-"]').count()).toBe(0);
    await ctx.close();
  });

  it('ledger: filters in the address bar, saved filters, columns, cursor pages', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    const total = Number((await page.locator('[data-test="total"]').innerText()).match(/\d+/)![0]);
    expect(total).toBeGreaterThan(50); // the demo has ~200 items: more than one page
    await page.locator('[data-test="next"]').click();
    await page.getByText('第 2 页').waitFor();
    await page.locator('[data-test="prev"]').click();
    await page.getByText('第 1 页').waitFor();

    await page.locator('[data-test="filter-q"]').fill(title);
    await page.locator('[data-test="search"]').click();
    await page.waitForURL(/q=/);
    await expect.poll(async () => page.locator('[data-test="ledger-row"]').count()).toBe(1);
    await page.locator('[data-test="saved-filters"]').click();
    await page.locator('[data-test="save-filter"]').click();
    await page.locator('[data-test="filter-name"]').fill('王某户');
    await page.locator('[data-test="filter-save"]').click();
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="saved-filters"]').click();
    await page.locator('.el-dropdown-menu__item').filter({ hasText: '王某户' }).first().click();
    await page.waitForURL(/q=/);
    await expect.poll(async () => page.locator('[data-test="ledger-row"]').count()).toBe(1);

    await page.locator('[data-test="columns"]').click();
    await page.locator('.el-popover .el-checkbox').filter({ hasText: '登记时间' }).click();
    await page.keyboard.press('Escape');
    await page.locator('[data-test="ledger-table"] th').filter({ hasText: '登记时间' }).waitFor();
    await page.reload(); // the column choice is kept
    await page.locator('[data-test="ledger-table"] th').filter({ hasText: '登记时间' }).waitFor();

    await page.goto(`${demo.baseUrl}/ledger?overdue=true&status=assigned,in_progress`);
    await page.locator('[data-test="ledger-table"]').waitFor();
    await page.waitForTimeout(500);
    const texts = await page.locator('[data-test="ledger-table"] [data-test="deadline-text"]').allInnerTexts();
    for (const x of texts) expect(x).toMatch(/已逾期 \d+ 天/);
    await shot(page, '15-ledger-overdue-filter');
    await ctx.close();
  });

  it('ledger Excel: the office exports the filtered ledger and imports a list (dry run names the bad row first)', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/ledger?overdue=true`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    await expect.poll(async () => page.locator('[data-test="total"]').innerText()).toMatch(/共 \d+ 条/);
    const total = Number((await page.locator('[data-test="total"]').innerText()).match(/\d+/)![0]);
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test="ledger-export"]').click(),
    ]);
    expect(file.suggestedFilename()).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await file.path())!);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(3).getCell(4).text).toBe('问题描述');
    expect(ws.actualRowCount - 3).toBe(total); // title, 截至日期 and header rows, then one row per overdue item

    const stamp = Date.now().toString(36);
    const good = `朝阳村村道路灯不亮 ${stamp}`;
    const sheet = (rows: string[]) => Buffer.from(`\ufeff序号,问题描述,责任单位,整改时限\r\n${rows.join('\r\n')}\r\n`);
    await page.locator('[data-test="ledger-import"]').click();
    await page.locator('[data-test="import-file"]').setInputFiles({
      name: '问题清单.csv',
      mimeType: 'text/csv',
      buffer: sheet([`1,${good},朝阳村,2026-12-31`, `2,某村水渠堵塞 ${stamp},不存在村,2026-12-31`]),
    });
    await page.locator('[data-test="import-dry-run"]').click();
    await expect
      .poll(() => page.locator('[data-test="import-totals"]').innerText())
      .toContain('共 2 行：可导入 1 行，有错误 1 行');
    await page.locator('[data-test="import-rows"]').getByText('不存在村').waitFor();
    expect(await page.locator('[data-test="import-commit"]').isDisabled()).toBe(true); // all or nothing
    await shot(page, '15b-ledger-import-dry-run');
    await page
      .locator('[data-test="import-file"]')
      .setInputFiles({ name: '问题清单.csv', mimeType: 'text/csv', buffer: sheet([`1,${good},朝阳村,2026-12-31`]) });
    await page.locator('[data-test="import-dry-run"]').click();
    await expect
      .poll(() => page.locator('[data-test="import-totals"]').innerText())
      .toContain('可导入 1 行，有错误 0 行');
    await page.locator('[data-test="import-commit"]').click();
    await page.getByText('已导入 1 条问题').waitFor();
    await page.goto(`${demo.baseUrl}/ledger?q=${encodeURIComponent(stamp)}`);
    await expect.poll(async () => page.locator('[data-test="ledger-row"]').count()).toBe(1);

    // A list of more than 200 rows is committed by a background job; the dialog follows its progress.
    const big = Array.from(
      { length: 230 },
      (_, i) => `${i + 1},村级光伏电站收益未公示 ${stamp}-批量-${i + 1},朝阳村,2026-12-31`,
    );
    await page.locator('[data-test="ledger-import"]').click();
    await page
      .locator('[data-test="import-file"]')
      .setInputFiles({ name: '第三方评估问题清单.csv', mimeType: 'text/csv', buffer: sheet(big) });
    await page.locator('[data-test="import-dry-run"]').click();
    await expect
      .poll(() => page.locator('[data-test="import-totals"]').innerText())
      .toContain('可导入 230 行，有错误 0 行');
    await page.locator('[data-test="import-commit"]').click();
    await page.getByText('已导入 230 条问题').waitFor({ timeout: 90_000 });
    await page.goto(`${demo.baseUrl}/ledger?q=${encodeURIComponent(`${stamp}-批量`)}`);
    await expect.poll(async () => page.locator('[data-test="total"]').innerText()).toContain('共 230 条');
    await ctx.close();
  });

  it('dashboard: figures and charts, each number opens the ledger behind it', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/dashboard`);
    await page.locator('[data-test="tile-total"]').waitFor();
    await page.locator('canvas').first().waitFor();
    await page.waitForTimeout(800);
    await shot(page, '16-dashboard');
    await shot(page, 'readme-dashboard', { fullPage: false });
    const overdue = Number(await page.locator('[data-test="tile-overdue"] .tile-value').innerText());
    await page.locator('[data-test="tile-overdue"]').click();
    await page.waitForURL(/\/ledger\?.*overdue=true/);
    await expect.poll(async () => page.locator('[data-test="total"]').innerText()).toBe(`共 ${overdue} 条`);
    await ctx.close();
  });

  it('月报: a village cadre on a phone fills and submits; the office returns it with a reason (meeting a stale version), the village resubmits, the office accepts', async () => {
    // The village (朝阳村) on a phone: the workbench says this month's report is due.
    const vctx = await browser.newContext(PHONE);
    const v = await signIn(vctx, demo.baseUrl, 'cun01');
    const mine = v.locator('[data-test="wb-report-mine"]');
    await mine.waitFor();
    expect(await mine.locator('[data-test="report-status"]').innerText()).toBe('待报送');
    await shot(v, '19b-village-phone-workbench-report');
    await mine.getByText('去填报').click();
    const form = v.locator('[data-test="report-form"]');
    await form.waitFor();
    const reportUrl = v.url();
    expect(reportUrl).toMatch(/\/reports\/[0-9a-f-]{36}\/\d{4}-\d{2}\/units\/[0-9a-f-]{36}$/);
    await expect.poll(() => v.locator('[data-test="stats-note"]').innerText()).toContain('预览');
    // Empty: said in Chinese next to the field, nothing sent.
    await v.locator('[data-test="report-draft"]').click();
    await expect.poll(() => form.innerText()).toContain('请填写本月进展');
    await v.locator('[data-test="r-progress"]').fill('本月排查新增问题 3 个，已整改 2 个；入户核查医保参保情况。');
    await v.locator('[data-test="r-problems"]').fill('个别农户外出务工，核查不及时。');
    await v.locator('[data-test="r-next"]').fill('下月完成剩余问题整改并对账销号。');
    await attachPhoto(v, '入户核查照片.jpg', 2031); // a photo from the phone's camera goes with the report
    await v.locator('[data-test="report-draft"]').click();
    await expect.poll(() => v.locator('[data-test="report-status"]').first().innerText()).toBe('草稿');
    // The draft is kept on the server, with its file: a reload shows both.
    await v.reload();
    await expect.poll(() => v.locator('[data-test="r-progress"]').inputValue()).toContain('入户核查医保参保情况');
    await v.locator('[data-test="report-files"]').getByText('入户核查照片.jpg').waitFor();
    expect(await v.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(v, '20-village-phone-report-draft');
    await v.locator('[data-test="report-submit"]').click();
    await v.locator('.el-message-box').getByRole('button', { name: '提交月报' }).click();
    await expect.poll(() => v.locator('[data-test="report-status"]').first().innerText()).toBe('已报送待审核');
    expect(await v.locator('[data-test="report-standing"]').first().innerText()).toBe('按时报送');
    await expect.poll(() => v.locator('[data-test="stats-note"]').innerText()).toContain('之后不再变化');
    expect(await v.locator('[data-test="report-form"]').count()).toBe(0); // submitted: read only
    expect(await v.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(v, '21-village-phone-report-submitted');

    // The office (督查考评办) on the board: 朝阳村 has reported on time.
    const octx = await browser.newContext(DESKTOP);
    const o = await signIn(octx, demo.baseUrl, 'ducha');
    await o.locator('[data-test="wb-report-office"]').waitFor();
    await shot(o, '22-office-workbench-report');
    await o.locator('[data-test="wb-report-office"] a.title').click();
    const boardTable = o.locator('[data-test="board-table"]');
    await boardTable.locator('.el-table__row').first().waitFor();
    await o.locator('[data-test="board-search"]').fill('朝阳');
    await expect.poll(() => boardTable.locator('.el-table__row').count()).toBe(1);
    const row = boardTable.locator('.el-table__row').first();
    expect(await row.locator('[data-test="report-status"]').innerText()).toBe('已报送待审核');
    expect(await row.locator('[data-test="report-standing"]').innerText()).toBe('按时报送');
    await o.locator('[data-test="board-search"]').fill('');
    await shot(o, '23-office-report-board');
    await o.locator('[data-test="board-search"]').fill('朝阳');
    await row.getByRole('link', { name: '朝阳村' }).click();
    await o.locator('[data-test="report-narrative"]').getByText('入户核查医保参保情况', { exact: false }).waitFor();
    expect(o.url()).toBe(reportUrl);

    // A second office tab meanwhile returns it: this tab's accept meets a stale version and offers to reload.
    const o2 = await octx.newPage();
    await o2.goto(reportUrl);
    await o2.locator('[data-test="report-return"]').click();
    await o2.locator('[data-test="review-submit"]').click(); // empty reason: said in Chinese
    await expect.poll(() => o2.locator('[data-test="form-report-return"]').innerText()).toContain('请填写退回原因');
    await o2.locator('[data-test="r-reason"]').fill('本月新增问题数与台账不一致，请核对后重新报送。');
    await shot(o2, '24-office-report-return');
    await o2.locator('[data-test="review-submit"]').click();
    await expect.poll(() => o2.locator('[data-test="report-status"]').first().innerText()).toBe('已退回');
    await o2.close();
    await o.locator('[data-test="report-accept"]').click();
    await o.locator('[data-test="review-submit"]').click();
    const box = o.locator('.el-message-box');
    await box.getByText('该月报已被他人更新', { exact: false }).waitFor();
    await shot(o, '25-office-report-stale');
    await box.getByRole('button', { name: '重新加载' }).click();
    await expect.poll(() => o.locator('[data-test="report-status"]').first().innerText()).toBe('已退回');
    expect(await o.locator('[data-test="report-accept"]').count()).toBe(0); // nothing to review now

    // The village sees the reason and resubmits.
    await v.reload();
    const returned = v.locator('[data-test="report-returned"]');
    await returned.getByText('本月新增问题数与台账不一致').waitFor();
    expect(await v.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(v, '26-village-phone-report-returned');
    await v.locator('[data-test="r-progress"]').fill('本月排查新增问题 4 个（已与台账核对），已整改 2 个。');
    await v.locator('[data-test="report-submit"]').click();
    await v.locator('.el-message-box').getByRole('button', { name: '提交月报' }).click();
    await expect.poll(() => v.locator('[data-test="report-status"]').first().innerText()).toBe('已报送待审核');
    // Timeliness is judged on the first submission: still on time.
    expect(await v.locator('[data-test="report-standing"]').first().innerText()).toBe('按时报送');
    await v.locator('[data-test="report-history"]').getByText('退回修改').waitFor();

    // The office accepts it.
    await o.reload();
    await o.locator('[data-test="report-accept"]').click();
    await o.locator('[data-test="r-note"]').fill('同意');
    await o.locator('[data-test="review-submit"]').click();
    await expect.poll(() => o.locator('[data-test="report-status"]').first().innerText()).toBe('已审核通过');
    await shot(o, '27-office-report-accepted');
    await v.reload();
    await expect.poll(() => v.locator('[data-test="report-status"]').first().innerText()).toBe('已审核通过');
    expect(await v.locator('[data-test="report-form"]').count()).toBe(0);
    await shot(v, '28-village-phone-report-accepted');
    // The village's periods: this month accepted, the earlier months as the demo filed them.
    await v.goto(`${demo.baseUrl}/reports`);
    const periods = v.locator('[data-test="my-reports"] li');
    await periods.first().waitFor();
    expect(await periods.count()).toBeGreaterThan(1);
    expect(await periods.first().locator('[data-test="report-status"]').innerText()).toBe('已审核通过');
    expect(await v.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(v, '29-village-phone-report-periods');
    // A report outside the village's scope (or not there at all) is said so, in Chinese.
    await v.goto(reportUrl.replace(/units\/[0-9a-f-]{36}$/, 'units/00000000-0000-4000-8000-000000000000'));
    await v.getByText('月报不存在或不在您的管辖范围内').waitFor();

    // 镇乡村振兴办 both runs the campaign (sees the board) and reports as a lead department (fills its own).
    const zctx = await browser.newContext(DESKTOP);
    const z = await signIn(zctx, demo.baseUrl, 'zhenban');
    await z.goto(`${demo.baseUrl}/reports`);
    await z.locator('[data-test="report-board"] .el-table__row').first().waitFor();
    const own = z.locator('[data-test="my-reports"] li').first();
    await own.waitFor();
    await shot(z, '30-office-lead-reports');
    await own.locator('a').first().click();
    await z.locator('[data-test="report-form"]').waitFor(); // its own report: it may write it
    await zctx.close();
    await octx.close();
    await vctx.close();
  });

  it('验收与排名: the office reads the ranking per peer group, each score explained, and downloads the bulletin', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/rankings`);
    const table = page.locator('[data-test="ranking-table"]').first();
    await table.locator('.el-table__row').first().waitFor();
    await expect.poll(() => page.locator('[data-test="ranking-meta"]').innerText()).toContain('已发布');
    expect(await page.locator('[data-test="ranking-table"]').count()).toBeGreaterThan(0);
    // 通报表扬 and 倒数第一 beside the names, as the bulletin words them (domain/ranking/marks.ts)
    const marked = async (mark: string) =>
      (await page.locator(`.el-table__row:has([data-test="${mark}"]) td:nth-child(3)`).allInnerTexts()).map((x) =>
        x.replace(/通报表扬|倒数第一|一票否决/g, '').trim(),
      );
    const login = await fetch(`${demo.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'zhenban', password: DEMO_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const api = async (path: string) =>
      (await fetch(`${demo.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const campaign = (await api('/campaigns')).campaigns[0].id;
    const round = (await api(`/campaigns/${campaign}/rounds`)).rounds
      .filter((r: { status: string }) => r.status === 'published')
      .at(-1).id;
    const bulletin = await api(`/rounds/${round}/bulletin`);
    expect((await marked('mark-praised')).sort()).toEqual(bulletin.praised.map((x: { name: string }) => x.name).sort());
    expect((await marked('mark-last')).sort()).toEqual(
      bulletin.criticised
        .filter((x: { reason: string }) => x.reason.endsWith('倒数第一'))
        .map((x: { name: string }) => x.name)
        .sort(),
    );
    await table.locator('.el-table__expand-icon').first().click();
    const why = page.locator('[data-test="explanation"]').first();
    await why.waitFor();
    expect(await why.innerText()).toMatch(/\d+ \/ \d+/); // numerator / denominator per indicator
    await shot(page, '16b-rankings');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test="bulletin-docx"]').click(),
    ]);
    expect(file.suggestedFilename()).toMatch(/\.docx$/);
    const bytes = readFileSync((await file.path())!);
    expect(bytes.subarray(0, 2).toString()).toBe('PK'); // a Word (OOXML) package
    await ctx.close();
  });

  it('acceptance round: the office creates it, the inspector scores, the office publishes once (again is refused), reads and downloads the bulletin, corrects it and closes an accountability record', async () => {
    const office = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    const page = await signIn(office, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/rankings`);
    await page.locator('[data-test="ranking-table"]').first().waitFor();
    await page.locator('[data-test="round-create"]').click();
    const form = page.locator('[data-test="round-form"]');
    await form.waitFor();
    const field = (label: string) =>
      form
        .locator('.el-form-item')
        .filter({ has: page.locator('label.el-form-item__label', { hasText: new RegExp(`^${label}$`) }) });
    const pickDate = async (label: string, date: string) => {
      const input = field(label).locator('input');
      await input.fill(date);
      await input.press('Enter');
    };
    // Empty: each required field says so, in Chinese, next to it.
    await page.locator('[data-test="round-form-submit"]').click();
    await expect.poll(() => form.innerText()).toContain('请填写轮次名称');
    await expect.poll(() => field('重点专项').innerText()).toContain('请选择重点专项');
    // A period overlapping the demo's 2026 rounds: the API's refusal lands on the start date.
    const name = '2025年第四季度验收';
    await field('轮次名称').locator('input').fill(name);
    await pickDate('验收期间开始', '2026-05-01');
    await pickDate('验收期间结束', '2026-05-31');
    await choose(page, field('重点专项').locator('.el-select__wrapper'), '重点人群未参保');
    await page.locator('.el-dialog__header').filter({ hasText: '新建验收轮次' }).click(); // closes the dropdown
    await page.locator('[data-test="round-form-submit"]').click();
    await expect.poll(() => field('验收期间开始').locator('.el-form-item__error').innerText()).toContain('重叠');
    await shot(page, '17a-round-create-overlap');
    await pickDate('验收期间开始', '2025-10-01');
    await pickDate('验收期间结束', '2025-12-31');
    await form.locator('.el-checkbox').filter({ hasText: '回头看轮次' }).click();
    await page.locator('[data-test="round-form-submit"]').click();
    await page.getByText(`已新建验收轮次“${name}”`).waitFor();
    await expect.poll(() => page.locator('[data-test="round-select"]').innerText()).toContain(name);
    await expect.poll(() => page.locator('[data-test="ranking-meta"]').innerText()).toContain('未发布');

    // 回头看: the office draws closed items of the focus category again for a recheck, once.
    await page.locator('[data-test="lookback-open"]').click();
    const lb = page.locator('[data-test="lookback-form"]');
    await lb.waitFor();
    const due = lb.locator('.el-form-item').filter({ hasText: '复核期限' }).locator('input');
    await due.fill('2026-12-20');
    await due.press('Enter');
    await page.locator('[data-test="lookback-form-submit"]').click();
    await page.getByText(/已抽取 \d+ 件问题列入回头看复核/).waitFor();
    await expect
      .poll(() => page.locator('[data-test="ranking-meta"]').innerText())
      .toMatch(/回头看：\d{4}-\d{2}-\d{2} 按 30\.0% 抽取 \d+ 件/);
    expect(await page.locator('[data-test="lookback-open"]').count()).toBe(0);

    // The inspector enters one unit's sheet in the browser: a line above its maximum is refused under that line.
    const insp = await browser.newContext(DESKTOP);
    const ip = await signIn(insp, demo.baseUrl, 'yanshou');
    await ip.goto(`${demo.baseUrl}/rankings`);
    await ip.locator('[data-test="ranking-table"]').first().waitFor();
    await choose(ip, ip.locator('[data-test="round-select"]'), name);
    await ip.locator('[data-test="score-朝阳村"]').click();
    const sheet = ip.locator('[data-test="score-form"]');
    await sheet.waitFor();
    await sheet.locator('[data-test="line-ledger"] input').fill('45');
    await sheet.locator('[data-test="line-onsite"] input').fill('55');
    await sheet.locator('[data-test="line-paper"] input').fill('0');
    await ip.locator('[data-test="score-form-submit"]').click();
    await expect.poll(() => sheet.locator('[data-test="line-ledger"]').innerText()).toContain('不能超过 40 分');
    await shot(ip, '17b-score-sheet-over-max');
    await sheet.locator('[data-test="line-ledger"] input').fill('38');
    await ip.locator('[data-test="score-form-submit"]').click();
    await ip.getByText('已保存朝阳村的评分表').waitFor();
    await insp.close();

    // The other units' sheets through the API (the same PUT the form sends), so the round can be published.
    const login = await fetch(`${demo.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'yanshou', password: 'zhenggai-demo' }),
    });
    const auth = {
      authorization: `Bearer ${((await login.json()) as { token: string }).token}`,
      'content-type': 'application/json',
    };
    const campaigns = (
      (await (await fetch(`${demo.baseUrl}/api/v1/campaigns`, { headers: auth })).json()) as {
        campaigns: { id: string }[];
      }
    ).campaigns;
    const rounds = (
      (await (
        await fetch(`${demo.baseUrl}/api/v1/campaigns/${campaigns[0]!.id}/rounds`, { headers: auth })
      ).json()) as { rounds: { id: string; name: string }[] }
    ).rounds;
    const roundId = rounds.find((r) => r.name === name)!.id;
    const ranking = (await (
      await fetch(`${demo.baseUrl}/api/v1/rounds/${roundId}/ranking?live=true`, { headers: auth })
    ).json()) as { groups: { lines: { unitId: string; name: string }[] }[] };
    for (const l of ranking.groups.flatMap((g) => g.lines).filter((x) => x.name !== '朝阳村')) {
      const r = await fetch(`${demo.baseUrl}/api/v1/rounds/${roundId}/scores/${l.unitId}`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ lines: { ledger: 35, onsite: 50, paper: l.name === '南陈村' ? 5 : 0 } }),
      });
      expect(r.status, `${l.name}: ${await r.clone().text()}`).toBe(200);
    }

    // A second office tab still shows the round open; the first publishes after confirming.
    const stale = await office.newPage();
    await stale.goto(`${demo.baseUrl}/rankings`);
    await stale.locator('[data-test="ranking-table"]').first().waitFor();
    await choose(stale, stale.locator('[data-test="round-select"]'), name);
    await stale.locator('[data-test="publish"]').waitFor();
    await page.reload();
    await page.locator('[data-test="ranking-table"]').first().waitFor();
    await choose(page, page.locator('[data-test="round-select"]'), name);
    await page.locator('[data-test="publish"]').click();
    const box = page.locator('.el-message-box');
    await expect.poll(() => box.innerText()).toContain('2025-12-31');
    await shot(page, '17c-publish-confirm', { fullPage: false });
    await box.getByRole('button', { name: '发布排名' }).click();
    await page.getByText('已发布第 1 版排名').first().waitFor();
    await expect.poll(() => page.locator('[data-test="ranking-meta"]').innerText()).toContain('已发布（第 1 版）');
    await expect.poll(() => page.locator('[data-test="publish"]').count()).toBe(0);
    await stale.locator('[data-test="publish"]').click();
    await stale.locator('.el-message-box').getByRole('button', { name: '发布排名' }).click();
    const refused = stale.locator('.el-message-box').filter({ hasText: '不能再次发布' });
    await refused.waitFor();
    await shot(stale, '17d-republish-refused', { fullPage: false });
    await refused.getByRole('button', { name: '确定' }).click();
    await expect.poll(() => stale.locator('[data-test="ranking-meta"]').innerText()).toContain('已发布（第 1 版）');
    await stale.close();

    // The bulletin: as JSON on screen, and as Word with the same title and ranking.
    await page.locator('[data-test="bulletin-view"]').click();
    const bulletin = page.locator('[data-test="bulletin"]');
    await bulletin.waitFor();
    const bulletinTitle = (await bulletin.locator('.title').innerText()).trim();
    expect(bulletinTitle).toContain(name.replace(/验收$/, '')); // the catalogue says 验收 once, after the campaign
    expect(await bulletin.innerText()).toContain('朝阳村');
    await shot(page, '17e-bulletin', { fullPage: false });
    await page.keyboard.press('Escape');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test="bulletin-docx"]').click(),
    ]);
    expect(file.suggestedFilename()).toBe(`${bulletinTitle}.docx`);
    const xml = await (await JSZip.loadAsync(readFileSync((await file.path())!)))
      .file('word/document.xml')!
      .async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain(bulletinTitle);
    expect(text).toContain('朝阳村');
    // 朝阳村 scored 38 + 55 against everyone else's 35 + 50: it comes before the others of its group.
    expect(text.indexOf('朝阳村')).toBeLessThan(text.indexOf('南陈村'));

    // A correction needs its reason and becomes version 2.
    await page.locator('[data-test="correct"]').click();
    const corr = page.locator('[data-test="correction-form"]');
    await page.locator('[data-test="correction-form-submit"]').click();
    await expect.poll(() => corr.innerText()).toContain('请填写更正理由');
    await corr.locator('textarea').fill('南陈村扣分经复核后确认，重新计算');
    await page.locator('[data-test="correction-form-submit"]').click();
    await page.getByText('已发布更正（第 2 版）').waitFor();
    await expect.poll(() => page.locator('[data-test="ranking-meta"]').innerText()).toContain('南陈村扣分经复核后确认');
    await shot(page, '17f-round-published');

    // 编号发文: the bulletin gets the office's next 发文字号 (after a confirmation) and downloads as Word.
    await page.locator('[data-test="issue-document"]').click();
    await page.getByRole('button', { name: '编号发文' }).click();
    const issuedBox = page.locator('.el-message-box').filter({ hasText: '已编发' });
    await issuedBox.waitFor();
    expect(await issuedBox.innerText()).toMatch(/朝振办〔\d{4}〕\d+号/);
    await shot(page, '17f2-bulletin-issued', { fullPage: false });
    const [issuedFile] = await Promise.all([
      page.waitForEvent('download'),
      issuedBox.getByRole('button', { name: '下载 Word' }).click(),
    ]);
    expect(issuedFile.suggestedFilename()).toMatch(/^朝振办〔\d{4}〕\d+号.*\.docx$/);

    // 问责记录: the demo's weak village was last twice; the office records the interview and closes it.
    await page.getByRole('tab', { name: '问责记录' }).click();
    const records = page.locator('[data-test="accountability-table"]');
    await records.locator('.el-table__row').first().waitFor();
    await shot(page, '17g-accountability');
    const open = await records.locator('[data-test="record-done"]').count();
    expect(open).toBeGreaterThan(0);
    await records.locator('[data-test="record-done"]').first().click();
    const done = page.locator('[data-test="record-form"]');
    await page.locator('[data-test="record-form-submit"]').click();
    await expect.poll(() => done.innerText()).toContain('请填写办理情况');
    await done.locator('textarea').fill('2026年11月由镇党委书记约谈该村党支部书记、主任，已形成约谈记录。');
    await page.locator('[data-test="record-form-submit"]').click();
    await page.getByText('问责记录已办结').waitFor();
    await expect.poll(() => records.locator('[data-test="record-done"]').count()).toBe(open - 1);
    await expect.poll(() => records.innerText()).toContain('已形成约谈记录');
    await office.close();
  });

  it('notification channels: the administrator adds a group robot on an allowed host, is told why another host is refused, disables and removes it, and sees the queues', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'admin');
    await page.goto(`${demo.baseUrl}/admin/notify`);
    await page.locator('[data-test="queues-table"] .el-table__row').first().waitFor();
    await page.locator('[data-test="webhook-add"]').click();
    const form = page.locator('[data-test="webhook-form"]');
    await form.waitFor();
    const field = (label: string) =>
      form
        .locator('.el-form-item')
        .filter({ has: page.locator('label.el-form-item__label', { hasText: new RegExp(`^${label}$`) }) });
    // The unit tree is collapsed: type to filter it, then pick.
    await field('所属单位').locator('.el-select__wrapper').click();
    await page.keyboard.type('镇纪委');
    await page.locator('.el-tree-node__content:visible').filter({ hasText: '镇纪委' }).first().click();
    await expect.poll(() => field('所属单位').innerText()).toContain('镇纪委');
    await field('名称').locator('input').fill('镇纪委工作群');
    await field('Webhook 地址').locator('input').fill('https://hooks.example.net/robot/send?key=abc');
    await page.locator('[data-test="webhook-form-submit"]').click();
    const urlError = field('Webhook 地址').locator('.el-form-item__error');
    await expect.poll(() => urlError.innerText()).toContain('hooks.example.net 不在允许名单内');
    expect(await urlError.innerText()).toContain('qyapi.weixin.qq.com');
    await shot(page, '21a-webhook-refused', { fullPage: false });
    await field('Webhook 地址')
      .locator('input')
      .fill('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=e2e-not-a-real-key');
    await page.locator('[data-test="webhook-form-submit"]').click();
    await form.waitFor({ state: 'hidden' });
    const table = page.locator('[data-test="webhooks-table"]');
    const row = table.locator('.el-table__row').filter({ hasText: '镇纪委工作群' });
    await row.waitFor();
    expect(await row.innerText()).toContain('key=***'); // the robot's key is never shown again
    await row.locator('.el-switch').click(); // disabled before any notice could reach it
    await expect.poll(() => row.locator('.el-switch').getAttribute('class')).not.toContain('is-checked');
    await shot(page, '21b-notify-admin');
    await row.locator('[data-test="webhook-delete-镇纪委工作群"]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click();
    await expect.poll(() => table.locator('.el-table__row').filter({ hasText: '镇纪委工作群' }).count()).toBe(0);
    await ctx.close();
  });

  it('notification preferences: SMS with quiet hours and the daily digest are kept; e-mail needs an address', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'laobao');
    await page.goto(`${demo.baseUrl}/profile`);
    const form = page.locator('[data-test="prefs-form"]');
    await form
      .locator('.el-checkbox')
      .filter({ hasText: /^短信$/ })
      .click();
    await form
      .locator('.el-checkbox')
      .filter({ hasText: /^电子邮件$/ })
      .click();
    await form.locator('.el-checkbox').filter({ hasText: '每日汇总' }).click();
    await page.locator('[data-test="prefs-save"]').click();
    await expect.poll(() => form.innerText()).toContain('选择电子邮件时须填写地址');
    await form
      .locator('.el-checkbox')
      .filter({ hasText: /^电子邮件$/ })
      .click();
    await page.locator('[data-test="prefs-save"]').click();
    await page.getByText('通知方式已保存').waitFor();
    await page.reload();
    await expect
      .poll(() => form.locator('.el-checkbox.is-checked').allInnerTexts())
      .toEqual(['短信', expect.stringContaining('夜间免打扰'), expect.stringContaining('每日汇总')]);
    await shot(page, '22-profile-notification-prefs');
    await ctx.close();
  });

  it('administration: org tree, users, campaigns and categories', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'admin');
    await page.goto(`${demo.baseUrl}/admin/org`);
    await page.locator('[data-test="org-tree"]').getByText('安驾沟社区').waitFor();
    await shot(page, '17-admin-org');
    await page.goto(`${demo.baseUrl}/admin/users`);
    await page.locator('[data-test="users-table"]').getByText('yanshou').waitFor();
    await shot(page, '18-admin-users');
    await page.goto(`${demo.baseUrl}/admin/campaigns`);
    await page.locator('[data-test="categories-table"]').getByText('重点人群未参保').waitFor();
    await shot(page, '19-admin-campaigns');
    await ctx.close();
  });

  it('profile: a wrong current password is said next to the field; a change signs out and the new password works', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'cun02');
    await page.goto(`${demo.baseUrl}/profile`);
    const form = page.locator('[data-test="password-form"]');
    await form.getByLabel('当前密码').fill('not-the-password');
    await form.getByLabel('新密码', { exact: true }).fill('short');
    await form.getByRole('button', { name: '修改密码' }).click();
    await expect.poll(() => form.innerText()).toContain('新密码至少 10 个字符');
    await form.getByLabel('新密码', { exact: true }).fill('new-password-2026');
    await form.getByLabel('确认新密码').fill('new-password-2026');
    await form.getByRole('button', { name: '修改密码' }).click();
    await expect.poll(() => form.innerText()).toContain('当前密码不正确');
    await shot(page, '20-profile-wrong-password');
    await form.getByLabel('当前密码').fill('zhenggai-demo');
    await form.getByRole('button', { name: '修改密码' }).click();
    await page.waitForURL(/\/login/);
    await ctx.close();
    const again = await browser.newContext(DESKTOP);
    const p2 = await signIn(again, demo.baseUrl, 'cun02', 'new-password-2026');
    expect(new URL(p2.url()).pathname).toBe('/');
    await again.close();
  });

  it('keyboard: sign in without a mouse, with a visible focus ring; deep links survive a reload', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await ctx.newPage();
    await page.goto(`${demo.baseUrl}/ledger?status=submitted`);
    await page.waitForURL(/\/login\?next=/);
    await shot(page, '00-login');
    // The username field has focus on arrival; Tab goes to the password, Enter signs in.
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name))
      .toBe('username');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.keyboard.type('laobao');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('password');
    await page.keyboard.type('zhenggai-demo');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/ledger' && u.searchParams.get('status') === 'submitted');
    // Focus moved to the page's content; the next Tab reaches its first control, with a visible ring.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('导出 Excel');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await ctx.close();
  });
});

// Last: every page above ran under the server's strict CSP (api/plugins/security-headers.ts).
describe('under the strict Content-Security-Policy', () => {
  it('the server sends the policy and no page reported a violation', async () => {
    const r = await fetch(`${demo.baseUrl}/ledger`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(cspViolations).toEqual([]);
  });
});
