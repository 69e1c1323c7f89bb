// build(): a real app on its own real database, with a clock the test moves, and seeded people.
import { afterAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppDeps, buildApp } from '../../api/app.ts';
import { createLocalStore } from '../../storage/local-store.ts';
import { DEFAULT_SETTINGS } from '../../domain/item/index.ts';
import type { CampaignSettings, Role } from '../../domain/item/types.ts';
import { createDb, type Db } from '../../db/client.ts';
import { newTrailKeyPem, signerFromPem, type TrailSigner } from '../../services/trail/signer.ts';
import { hashPassword } from '../../db/queries/auth.ts';
import { createOrgUnit } from '../../db/queries/org.ts';
import { campaigns, categories, users, type OrgUnitRow } from '../../db/schema.ts';
import { createEngineEnv } from '../../workflows/engine-env.ts';
import { createLocalEngine, type LocalEngine } from '../../workflows/local/local-engine.ts';
import { createTestDatabase } from './db.ts';
import { startTemporalRuntime, type TemporalRuntime } from './temporal-runtime.ts';
import { type Background, startBackground } from './background.ts';

export class TestClock {
  constructor(public t: Date) {}
  now() {
    return this.t;
  }
  set(iso: string) {
    this.t = new Date(iso);
  }
  advanceDays(d: number) {
    this.t = new Date(this.t.getTime() + d * 86_400_000);
  }
}

/** The real clock, for a World on a real Temporal server (whose workflows read the server's time). */
class LiveClock extends TestClock {
  constructor() {
    super(new Date());
  }
  override now() {
    return new Date();
  }
  override set(): never {
    throw new Error('this World runs on a real Temporal server: its clock is real time and cannot be set');
  }
  override advanceDays(): never {
    throw new Error('this World runs on a real Temporal server: its clock is real time and cannot be moved');
  }
}

export const PASSWORD = 'test-password-1';
/** One checkpoint key per test file (outside the database, as in production). */
export const TEST_TRAIL_KEY = newTrailKeyPem();

