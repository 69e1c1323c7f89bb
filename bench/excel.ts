// Evidence and Excel benchmark (issue 7), printing figures:
//  1. export of 100,000 ledger rows as .xlsx — time, and growth of the server's RSS (target ≤ 30 s, ≤ 150 MB);
//  2. dry-run import of 10,000 rows — time (target ≤ 20 s);
//  3. 20 concurrent 5 MB photo uploads while another client reads the ledger — p99 of those reads (target ≤ 100 ms),
//     measured until every photo's background picture work (thumbnail, dHash) is done.
// The server runs in its own process (the production entry point) on an embedded PostgreSQL in a temp folder.
// Usage: npm run bench:excel [-- --rows 100000 --import-rows 10000 --uploads 20]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { createDb, migrateDb } from '../db/client.ts';
import { freePort, startEmbeddedPostgres } from '../db/embedded.ts';
import { hashPassword } from '../db/queries/auth.ts';
import { createOrgUnit } from '../db/queries/org.ts';
import { campaigns, categories, users } from '../db/schema.ts';
import { DEFAULT_SETTINGS } from '../domain/item/index.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { readdirSync } from 'node:fs';
import { cmdlineOf, cpuSnap, cpuUse, memoryOf } from './proc.ts';
import { startServer } from './server-process.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'import-rows': { type: 'string', default: '10000' },
    uploads: { type: 'string', default: '20' },
  },
});
const ROWS = Number(args.rows),
  IMPORT_ROWS = Number(args['import-rows']),
  UPLOADS = Number(args.uploads);
