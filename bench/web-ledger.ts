// How fast the ledger page appears in a real browser (Chromium) against the demo over loopback:
// navigation to /ledger until the first rows are on screen, cold (new browser context: nothing
// cached) and warm (assets cached), plus the API call alone. Prints medians; no assertion.
//   npm run bench:web            (starts its own demo server)
//   E2E_BASE_URL=http://127.0.0.1:3108 npm run bench:web
import { performance } from 'node:perf_hooks';
import { DESKTOP, launch, signIn, startDemo } from '../test/e2e/support.ts';

const RUNS = Number(process.env.RUNS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const demo = await startDemo();
const browser = await launch();
try {
  const cold: number[] = [];
  const warm: number[] = [];
  const api: number[] = [];
  const busy: number[] = []; // the page's main-thread task time during the cold load (CPU work, less noisy than wall time)
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext(DESKTOP);
    const page = await signIn(ctx, demo.baseUrl, 'zhenban'); // fills localStorage with the session
    // cold: a fresh page in a context whose HTTP cache holds only what sign-in loaded (login chunk)
    await ctx.clearCookies();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskTime = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value * 1000;
    const busy0 = await taskTime();
    let t0 = performance.now();
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    cold.push(performance.now() - t0);
    busy.push((await taskTime()) - busy0);
    // warm: the same again, assets now cached
    t0 = performance.now();
    await page.goto(`${demo.baseUrl}/ledger`);
    await page.locator('[data-test="ledger-row"]').first().waitFor();
    warm.push(performance.now() - t0);
    api.push(
      await page.evaluate(async () => {
        const token = JSON.parse(localStorage.getItem('zhenggai.session')!).token;
        const s = performance.now();
        await fetch('/api/v1/items?limit=50&count=true', { headers: { authorization: `Bearer ${token}` } }).then((r) =>
          r.json(),
        );
        return performance.now() - s;
      }),
    );
    await ctx.close();
  }
  const f = (xs: number[]) =>
    `${Math.round(median(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`;
  console.log(`[bench:web] ledger page, navigation → first rows visible, ${RUNS} runs, median:`);
  console.log(`  first visit (ledger chunks not cached): ${f(cold)}`);
  console.log(`  repeat visit (cached assets):           ${f(warm)}`);
  console.log(`  main-thread task time, first visit:     ${f(busy)}`);
  console.log(`  GET /api/v1/items?limit=50&count=true:  ${f(api)}`);
  console.log(`  target: first load < 1000 ms — ${median(cold) < 1000 ? 'met' : 'MISSED'}`);
} finally {
  await browser.close();
  await demo.stop();
}
