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
import { DESKTOP, launch, openAction, PHONE, shot, signIn, startDemo, submitAndSee, type Demo } from './support.ts';
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

/** What a person could not read or reach on the screen now: the page or any box in it scrolling sideways,
 * anything beyond the right edge that is not clipped inside the screen by a box of its own (an ellipsis is
 * fine), and a header that wraps or cuts off one of its parts (the brand, 离线, 待发送, the bell, the user). */
async function screenFaults(page: Page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const name = (e: Element) =>
      e.closest('[data-test]')?.getAttribute('data-test') ?? `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`;
    const visible = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    };
    const clippedInside = (e: Element) => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= w + 1) return true;
      }
      return false;
    };
    const all = [...document.querySelectorAll('body *')].filter(visible);
    const beyond = all
      .filter((e) => e.getBoundingClientRect().right > w + 1 && !clippedInside(e))
      .map(name)
      .slice(0, 5);
    const scrolling = [
      ...(document.documentElement.scrollWidth > w + 1 ? ['the page'] : []),
      ...all
        .filter((e) => /auto|scroll/.test(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
        .map(name),
    ];
    // The header: every part of it inside its box (nothing clipped at its edges), the brand whole.
    const header = document.querySelector('.header');
    const box = header?.getBoundingClientRect();
    const cut = box
      ? [...header!.querySelectorAll('*')]
          .filter(visible)
          .filter((c) => {
            const r = c.getBoundingClientRect();
            return (
              r.left < box.left - 0.5 ||
              r.right > box.right + 0.5 ||
              r.top < box.top - 0.5 ||
              r.bottom > box.bottom + 0.5
            );
          })
          .map(name)
      : [];
    const brand = document.querySelector('.brand-phone');
    if (brand && brand.scrollWidth > brand.clientWidth + 1) cut.push('the brand');
    return { beyond, scrolling, header: box?.height ?? 0, headerCut: cut, text: document.body.innerText };
  });
}

/** The faults of the screen now, said as lines a failing test prints. */
async function faultLines(page: Page, where: string) {
  const f = await screenFaults(page);
  return [
    ...(f.beyond.length ? [`${where}: beyond the right edge ${f.beyond.join(', ')}`] : []),
    ...(f.scrolling.length ? [`${where}: scrolls sideways ${f.scrolling.join(', ')}`] : []),
    ...(f.header > 53 ? [`${where}: header wraps (${f.header} px)`] : []),
    ...(f.headerCut.length ? [`${where}: header cuts ${f.headerCut.join(', ')}`] : []),
    ...latinSentences(f.text).map((l) => `${where}: Latin ${JSON.stringify(l)}`),
  ];
}

// The sizes of issue 18: a common laptop and a common phone.
const DESK_768 = { ...DESKTOP, viewport: { width: 1366, height: 768 } };
const PHONE_780 = { ...PHONE, viewport: { width: 360, height: 780 } };

// What each role's menu holds, in its order; the walk follows the menu on the screen, so an entry that
// appears or goes away fails here until this list says so. 通知 and 个人中心 are walked too (the bell and
// the user menu at the desk, the drawer on the phone).
const MAIN = ['工作台', '问题台账'];
const MENUS: Record<string, { who: string; menu: string[] }> = {
  cun01: { who: 'village', menu: [...MAIN, '验收与排名', '月报'] },
  zhenban: {
    who: 'township office',
    menu: [...MAIN, '驾驶舱', '验收与排名', '月报', '组织机构', '用户与角色', '整改行动与专项'],
  },
  laobao: { who: 'lead office', menu: [...MAIN, '驾驶舱', '验收与排名', '月报', '整改行动与专项'] },
  quban: { who: 'county', menu: [...MAIN, '驾驶舱', '验收与排名', '月报'] },
  yanshou: { who: 'inspector', menu: [...MAIN, '驾驶舱', '验收与排名', '月报'] },
  admin: {
    who: 'admin',
    menu: [...MAIN, '驾驶舱', '验收与排名', '月报', '组织机构', '用户与角色', '整改行动与专项', '通知渠道'],
  },
};