const PASSWORD = 'bench-password-1';
const log = (s: string) => console.log(`[bench:excel] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** The embedded PostgreSQL's postmaster: the oldest process started with `-D <dir>`. */
function postmasterOf(dir: string): number | null {
  const pids = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  return (
    pids.find((p) => {
      const c = cmdlineOf(p);
      return c.includes('postgres') && c.includes(dir);
    }) ?? null
  );
}
const cpuLine = (u: ReturnType<typeof cpuUse>, secs: number) =>
  `CPU (share of one core): server ${u.serverPct}%, PostgreSQL ${u.postgresPct}%, bench client ${u.loadgenPct}%, everything else on the machine ${u.otherPct}% — server ${((u.serverPct * secs) / 100).toFixed(1)} s, PostgreSQL ${((u.postgresPct * secs) / 100).toFixed(1)} s`;

const work = await mkdtemp(join(tmpdir(), 'zg-bench-excel-'));
const pg = await startEmbeddedPostgres({ dir: join(work, 'pg'), durable: true });
let server: Awaited<ReturnType<typeof startServer>> | null = null;
const results: Record<string, unknown> = { rows: ROWS, importRows: IMPORT_ROWS, uploads: UPLOADS };
try {
  const admin = createDb(pg.url('postgres'), { max: 1 });
  await admin.execute(sql`create database bench`);
  await admin.$client.end();
  const url = pg.url('bench');
  const db = createDb(url, { max: 4 });
  await migrateDb(db);

  // An org tree like the demo's: a township with ten villages.
  const county = await createOrgUnit(db, { name: '孟津区', kind: 'county', parentId: null });
  const town = await createOrgUnit(db, { name: '朝阳镇', kind: 'township', parentId: county.id });
  const office = await createOrgUnit(db, { name: '镇乡村振兴办', kind: 'office', parentId: town.id });
  const labour = await createOrgUnit(db, { name: '镇劳保所', kind: 'office', parentId: town.id });
  const villages = [];
  for (const n of ['朝阳', '南陈', '北陈', '东营', '西营', '前庄', '后庄', '上河', '下河', '新村'])
    villages.push(await createOrgUnit(db, { name: `${n}村`, kind: 'village', parentId: town.id }));
  const [sup] = await db
    .insert(users)
    .values({
      username: 'super',
      displayName: '镇办',
      unitId: office.id,
      roles: ['supervisor'],
      passwordHash: await hashPassword(PASSWORD),
    })
    .returning();
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: '巩固拓展脱贫攻坚成果专项整治',
      ownerUnitId: office.id,
      areaUnitId: town.id,
      startsOn: '2026-01-01',
      settings: DEFAULT_SETTINGS,
    })
    .returning();
  const [cat] = await db
    .insert(categories)
    .values({ campaignId: campaign!.id, code: 'c04', name: '重点人群未参保', leadUnitId: labour.id })
    .returning();

  // One item through the engine, then cloned in SQL: ledger rows with real decider states.
  const engine = createLocalEngine({ db, env: createEngineEnv(db), clock: { now: () => new Date() } });
  const actor = { userId: sup!.id, unitId: office.id, unitPath: office.path, roles: ['supervisor' as const] };
  const seedId = crypto.randomUUID();
  await engine.execute({
    itemId: seedId,
    actor,
    command: {
      type: 'report',
      itemId: seedId,
      campaignId: campaign!.id,
      categoryId: cat!.id,
      source: 'third_party',
      title: '脱贫人口未参加城乡居民医保',
      description: '朝阳村王某户脱贫人口未参加城乡居民医保，经核实系外出务工未及时缴费',
      reportingUnit: { id: office.id, path: office.path },
      ownerUnit: { id: office.id, path: office.path },
      leadUnit: { id: labour.id, path: labour.path },
    },
  });
  await engine.execute({
    itemId: seedId,
    actor,
    command: {
      type: 'assign',
      responsibleUnit: { id: villages[0]!.id, path: villages[0]!.path },
      measures: '入户动员参保，落实分类资助政策，建立台账逐户销号',
      mode: 'phased',
      deadline: '2027-06-30',
      milestones: [{ id: 'm1', title: '完成摸排', dueOn: '2027-03-31' }],
    },
  });
  const t0 = Date.now();
  await db.execute(sql`
    with n as (select gen_random_uuid() as id, g from generate_series(1, ${ROWS - 1}) g)
    insert into items (id, seq_no, campaign_id, category_id, source, title, description, status, version, owner_unit_path, lead_unit_path,
      reporting_unit_path, responsible_unit_id, responsible_unit_path, deadline, overdue, escalation_level, flagged, reported_at, closed_at,
      updated_at, next_wake_at, last_hash, state)
    select n.id, 1 + n.g, i.campaign_id, i.category_id, i.source, i.title || '（' || n.g || '）', i.description || '，第' || n.g || '户', i.status, i.version,
      i.owner_unit_path, i.lead_unit_path, i.reporting_unit_path, i.responsible_unit_id, i.responsible_unit_path, i.deadline, false, 0, false,
      i.reported_at, null, i.updated_at, null, i.last_hash,
      jsonb_set(jsonb_set(jsonb_set(i.state, '{id}', to_jsonb(n.id::text)), '{title}', to_jsonb(i.title || '（' || n.g || '）')), '{description}', to_jsonb(i.description || '，第' || n.g || '户'))
    from items i, n
    where i.id = ${seedId}::uuid`);
  await db.execute(sql`update campaigns set item_counter = ${ROWS} where id = ${campaign!.id}::uuid`);
  await db.execute(sql`analyze items`);
  log(`${ROWS} ledger rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await db.$client.end();

  const port = await freePort();
  process.env.DATA_DIR = join(work, 'data');
  server = await startServer({ databaseUrl: url, port, logFile: join(work, 'server.log'), logLevel: 'warn' });
  const base = server.baseUrl;
  const login = (await (
    await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'super', password: PASSWORD }),
    })
  ).json()) as { token: string };
  const auth = { authorization: `Bearer ${login.token}` };

  // 1. Export.
  await fetch(`${base}/api/v1/items?limit=1`, { headers: auth }); // warm up
  const rss0 = memoryOf(server.pid)!.rssKB;
  let peak = rss0;
  const watch = setInterval(() => {
    const m = memoryOf(server!.pid);
    if (m) peak = Math.max(peak, m.rssKB);
  }, 50);
  const pgPid = postmasterOf(join(work, 'pg'));
  const c0 = cpuSnap(server.pid, pgPid);
  const e0 = Date.now();
  const res = await fetch(`${base}/api/v1/ledger/export?campaignId=${campaign!.id}&format=xlsx`, { headers: auth });
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const exportS = (Date.now() - e0) / 1000;
  const exportCpu = cpuUse(c0, cpuSnap(server.pid, pgPid));
  clearInterval(watch);
  const growthMB = (peak - rss0) / 1024;
  results.export = {
    cpu: exportCpu,
    seconds: exportS,
    bytes,
    rssBeforeMB: rss0 / 1024,
    rssPeakMB: peak / 1024,
    rssGrowthMB: growthMB,
    status: res.status,
  };
  log(
    `export ${ROWS} rows .xlsx: ${exportS.toFixed(1)} s, ${(bytes / 1024 / 1024).toFixed(1)} MB, server RSS ${(rss0 / 1024).toFixed(0)} → peak ${(peak / 1024).toFixed(0)} MB (growth ${growthMB.toFixed(0)} MB) — target ≤ 30 s, ≤ 150 MB`,
  );
  log(`  export ${cpuLine(exportCpu, exportS)}`);

  // 2. Dry-run import.
  const lines = ['序号,问题来源,专项/类别,问题描述,责任单位,整改措施,整改时限,备注'];
  for (let i = 1; i <= IMPORT_ROWS; i++) {
    lines.push(
      `${i},第三方评估,重点人群未参保,第${i}户脱贫人口未参加城乡居民医保,${villages[i % 10]!.name},入户动员参保,2027年${(i % 12) + 1}月底前,`,
    );
  }
  const csvPath = join(work, 'import.csv');
  await writeFile(csvPath, `\ufeff${lines.join('\r\n')}`);
  const form = new FormData();
  form.append('file', new Blob([`\ufeff${lines.join('\r\n')}`]), '第三方评估问题清单.csv');
  const ci0 = cpuSnap(server.pid, pgPid);
  const i0 = Date.now();
  const dry = await fetch(`${base}/api/v1/campaigns/${campaign!.id}/imports?mode=dry_run`, {
    method: 'POST',
    headers: auth,
    body: form,
  });
  const dryBody = (await dry.json()) as { totals?: unknown };
  const importS = (Date.now() - i0) / 1000;
  const importCpu = cpuUse(ci0, cpuSnap(server.pid, pgPid));
  results.dryRunImport = { cpu: importCpu, seconds: importS, status: dry.status, totals: dryBody.totals };
  log(`dry-run import ${IMPORT_ROWS} rows: ${importS.toFixed(1)} s, ${JSON.stringify(dryBody.totals)} — target ≤ 20 s`);
  log(`  import ${cpuLine(importCpu, importS)}`);

  // 3. Concurrent uploads while another client reads the ledger.
  const noise = Buffer.alloc(1600 * 1200 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (Math.imul(i, 2654435761) >>> 24) ^ (i % 251);
  const jpeg = await sharp(noise, { raw: { width: 1600, height: 1200, channels: 3 } })
    .jpeg({ quality: 98 })
    .toBuffer();
  const photo = Buffer.concat([jpeg, Buffer.alloc(Math.max(0, 5 * 1024 * 1024 - jpeg.length))]);
  // "Other requests": two clients, in a worker thread (their own event loop, so the uploads' client work
  // in this thread does not delay them), reading an item with its trail and a ledger page in turn.
  const others = (ms: number | null) =>
    new Promise<[number, number][]>((resolve, reject) => {
      const worker = new Worker(
        `
      const { parentPort, workerData: d } = require('node:worker_threads');
      let on = true; const lat = [];
      parentPort.on('message', () => { on = false; });
      const loop = async (url) => { while (on) { const s = performance.now(); const r = await fetch(url, { headers: d.auth }); await r.arrayBuffer(); lat.push([Date.now(), performance.now() - s]); } };
      Promise.all([loop(d.item), loop(d.page)]).then(() => parentPort.postMessage(lat));
    `,
        {
          eval: true,
          workerData: {
            auth,
            item: `${base}/api/v1/items/${seedId}`,
            page: `${base}/api/v1/items?campaignId=${campaign!.id}&limit=20`,
          },
        },
      );
      worker.once('message', (lat: [number, number][]) => {
        void worker.terminate();
        resolve(lat);
      });
      worker.once('error', reject);
      if (ms !== null) setTimeout(() => worker.postMessage('stop'), ms);
      stopOthers = () => worker.postMessage('stop');
    });
  let stopOthers = () => {};
  const baseline = (await others(5000)).map(([, ms]) => ms);
  log(
    `other requests without uploads: n=${baseline.length} p50 ${pct(baseline, 50).toFixed(0)} ms p99 ${pct(baseline, 99).toFixed(0)} ms`,
  );
  const during = others(null);
  const cu0 = cpuSnap(server.pid, pgPid);
  const u0 = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: UPLOADS }, async (_, k) => {
      const f = new FormData();
      // Distinct bytes per upload (a trailer after the JPEG's end), so every one is hashed, stored and processed.
      f.append('file', new Blob([photo, Buffer.from(`upload-${k}`)]), `现场照片-${k + 1}.jpg`);
      const r = await fetch(`${base}/api/v1/items/${seedId}/attachments?purpose=progress`, {
        method: 'POST',
        headers: auth,
        body: f,
      });
      await r.arrayBuffer();
      return r.status;
    }),
  );
  const uploadS = (Date.now() - u0) / 1000;
  // The picture work (thumbnail, dHash) runs on the evidence queue after the answers: keep measuring
  // the other requests until every photo has its thumbnail, so the background work is counted too.
  let pending = UPLOADS;
  while (pending > 0 && Date.now() - u0 < 600_000) {
    await new Promise((r) => setTimeout(r, 250));
    const list = (await (await fetch(`${base}/api/v1/items/${seedId}/attachments`, { headers: auth })).json()) as {
      attachments: { processing: boolean; thumbnailUrl: string | null }[];
    };
    pending = list.attachments.filter((a) => a.processing).length;
  }
  const processedS = (Date.now() - u0) / 1000;
  const uploadCpu = cpuUse(cu0, cpuSnap(server.pid, pgPid));
  stopOthers();
  const timed = await during;
  const latencies = timed.map(([, ms]) => ms);
  // Split at the last upload's answer: the uploads themselves, then the background picture work alone.
  const answeredAt = u0 + uploadS * 1000;
  const whileUploading = timed.filter(([t]) => t <= answeredAt).map(([, ms]) => ms);
  const whileProcessing = timed.filter(([t]) => t > answeredAt).map(([, ms]) => ms);
  results.uploads = {
    cpu: uploadCpu,
    seconds: uploadS,
    secondsUntilAllThumbnails: processedS,
    statuses: [...new Set(statuses)],
    photoBytes: photo.length + 9,
    otherRequests: {
      n: latencies.length,
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      max: Math.max(...latencies),
    },
    otherRequestsWhileUploading: {
      n: whileUploading.length,
      p50: pct(whileUploading, 50),
      p99: pct(whileUploading, 99),
    },
    otherRequestsWhileProcessing: {
      n: whileProcessing.length,
      p50: pct(whileProcessing, 50),
      p99: pct(whileProcessing, 99),
    },
    otherRequestsWithoutUploads: { n: baseline.length, p50: pct(baseline, 50), p99: pct(baseline, 99) },
  };
  log(
    `${UPLOADS} concurrent ${(photo.length / 1024 / 1024).toFixed(1)} MB photo uploads: answered in ${uploadS.toFixed(1)} s (statuses ${[...new Set(statuses)].join(',')}), all thumbnails after ${processedS.toFixed(1)} s; other requests over that whole time: n=${latencies.length} p50 ${pct(latencies, 50).toFixed(0)} ms p99 ${pct(latencies, 99).toFixed(0)} ms max ${Math.max(...latencies).toFixed(0)} ms — target p99 ≤ 100 ms`,
  );
  log(
    `  until the uploads were answered: n=${whileUploading.length} p50 ${pct(whileUploading, 50).toFixed(0)} ms p99 ${pct(whileUploading, 99).toFixed(0)} ms; then, picture work alone: n=${whileProcessing.length} p50 ${pct(whileProcessing, 50).toFixed(0)} ms p99 ${pct(whileProcessing, 99).toFixed(0)} ms`,
  );
  log(`  uploads ${cpuLine(uploadCpu, processedS)} (the picture work's child process counts as "everything else")`);
  await writeFile(
    join(import.meta.dirname, 'results', 'excel.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
} finally {
  await server?.stop();
  await pg.stop();
  await rm(work, { recursive: true, force: true });
}