export interface World {
  app: FastifyInstance;
  /** The owner's handle (fixtures; the forger of the trail tests). */
  db: Db;
  /** The application's role: what the app, its engine and workers use. */
  appDb: Db;
  trailSigner: TrailSigner;
  /** The application role's connection string. */
  url: string;
  /** The owner's connection string (migrations). */
  ownerUrl: string;
  clock: TestClock;
  /** The local engine on this World's database (the app's engine unless `temporal` is set). */
  engine: LocalEngine;
  /** With build({ engine: 'temporal' }): the app's commands go through Workflow Updates on this runtime. */
  temporal: TemporalRuntime | null;
  /** Where the test's evidence files live (local store and staging folder). */
  evidence: NonNullable<AppDeps['evidence']>;
  /** With build({ background: true }): the queues and workers `npm start` runs (else photos and imports run inline). */
  background: Background | null;
  units: Record<
    'county' | 'town' | 'office' | 'labour' | 'inspection' | 'village1' | 'village2' | 'xinfang',
    OrgUnitRow
  >;
  campaignId: string;
  categoryId: string;
  /** username → bearer token */
  tokens: Record<string, string>;
  userIds: Record<string, string>;
  /** inject with a user's token; JSON in, JSON out */
  call(
    user: string | null,
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
}

export async function build(
  opts: {
    now?: string;
    settings?: Partial<CampaignSettings>;
    evidence?: AppDeps['evidence'];
    imports?: AppDeps['imports'];
    background?: boolean;
    /** 'temporal': the app's engine is the Temporal one on the run's `temporal server start-dev`, with a
     * real worker; the clock is then real time (`now` is ignored). */
    engine?: 'local' | 'temporal';
    /** With engine 'temporal': how long a command waits for the workflow's answer before 503 `applied: "unknown"`. */
    temporalCommandTimeoutMs?: number;
    /** Crash points for fault tests (AppDeps.faults). */
    faults?: AppDeps['faults'];
    /** With engine 'temporal': a Temporal server of the test's own instead of the run's. */
    temporalAddress?: string;
  } = {},
): Promise<World> {
  const { db, url: ownerUrl, appUrl } = await createTestDatabase();
  // The app, its engine and its workers connect as the application's role, as `npm start` does.
  const appDb = createDb(appUrl, { max: 10 });
  const url = appUrl;
  const onTemporal = opts.engine === 'temporal';
  const clock = onTemporal ? new LiveClock() : new TestClock(new Date(opts.now ?? '2026-03-02T02:00:00.000Z'));
  const env = createEngineEnv(appDb, 0);
  const engine = createLocalEngine({ db: appDb, env, clock });
  const temporal = onTemporal
    ? await startTemporalRuntime('dev-server', appDb, {
        commandTimeoutMs: opts.temporalCommandTimeoutMs,
        address: opts.temporalAddress,
      })
    : null;
  const appEngine = temporal?.engine ?? engine;
  const files = await mkdtemp(join(tmpdir(), 'zg-files-'));
  const evidence = opts.evidence ?? {
    store: createLocalStore(join(files, 'store')),
    stageDir: join(files, 'stage'),
    limits: { maxFileBytes: 8 * 1024 * 1024, maxRequestBytes: 20 * 1024 * 1024, maxFiles: 5 },
  };
  const imports = opts.imports ?? {
    maxRows: 20_000,
    maxColumns: 60,
    maxUncompressedBytes: 50 * 1024 * 1024,
    maxFileBytes: 8 * 1024 * 1024,
  };
  if (onTemporal && opts.background)
    throw new Error('build(): background work on the Temporal engine is not wired yet');
  const trailSigner = signerFromPem(TEST_TRAIL_KEY);
  const documents: NonNullable<AppDeps['documents']> = {};
  const background = opts.background
    ? await startBackground({ db: appDb, url, engine, clock, evidence, imports, documents })
    : null;
  const app = await buildApp({
    db: appDb,
    trailSigner,
    engine: appEngine,
    ...(temporal ? { stuckWorkflows: () => temporal.engine.stuckWorkflows() } : {}),
    env,
    clock,
    evidence,
    imports,
    documents,
    config: { TOKEN_TTL_HOURS: 24, BODY_LIMIT: 64 * 1024, LOG_LEVEL: 'silent' },
    faults: opts.faults,
  });
  afterAll(async () => {
    await background?.close();
    await app.close();
    await temporal?.close();
    await appDb.$client.end();
    await rm(files, { recursive: true, force: true });
  });

  const county = await createOrgUnit(db, { name: '孟津区', kind: 'county', parentId: null, divisionCode: '410308' });
  const town = await createOrgUnit(db, { name: '朝阳镇', kind: 'township', parentId: county.id });
  const office = await createOrgUnit(db, { name: '镇乡村振兴办', kind: 'office', parentId: town.id });
  const labour = await createOrgUnit(db, { name: '镇劳保所', kind: 'office', parentId: town.id });
  const inspection = await createOrgUnit(db, { name: '镇督查考评办', kind: 'office', parentId: town.id });
  const village1 = await createOrgUnit(db, { name: '朝阳村', kind: 'village', parentId: town.id });
  const village2 = await createOrgUnit(db, { name: '南陈村', kind: 'village', parentId: town.id });
  // A county office: petition items (信访) are rechecked by the county level (000 §七).
  const xinfang = await createOrgUnit(db, { name: '区信访局', kind: 'office', parentId: county.id });
  const units = { county, town, office, labour, inspection, village1, village2, xinfang };

  const hash = await hashPassword(PASSWORD);
  const people: [string, OrgUnitRow, Role[]][] = [
    ['admin', county, ['admin']],
    ['super', office, ['supervisor']],
    ['lead', labour, ['lead']],
    ['h1', village1, ['handler']],
    ['h2', village2, ['handler']],
    ['insp', inspection, ['inspector']],
    ['insp1', village1, ['inspector']],
    ['viewer', town, ['viewer']],
    ['leadhandler', village1, ['lead', 'handler']],
    ['xfj', xinfang, ['inspector']],
  ];
  const userIds: Record<string, string> = {};
  for (const [username, unit, roles] of people) {
    const [row] = await db
      .insert(users)
      .values({ username, displayName: username, unitId: unit.id, roles, passwordHash: hash })
      .returning();
    userIds[username] = row!.id;
  }
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: '专项整治',
      ownerUnitId: office.id,
      areaUnitId: town.id,
      startsOn: '2026-03-01',
      settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    })
    .returning();
  const [category] = await db
    .insert(categories)
    .values({ campaignId: campaign!.id, code: 'c04', name: '重点人群未参保', leadUnitId: labour.id })
    .returning();

  const call: World['call'] = async (user, method, u, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url: u,
      headers: {
        ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
  const tokens: Record<string, string> = {};
  for (const [username] of people) {
    const r = await call(null, 'POST', '/api/v1/auth/login', { username, password: PASSWORD });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${JSON.stringify(r.body)}`);
    tokens[username] = r.body.token;
  }
  return {
    app,
    db,
    appDb,
    trailSigner,
    url,
    ownerUrl,
    clock,
    engine,
    temporal,
    evidence,
    background,
    units,
    campaignId: campaign!.id,
    categoryId: category!.id,
    tokens,
    userIds,
    call,
  };
}

/** Report an item as `user` and return its id. */
export async function report(w: World, user = 'super', extra: Record<string, unknown> = {}): Promise<string> {
  const r = await w.call(user, 'POST', '/api/v1/items', {
    campaignId: w.campaignId,
    categoryId: w.categoryId,
    source: 'screening',
    title: '脱贫人口未参加城乡居民医保',
    description: '朝阳村王某户脱贫人口未参保',
    ...extra,
  });
  if (r.status !== 201) throw new Error(`report failed: ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function assign(w: World, id: string, extra: Record<string, unknown> = {}) {
  const r = await w.call('lead', 'POST', `/api/v1/items/${id}/assign`, {
    responsibleUnitId: w.units.village1.id,
    measures: '动员参保，落实分类资助',
    mode: 'immediate',
    ...extra,
  });
  if (r.status !== 200) throw new Error(`assign failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Upload files to an item (multipart, built by hand as a browser would) and return their attachment ids. */
export async function upload(
  w: World,
  user: string,
  itemId: string,
  files: { name: string; bytes: Buffer; type?: string }[],
  purpose = 'progress',
) {
  const r = await uploadRaw(w, user, itemId, files, purpose);
  if (r.status !== 201) throw new Error(`upload failed: ${JSON.stringify(r.body)}`);
  return (r.body.attachments as { id: string }[]).map((a) => a.id);
}

export function multipartBody(files: { name: string; bytes: Buffer; type?: string }[]) {
  const boundary = `----zg${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"; filename*=UTF-8''${encodeURIComponent(f.name)}\r\nContent-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
    );
    parts.push(f.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function uploadRaw(
  w: World,
  user: string,
  itemId: string,
  files: { name: string; bytes: Buffer; type?: string }[],
  purpose = 'progress',
) {
  const { body, contentType } = multipartBody(files);
  const res = await w.app.inject({
    method: 'POST',
    url: `/api/v1/items/${itemId}/attachments?purpose=${purpose}`,
    payload: body,
    headers: { authorization: `Bearer ${w.tokens[user]}`, 'content-type': contentType },
  });
  let parsed: any = null;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = res.body;
  }
  return { status: res.statusCode, body: parsed, headers: res.headers };
}

/** A small, unique PDF uploaded to the item as evidence; returns its attachment id. */
export async function evidenceFile(
  w: World,
  user: string,
  itemId: string,
  name = '佐证材料.pdf',
  purpose = 'submission',
): Promise<string> {
  const bytes = Buffer.from(`%PDF-1.4\n% ${name} ${Math.random()}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n`);
  const [id] = await upload(w, user, itemId, [{ name, bytes, type: 'application/pdf' }], purpose);
  return id!;
}
