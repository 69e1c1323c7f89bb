// 公示 end to end (issue 17; seed 000 §八: “……一律公告公示,接受群众和社会监督”): the township opens its
// campaign's public side, a village's sign-off goes into its 公示 with a photo the office chose, a citizen
// on a 360 px phone (not signed in) reads the masked page and files an objection (异议), and the reviewer
// sees the objection with the contact on the item while the sign-off waits. Bad input on the public routes
// is refused as problem+json and stores nothing. Screenshots go to test-results/screenshots.
import type { APIRequestContext, Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../support/photos.ts';
import {
  DEMO_PASSWORD,
  DESKTOP,
  launch,
  openAction,
  PHONE,
  shot,
  signIn,
  startDemo,
  submitAndSee,
  type Demo,
} from './support.ts';

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

const PHONE_360 = { ...PHONE, viewport: { width: 360, height: 780 } };

/** JSON calls as a demo user. */
async function as(request: APIRequestContext, base: string, username: string) {
  const login = await request.post(`${base}/api/v1/auth/login`, { data: { username, password: DEMO_PASSWORD } });
  expect(login.status()).toBe(200);
  const auth = { authorization: `Bearer ${(await login.json()).token}` };
  return {
    get: async (url: string) => (await request.get(`${base}${url}`, { headers: auth })).json(),
    send: async (method: 'post' | 'put', url: string, data: unknown) => {
      const r = await request[method](`${base}${url}`, {
        headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
        data,
      });
      expect(r.status(), `${method} ${url}: ${await r.text()}`).toBeLessThan(300);
      return r.json();
    },
    upload: async (itemId: string, name: string, buffer: Buffer) => {
      const r = await request.post(`${base}/api/v1/items/${itemId}/attachments?purpose=submission`, {
        headers: auth,
        multipart: { file: { name, mimeType: 'image/jpeg', buffer } },
      });
      expect(r.status(), await r.text()).toBe(201);
      return (await r.json()).attachments[0].id as string;
    },
  };
}

describe('公示: a citizen objects on the phone, the reviewer sees it, the sign-off waits', () => {
  let campaignId: string;
  let itemId: string;
  let title: string;

  it('the township opens its public side; a sign-off goes into its 公示 with a photo the office chose', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const office = await as(ctx.request, demo.baseUrl, 'zhenban');
    const village = await as(ctx.request, demo.baseUrl, 'cun01');
    const campaign = (await office.get('/api/v1/campaigns')).campaigns[0];
    campaignId = campaign.id;
    // The township opens the public side: 5 working days of 公示 before a sign-off takes effect.
    await office.send('put', `/api/v1/campaigns/${campaignId}/settings`, {
      ...campaign.settings,
      publicSide: { enabled: true, noticeWorkingDays: 5 },
    });
    // An item of this village it can hand in now (no open milestone).
    const items = (await village.get(`/api/v1/items?campaignId=${campaignId}&status=in_progress&limit=50`)).items as {
      id: string;
      milestones: { completedAt: string | null }[];
    }[];
    itemId = items.find((i) => i.milestones.every((m) => m.completedAt))!.id;
    const shown = await village.upload(itemId, '整改后照片.jpg', await photo(4242, { width: 800, height: 600 }));
    const kept = await village.upload(itemId, '户主身份证.jpg', await photo(4343, { width: 800, height: 600 }));
    await village.send('post', `/api/v1/items/${itemId}/submit`, {
      summary: '已按要求完成整改，现场照片见附件',
      evidence: [shown, kept],
    });
    // The photos' thumbnails are made in the background; the public page shows only such a re-encoded copy.
    await expect
      .poll(
        async () =>
          (await office.get(`/api/v1/items/${itemId}/attachments`)).attachments.filter(
            (a: { id: string; thumbnailUrl: string | null }) => [shown, kept].includes(a.id) && a.thumbnailUrl,
          ).length,
        {
          timeout: 30_000,
        },
      )
      .toBe(2);
    // The office approves on the item page and ticks the one photo the public may see (none by default).
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/items/${itemId}`);
    const form = await openAction(page, 'approve');
    const picks = form.locator('[data-test="f-public-evidence"] .el-checkbox');
    await expect.poll(() => picks.count()).toBe(2);
    await form.locator('[data-test="f-public-evidence"] img').nth(1).waitFor();
    expect(await form.locator('[data-test="f-public-evidence"] .is-checked').count()).toBe(0);
    await form.locator('[data-test="public-photo-整改后照片.jpg"]').click();
    await shot(page, 'public-approve-photos');
    await submitAndSee(page, page.locator('[data-test="sign-off-notice"]'));
    await expect
      .poll(async () => (await office.get(`/api/v1/items/${itemId}`)).publicNotice?.evidence ?? null)
      .toEqual([shown]);
    title = (await office.get(`/api/v1/items/${itemId}`)).title;
    await ctx.close();
  });

  it('a citizen on a 360 px phone reads the masked notice and files an objection', async () => {
    const ctx = await browser.newContext(PHONE_360);
    const page = await ctx.newPage();
    await page.goto(`${demo.baseUrl}/public/${campaignId}`);
    await page.locator('[data-test="public-campaign"]').waitFor();
    await shot(page, 'public-campaign-360');
    await page.locator(`[data-test="public-notice-${itemId}"]`).click();
    await page.locator('[data-test="public-notice"]').waitFor();
    await page.locator('.pub-photos img').first().waitFor();
    await expect
      .poll(() =>
        page
          .locator('.pub-photos img')
          .first()
          .evaluate((i: HTMLImageElement) => i.naturalWidth),
      )
      .toBeGreaterThan(0);
    const shownText = await page.locator('[data-test="public-notice"]').innerText();
    expect(shownText).not.toMatch(/1[3-9]\d{9}/);
    expect(shownText).not.toMatch(/\d{17}[\dXx]/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, 'public-notice-360');

    await page.locator('[data-test="obj-send"]').click(); // empty: said on the page, nothing sent
    await page.locator('.pub-err').first().waitFor();
    await page.locator('[data-test="obj-contact"]').fill('13700001234');
    await page.locator('[data-test="obj-text"]').fill('我是本村村民，该户房屋后墙仍有裂缝，整改没有到位。');
    await page.locator('[data-test="obj-send"]').click();
    await page.locator('[data-test="objection-sent"]').waitFor();
    await expect.poll(() => page.locator('[data-test="public-state"]').innerText()).toContain('销号暂停');
    await shot(page, 'public-objection-sent-360');
    await ctx.close();
  });

  it('bad input on the public routes: problem+json, nothing stored', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const url = `${demo.baseUrl}/api/v1/public/campaigns/${campaignId}/notices/${itemId}/objections`;
    for (const data of [{ contact: '137', text: '' }, { text: '无联系方式' }, { contact: 'c', text: 'x', more: 1 }]) {
      const r = await ctx.request.post(url, { data });
      expect(r.status()).toBe(400);
      expect(r.headers()['content-type']).toMatch(/^application\/problem\+json/);
    }
    const notice = await ctx.request.get(`${demo.baseUrl}/api/v1/public/campaigns/${campaignId}/notices/${itemId}`);
    expect((await notice.json()).objections).toBe(1);
    expect(notice.headers()['cache-control']).toMatch(/^public/);
    await ctx.close();
  });

  it('the reviewer sees the objection and the contact on the item; the sign-off waits', async () => {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban');
    await page.goto(`${demo.baseUrl}/items/${itemId}`);
    await page.locator('[data-test="item-title"]').waitFor();
    expect(await page.locator('[data-test="item-title"]').innerText()).toBe(title);
    const panel = page.locator('[data-test="sign-off"]');
    await panel.waitFor();
    expect(await panel.locator('[data-test="objection-text"]').innerText()).toContain('后墙仍有裂缝');
    expect(await panel.innerText()).toContain('13700001234');
    expect(await panel.locator('[data-test="sign-off-notice"]').innerText()).toContain('销号暂停');
    expect(await page.locator('[data-test="item-status"]').innerText()).toContain('待审核');
    expect(await page.locator('[data-test="act-approve"]').count()).toBe(0);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'reviewer-objection-desk');
    await ctx.close();
  });
});
