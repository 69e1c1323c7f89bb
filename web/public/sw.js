// The service worker: the app opens without a network, and what was last read stays readable.
// Hand-written (a few rules, no build plugin): the app's own files are cached at install from the list
// the build writes (precache.json); pages fall back to the cached index.html; API reads go to the
// network first and fall back to the last answer seen, marked with x-zhenggai-cached so the page can
// say it shows saved data; writes are never touched (the page's outbox keeps them, offline/outbox.ts).
const VERSION = new URL(self.location.href).searchParams.get('v') ?? 'dev';
const SHELL = `zhenggai-shell-${VERSION}`;
const API = 'zhenggai-api';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const list = await fetch('/precache.json', { cache: 'no-store' })
        .then((r) => r.json())
        .catch(() => []);
      await cache.addAll(['/', '/manifest.webmanifest', ...list.map((f) => `/${f}`)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const k of await caches.keys()) if (k.startsWith('zhenggai-shell-') && k !== SHELL) await caches.delete(k);
      await self.clients.claim();
    })(),
  );
});

// The page asks to forget cached answers when a user signs out (a shared phone shows no one's data).
self.addEventListener('message', (event) => {
  if (event.data === 'sign-out') event.waitUntil(caches.delete(API));
});

const offlineProblem = () =>
  new Response(
    JSON.stringify({
      type: 'about:blank',
      title: 'Offline',
      status: 503,
      code: 'offline',
      detail: '没有网络，本机也没有保存这项数据',
    }),
    { status: 503, headers: { 'content-type': 'application/problem+json; charset=utf-8' } },
  );

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req).catch(async () => (await caches.match('/', { cacheName: SHELL })) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    // Files and thumbnails are large and fetched as blobs; only JSON reads are kept.
    if (/\/(download|thumbnail)$|\.docx$|\.xlsx$/.test(url.pathname)) return;
    event.respondWith(
      (async () => {
        try {
          const res = await fetch(req);
          if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
            const cache = await caches.open(API);
            await cache.put(req, res.clone());
          }
          return res;
        } catch {
          const hit = await caches.match(req, { cacheName: API });
          if (!hit) return offlineProblem();
          const headers = new Headers(hit.headers);
          headers.set('x-zhenggai-cached', hit.headers.get('date') ?? '');
          return new Response(await hit.blob(), { status: hit.status, headers });
        }
      })(),
    );
    return;
  }
  event.respondWith((async () => (await caches.match(req, { cacheName: SHELL })) ?? fetch(req))());
});