/** The menu's entries as shown: the phone's drawer, or the desk's side menu with 系统管理 opened. */
async function menuEntries(page: Page, phone: boolean) {
  if (phone) {
    await page.getByRole('button', { name: '菜单' }).click();
    const drawer = page.locator('[data-test="drawer-menu"]');
    await drawer.waitFor();
    return drawer.locator('.el-menu-item');
  }
  const admin = page.locator('.aside .el-sub-menu__title');
  if ((await admin.count()) && !(await page.locator('.aside .el-sub-menu.is-opened').count())) {
    await admin.click();
    await page.locator('.aside .el-sub-menu .el-menu-item').first().waitFor();
  }
  return page.locator('.aside .el-menu-item');
}

describe('the phone and the desk, every role', () => {
  for (const [size, options] of [
    ['phone', PHONE_780],
    ['desk', DESK_768],
  ] as const) {
    it(`every menu at ${size === 'phone' ? '360×780' : '1366×768'}: nothing cut off, no sideways scrolling, no Latin sentence, no console error`, async () => {
      const ctx = await browser.newContext(options);
      const errors = watchConsole(ctx);
      const faults: string[] = [];
      const phone = size === 'phone';
      for (const [user, { who, menu }] of Object.entries(MENUS)) {
        const page = await signIn(ctx, demo.baseUrl, user);
        const shown = (await (await menuEntries(page, phone)).allInnerTexts()).map((x) =>
          x.replace(/\s*（\d+）\s*$/, '').trim(),
        );
        const extra = phone ? ['通知', '个人中心'] : [];
        expect(shown, `${who} (${user}) menu`).toEqual([...menu, ...extra]);
        if (phone) await page.keyboard.press('Escape');
        for (const entry of [...menu, '通知', '个人中心']) {
          if (phone || menu.includes(entry)) {
            await (await menuEntries(page, phone))
              .filter({ hasText: new RegExp(`^\\s*${entry}(（\\d+）)?\\s*$`) })
              .first()
              .click();
          } else if (entry === '通知') {
            await page.locator('[data-test="notices-bell"]').click();
          } else {
            await page.locator('[data-test="user-menu"]').click();
            await page.locator('.el-dropdown-menu__item:visible').filter({ hasText: entry }).click();
          }
          await page.locator('#main h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          await page.waitForTimeout(300); // the drawer's closing and the page's first paint
          faults.push(...(await faultLines(page, `${size} ${who} (${user}) ${entry} ${new URL(page.url()).pathname}`)));
          await shot(page, `${size}-${user}-${new URL(page.url()).pathname.replace(/\//g, '-').slice(1) || 'home'}`, {
            fullPage: false,
          });
        }
        await page.close();
      }
      expect(faults).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    }, 600_000);
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
    // Offline with two waiting, the header at 360 px still holds everything: nothing wraps or is cut.
    await page.locator('.el-message').waitFor({ state: 'hidden' });
    expect(await faultLines(page, 'offline, 2 waiting')).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'phone-offline-header', { fullPage: false });
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

describe('an answer lost on the way back', () => {
  it('a comment the server took but whose answer never came is sent again with its key: one comment', async () => {
    const ctx = await browser.newContext({ ...PHONE, serviceWorkers: 'block' });
    const page = await signIn(ctx, demo.baseUrl, 'cun01');
    await page.goto(`${demo.baseUrl}/ledger?status=in_progress`);
    await page.locator('[data-test="ledger-cards"] .m-card').first().click();
    await page.locator('[data-test="item-title"]').waitFor();
    const itemId = page.url().split('/').pop()!;
    const text = `已电话联系农户，明日入户 ${Date.now().toString(36)}`;

    // The first attempt reaches the server and is applied; the phone loses the answer (signal gone).
    const keys: string[] = [];
    let replayed: string | null = null;
    await page.route('**/api/v1/items/*/comments', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (keys.length === 1) {
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        const res = await route.fetch();
        replayed = res.headers()['idempotent-replayed'] ?? null;
        await route.fulfill({ response: res });
      }
    });
    await openAction(page, 'comment');
    await page.locator('[data-test="f-text"]').fill(text);
    await page.locator('[data-test="action-submit"]').click();
    await page.locator('[data-test="action-error"]').waitFor();
    // Send again, as the cadre would: the same key, so the server answers with what it did the first time.
    await submitAndSee(page, page.locator('[data-test="timeline"]').getByText(text));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(replayed).toBe('true');

    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('zhenggai.session')!).token as string);
    const item = await (
      await page.request.get(`${demo.baseUrl}/api/v1/items/${itemId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();
    const comments = (item.timeline as { type: string; data: { text?: string } }[]).filter(
      (e) => e.type === 'CommentAdded' && e.data.text === text,
    );
    expect(comments).toHaveLength(1);
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
