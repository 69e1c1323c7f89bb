// The village cadre's phone: every role's menu at 360 px and 1366 px (no cut-off table, no sideways
// scrolling, no Latin sentence, no console error), the app installable (manifest, service worker), and
// the offline round trip — with the network cut (context.setOffline) the ledger and the item last seen
// stay readable, a progress report and a 月报 draft with photos wait on the device, and once the
// network returns they are sent, exactly once even when the first attempt is cut off after the server
// took it. Screenshots go to test-results/screenshots.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../support/photos.ts';
import { latinSentences } from '../support/latin.ts';
import { DESKTOP, launch, PHONE, shot, signIn, startDemo, type Demo } from './support.ts';
import type { Browser } from 'playwright-core';

let demo: Demo;
let browser: Browser;
beforeAll(async () => {
  demo = await startDemo();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** Console errors of every page of a context, to be empty at the end of a test. */
function watchConsole(ctx: BrowserContext): string[] {
  const errors: string[] = [];
  ctx.on('page', (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${p.url()}: ${m.text()}`);
    });
    p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
  });
  return errors;
}

/** What a person could not read or reach on the screen now. */
async function screenFaults(page: Page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const visible = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    };
    // Beyond the right edge and not clipped inside the screen by a box of its own (an ellipsis is fine).
    const clippedInside = (e: Element) => {
      for (let a = e.parentElement; a && a.id !== 'main'; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= w + 1) return true;
      }
      return false;
    };
    const beyond = [...document.querySelectorAll('#main *')]
      .filter((e) => visible(e) && e.getBoundingClientRect().right > w + 1 && !clippedInside(e))
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`)
      .slice(0, 5);
    const scrolling = [...document.querySelectorAll('.el-table__body-wrapper .el-scrollbar__wrap, .table-wrap')]
      .filter((e) => visible(e) && e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.closest('[data-test]')?.getAttribute('data-test') ?? e.className);
    const header = document.querySelector('.header')?.getBoundingClientRect().height ?? 0;
    return { beyond, scrolling, header, text: document.body.innerText };
  });
}

const MENUS: Record<string, string[]> = {
  zhenban: [
    '/',
    '/ledger',
    '/dashboard',
    '/rankings',
    '/reports',
    '/notices',
    '/admin/org',
    '/admin/users',
    '/admin/campaigns',
  ],
  laobao: ['/', '/ledger', '/dashboard', '/rankings', '/reports', '/notices', '/admin/campaigns'],
  cun01: ['/', '/ledger', '/rankings', '/reports', '/notices', '/profile'],
  yanshou: ['/', '/ledger', '/dashboard', '/rankings', '/reports', '/notices'],
  jijian: ['/', '/ledger', '/dashboard', '/rankings', '/reports'],
  admin: ['/', '/rankings', '/admin/org', '/admin/users', '/admin/campaigns', '/admin/notify'],
};

describe('the phone and the desk, every role', () => {
  for (const [size, options] of [
    ['phone', PHONE],
    ['desk', DESKTOP],
  ] as const) {
    it(`every menu at ${size === 'phone' ? '360' : '1366'} px: nothing cut off, no sideways scrolling, no Latin sentence, no console error`, async () => {
      const ctx = await browser.newContext(options);
      const errors = watchConsole(ctx);
      const faults: string[] = [];
      for (const [user, paths] of Object.entries(MENUS)) {
        const page = await signIn(ctx, demo.baseUrl, user);
        for (const path of paths) {
          await page.goto(`${demo.baseUrl}${path}`);
          await page.locator('#main h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          const f = await screenFaults(page);
          const where = `${size} ${user} ${path}`;
          if (f.beyond.length) faults.push(`${where}: beyond the right edge ${f.beyond.join(', ')}`);
          if (f.scrolling.length) faults.push(`${where}: table scrolls sideways ${f.scrolling.join(', ')}`);
          if (f.header > 53) faults.push(`${where}: header wraps (${f.header} px)`);
          const latin = latinSentences(f.text);
          if (latin.length) faults.push(`${where}: Latin ${JSON.stringify(latin)}`);
          if (size === 'phone' && user === 'admin')
            await shot(page, `phone-${path.replace(/\//g, '-').slice(1) || 'home'}`);
        }
        await page.close();
      }
      expect(faults).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    }, 300_000);
  }

  it('phone: the drawer closes on a tap, also on the screen already open; rankings and users are cards', async () => {
    const ctx = await browser.newContext(PHONE);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/rankings`);
    await page.locator('[data-test="ranking-cards"]').first().waitFor();
    await page.locator('[data-test="ranking-card"] summary').first().click();
    await shot(page, 'phone-rankings', { fullPage: false });
    await page.getByRole('button', { name: '菜单' }).click();
    const drawer = page.getByRole('dialog', { name: '整改通' });
    await drawer.waitFor();
    await drawer.locator('[data-test="drawer-menu"]').getByText('验收与排名').click();
    await drawer.waitFor({ state: 'hidden' });
    await page.goto(`${demo.baseUrl}/admin/users`);
    await page.locator('[data-test="users-cards"] [data-test="card"]').first().waitFor();
    // In the org tree's order: the township office's people before the villages'.
    const names = await page.locator('[data-test="users-cards"] .card-title').allInnerTexts();
    expect(names.findIndex((n) => n.includes('镇乡村振兴办'))).toBeLessThan(
      names.findIndex((n) => n.includes('村干部')),
    );
    await shot(page, 'phone-users', { fullPage: false });
    await ctx.close();
  });
});

describe('offline first (the village has weak signal)', () => {
  it('installs: a manifest with icons and a service worker in control', async () => {
    const ctx = await browser.newContext(PHONE);
    const page = await signIn(ctx, demo.baseUrl, 'cun01');
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector('link[rel="manifest"]')!.getAttribute('href')!;
      return (await fetch(href)).json();
    });
    expect(manifest).toMatchObject({ short_name: '整改通', display: 'standalone', start_url: '/' });
    const sizes = (manifest.icons as { sizes: string; src: string }[]).map((i) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons as { src: string }[]) {
      expect((await page.request.get(`${demo.baseUrl}${icon.src}`)).headers()['content-type']).toBe('image/png');
    }
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await ctx.close();
  });

  it('with the network cut: reads the ledger and the last item, keeps a progress report and a 月报 draft with photos, sends them once when it returns', async () => {
    const ctx = await browser.newContext(PHONE);
    const errors = watchConsole(ctx);
    const page = await signIn(ctx, demo.baseUrl, 'cun01');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

    // Online: the ledger, an item in progress of this village, this month's report.
    await page.goto(`${demo.baseUrl}/ledger?status=in_progress`);
    const first = page.locator('[data-test="ledger-cards"] .m-card').first();
    await first.waitFor();
    const itemTitle = (await first.locator('.m-title').innerText()).trim();
    await first.click();
    await page.locator('[data-test="item-title"]').waitFor();
    const itemUrl = page.url();
    const itemId = itemUrl.split('/').pop()!;
    await page.goto(`${demo.baseUrl}/`);
    await page.locator('[data-test="wb-report-mine"]').getByText('去填报').click();
    await page.locator('[data-test="report-form"]').waitFor();
    const reportUrl = page.url();
    await page.goto(`${demo.baseUrl}/ledger?status=in_progress`);
    await first.waitFor();

    // The network goes: the app still opens, from what the phone saved, and says so.
    await ctx.setOffline(true);
    await page.reload();
    await page.locator('[data-test="ledger-cards"] .m-card').first().waitFor();
    await page.locator('[data-test="offline-tag"]').waitFor();
    await page.locator('[data-test="offline-cached"]').waitFor();
    await page.goto(itemUrl);
    await expect.poll(() => page.locator('[data-test="item-title"]').innerText()).toBe(itemTitle);

    // A progress report with a photo, written offline: kept on the device.
    const note = `离线填报：已入户核实 ${Date.now().toString(36)}`;
    await page.locator('[data-test="act-record_progress"]').click();
    await page.locator('[data-test="f-note"]').fill(note);
    await page.locator('[data-test="f-evidence-file"]').setInputFiles({
      name: '离线照片.jpg',
      mimeType: 'image/jpeg',
      buffer: await photo(7001, { width: 640, height: 480 }),
    });
    await page.locator('[data-test="evidence-kept"]').waitFor();
    await page.locator('[data-test="action-submit"]').click();
    await page.locator('[data-test="outbox-open"]').filter({ hasText: '待发送 1' }).waitFor();

    // The 月报 draft with a photo, offline too.
    await page.goto(reportUrl);
    await page.locator('[data-test="report-form"]').waitFor();
    const progress = `离线起草：本月入户走访 ${Date.now().toString(36)}`;
    await page.locator('[data-test="r-progress"]').fill(progress);
    await page.locator('[data-test="f-evidence-file"]').setInputFiles({
      name: '走访照片.jpg',
      mimeType: 'image/jpeg',
      buffer: await photo(7002, { width: 640, height: 480 }),
    });
    await page.locator('[data-test="evidence-kept"]').waitFor();
    await page.locator('[data-test="report-draft"]').click();
    await page.locator('[data-test="outbox-open"]').filter({ hasText: '待发送 2' }).waitFor();
    await page.locator('[data-test="outbox-open"]').click();
    await expect.poll(() => page.locator('[data-test="outbox-entry"][data-state="waiting"]').count()).toBe(2);
    await shot(page, 'phone-offline-waiting', { fullPage: false });
    await page.keyboard.press('Escape');

    // The keys the entries were made with, as stored on the device.
    const keys = await page.evaluate(
      () =>
        new Promise<string[]>((resolve, reject) => {
          const open = indexedDB.open('zhenggai-offline');
          open.onsuccess = () => {
            const req = open.result.transaction('outbox').objectStore('outbox').getAllKeys();
            req.onsuccess = () => resolve(req.result as string[]);
            req.onerror = () => reject(req.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    expect(keys).toHaveLength(2);

    // The network returns, but the first send of the progress report is cut off after the server took
    // it (the answer never arrives): the entry waits, and the next attempt is answered from the first.
    let cut = 0;
    await page.route('**/api/v1/items/*/progress', async (route) => {
      if (cut++ === 0) {
        await route.fetch();
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await ctx.setOffline(false);
    await expect.poll(() => cut, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.locator('[data-test="outbox-open"]').click();
    await page.locator('[data-test="outbox-send"]').click();
    await expect
      .poll(() => page.locator('[data-test="outbox-open"]').count(), { timeout: 60_000, interval: 1000 })
      .toBe(0);
    expect(cut).toBe(2);

    // Exactly one progress event with the note, its photo with it; the draft with its photo.
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('zhenggai.session')!).token as string);
    const auth = { authorization: `Bearer ${token}` };
    const item = await (await page.request.get(`${demo.baseUrl}/api/v1/items/${itemId}`, { headers: auth })).json();
    const mine = (item.timeline as { type: string; data: { note?: string; evidence?: string[] } }[]).filter(
      (e) => e.type === 'ProgressRecorded' && e.data.note === note,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]!.data.evidence).toHaveLength(1);
    const files = await (
      await page.request.get(`${demo.baseUrl}/api/v1/items/${itemId}/attachments`, { headers: auth })
    ).json();
    expect((files.attachments as { fileName: string }[]).filter((a) => a.fileName === '离线照片.jpg')).toHaveLength(1);
    await page.goto(itemUrl);
    await page.locator('[data-test="timeline"]').getByText(note).waitFor();
    await page.goto(reportUrl);
    await expect.poll(() => page.locator('[data-test="r-progress"]').inputValue()).toBe(progress);
    await page.locator('[data-test="report-files"]').getByText('走访照片.jpg').waitFor();
    await shot(page, 'phone-offline-sent', { fullPage: false });
    expect(errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e))).toEqual([]);
    await ctx.close();
  });
});

describe('the facts on screen', () => {
  it('the trail folds 发送通知 under its step; a submitted item says it was submitted late', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const errors = watchConsole(ctx);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    // An item handed in after its deadline (the demo has several).
    // (Not overdue=true: that counts only items still with the unit, as the dashboard does.)
    await page.goto(`${demo.baseUrl}/ledger?status=submitted`);
    const late = page.locator('[data-test="ledger-row"]').filter({ hasText: '逾期提交' }).first();
    await late.waitFor();
    await late.locator('.row-link').click();
    await page.locator('[data-test="item-title"]').waitFor();
    await expect.poll(() => page.locator('.badges [data-test="deadline-text"]').innerText()).toBe('逾期提交，待审核');
    // No trail line of its own for a notice: each step that caused notices has one expandable line.
    const titles = await page.locator('[data-test="timeline"] .ev-title strong').allInnerTexts();
    expect(titles).not.toContain('发送通知');
    const folded = page.locator('[data-test="trail-notices"]').first();
    await folded.locator('summary').click();
    await expect.poll(() => folded.locator('.ev-line').count()).toBeGreaterThan(0);
    expect(await folded.locator('.ev-line').first().innerText()).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} .+：.+（.+）$/,
    );
    await shot(page, 'desk-item-trail-folded', { fullPage: false });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('the inbox filters by type and shows one entry per item', async () => {
    const ctx = await browser.newContext(PHONE);
    const page = await signIn(ctx, demo.baseUrl, 'cun01');
    await page.goto(`${demo.baseUrl}/notices`);
    await page.locator('[data-test="notice"]').first().waitFor();
    await page.locator('[data-test="notice-repeats"]').first().waitFor();
    const heads = await page.locator('[data-test="notice"] > button .title').allInnerTexts();
    expect(heads.length).toBeGreaterThan(0);
    await page.locator('[data-test="notice-repeats"]').first().click();
    await page.locator('.repeats li').first().waitFor();
    await shot(page, 'phone-notices', { fullPage: false });
    await page.locator('[data-test="notices-kind"]').click();
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '逾期通知' }).click();
    await expect
      .poll(async () => [
        ...new Set(
          (await page.locator('[data-test="notice"] > button .small').allInnerTexts()).map((x) => x.split(' · ')[0]),
        ),
      ])
      .toEqual(['逾期通知']);
    await ctx.close();
  });

  it('the ledger gives 问题描述 room at 1366 px', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    const th = page.locator('[data-test="ledger-table"] th').filter({ hasText: '问题描述' });
    expect((await th.boundingBox())!.width).toBeGreaterThanOrEqual(250);
    expect(await page.locator('[data-test="total"]').innerText()).toMatch(/^共 \d+ 条$/);
    expect(await page.locator('.toolbar').first().innerText()).not.toMatch(/ms|用时/);
    await ctx.close();
  });

  it('a published bulletin: a lead office at the desk and a village on the phone read it, titled once', async () => {
    for (const [user, options] of [
      ['laobao', DESKTOP],
      ['cun01', PHONE],
    ] as const) {
      const ctx = await browser.newContext(options);
      const errors = watchConsole(ctx);
      const page = await signIn(ctx, demo.baseUrl, user);
      await page.goto(`${demo.baseUrl}/rankings`);
      await page.locator('[data-test="ranking-meta"]').waitFor();
      await page.locator('[data-test="bulletin-view"]').click();
      const title = page.locator('.el-dialog h2.title');
      await title.waitFor();
      expect(await title.innerText()).toMatch(/^关于2026年第.季度.+验收排名情况的通报$/);
      expect(await title.innerText()).not.toContain('验收验收');
      await shot(page, `${user}-bulletin`, { fullPage: false });
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });
});
