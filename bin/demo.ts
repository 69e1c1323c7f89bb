// `npm start -- --demo`: seed 003's township — the town, its villages and offices, the ten special
// rectifications, users for every role, and ~200 items driven through the real engine on a
// simulated clock (so every timeline, reminder and escalation is one the system itself produced).
import { eq } from 'drizzle-orm';
import { DEFAULT_SETTINGS } from '../domain/item/index.ts';
import type { Actor, ItemCommand, ItemSource, ItemState, Role } from '../domain/item/types.ts';
import type { Db } from '../db/client.ts';
import { hashPassword } from '../db/queries/auth.ts';
import { createOrgUnit } from '../db/queries/org.ts';
import { campaigns, categories, documentOffices, items, users, type OrgUnitRow } from '../db/schema.ts';
import { CommandRefused, systemClock } from '../workflows/engine.ts';
import { createEngineEnv } from '../workflows/engine-env.ts';
import { createLocalEngine } from '../workflows/local/local-engine.ts';
import { sweepDueItems } from '../workflows/local/sweep.ts';
import { DEMO, NAMES } from './demo-data.ts';
import { loadDemoHistory } from './demo-history.ts';
import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.ts';
import type { Config } from './config.ts';
import type { Log } from './database.ts';

export const DEMO_PASSWORD = 'zhenggai-demo';
const DAY = 86_400_000;

interface DemoUser {
  username: string;
  displayName: string;
  unit: OrgUnitRow;
  roles: Role[];
  head?: boolean;
  id?: string;
}

/** `fresh`: written now (false: this database had the demo already). */
export async function loadDemo(
  db: Db,
  log: Log,
  opts: { items?: number; now?: Date; year?: number } = {},
): Promise<{ campaignId: string; fresh: boolean }> {
  const now = opts.now ?? systemClock.now();
  const year = opts.year ?? Number(new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 4));
  const name = DEMO.campaignName(year);
  const [existing] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.name, name));
  if (existing) {
    log(`demo already loaded (${name}); users below`);
    printUsers(
      log,
      await db.select({ username: users.username, displayName: users.displayName, roles: users.roles }).from(users),
    );
    return { campaignId: existing.id, fresh: false };
  }
  const t0 = Date.now();
  // The org tree: county → township → villages and town offices.
  const county = await createOrgUnit(db, {
    name: DEMO.county.name,
    kind: 'county',
    parentId: null,
    divisionCode: DEMO.county.divisionCode,
  });
  const town = await createOrgUnit(db, { name: DEMO.township, kind: 'township', parentId: county.id });
  const offices = new Map<string, OrgUnitRow>();
  for (const o of DEMO.offices) offices.set(o, await createOrgUnit(db, { name: o, kind: 'office', parentId: town.id }));
  const villages: OrgUnitRow[] = [];
  for (const v of DEMO.villages)
    villages.push(
      await createOrgUnit(db, { name: v, kind: v.endsWith('社区') ? 'community' : 'village', parentId: town.id }),
    );
  const office = (n: string) => offices.get(n)!;
  // 000 §七: petition items (信访) are rechecked by the county level — the county's 信访局 in the demo.
  const xinfang = await createOrgUnit(db, { name: `${DEMO.county.name}信访局`, kind: 'office', parentId: county.id });

  const people: DemoUser[] = [
    { username: 'admin', displayName: '系统管理员', unit: county, roles: ['admin'] },
    // The county's reader: follows every township's campaign without acting on items (no notices to it).
    { username: 'quban', displayName: '孟津区乡村振兴局 督导员', unit: county, roles: ['viewer'] },
    {
      username: 'zhenban',
      displayName: '镇乡村振兴办 李主任',
      unit: office('镇乡村振兴办'),
      roles: ['supervisor', 'lead'],
      head: true,
    },
    { username: 'ducha', displayName: '镇督查考评办 王科长', unit: office('镇督查考评办'), roles: ['supervisor'] },
    { username: 'laobao', displayName: '镇劳保所 陈所长', unit: office('镇劳保所'), roles: ['lead'], head: true },
    { username: 'cunzhen', displayName: '镇村镇所 赵所长', unit: office('镇村镇所'), roles: ['lead'], head: true },
    { username: 'kejiao', displayName: '镇科教办 周主任', unit: office('镇科教办'), roles: ['lead'], head: true },
    {
      username: 'nongfu',
      displayName: '镇农业服务中心 吴主任',
      unit: office('镇农业服务中心'),
      roles: ['lead'],
      head: true,
    },
    { username: 'minzheng', displayName: '镇民政所 孙所长', unit: office('镇民政所'), roles: ['lead'], head: true },
    {
      username: 'qifu',
      displayName: '镇企业服务办公室 徐主任',
      unit: office('镇企业服务办公室'),
      roles: ['lead'],
      head: true,
    },
    { username: 'yanshou', displayName: '镇验收组 黄组长', unit: office('镇督查考评办'), roles: ['inspector'] },
    { username: 'xinfang', displayName: '县信访局 复核员', unit: xinfang, roles: ['inspector'] },
    { username: 'jijian', displayName: '镇纪委 刘书记', unit: office('镇纪委'), roles: ['viewer'] },
    ...villages.flatMap((v, i) => [
      {
        username: `cun${String(i + 1).padStart(2, '0')}`,
        displayName: `${v.name} 村干部`,
        unit: v,
        roles: ['handler'] as Role[],
      },
      {
        username: `cun${String(i + 1).padStart(2, '0')}-shuji`,
        displayName: `${v.name} 党支部书记`,
        unit: v,
        roles: ['handler'] as Role[],
        head: true,
      },
    ]),
  ];
  const hash = await hashPassword(DEMO_PASSWORD);
  for (const p of people) {
    const [row] = await db
      .insert(users)
      .values({
        username: p.username,
        displayName: p.displayName,
        unitId: p.unit.id,
        roles: p.roles,
        isUnitHead: p.head ?? false,
        passwordHash: hash,
      })
      .returning({ id: users.id });
    p.id = row!.id;
  }
  const actor = (username: string): Actor => {
    const p = people.find((x) => x.username === username)!;
    // The level the duty policy reads (db/queries/auth.ts gives the same for a signed-in user).
    const level = !p.unit.path.startsWith(town.path) ? 'county' : villages.includes(p.unit) ? 'village' : 'township';
    return { userId: p.id!, unitId: p.unit.id, unitPath: p.unit.path, roles: p.roles, level };
  };

  // The campaign office's 版头 and 发文字号 prefix (朝振办〔2026〕n号), as its documents carry them.
  await db.insert(documentOffices).values({
    unitId: office('镇乡村振兴办').id,
    prefix: '朝振办',
    flag: '朝阳镇乡村振兴办公室文件',
    fullName: '朝阳镇乡村振兴办公室',
    printedBy: '朝阳镇乡村振兴办公室',
    copyTo: ['镇党委', '镇人大', '镇纪委'],
  });

  const [campaign] = await db
    .insert(campaigns)
    .values({
      name,
      ownerUnitId: office('镇乡村振兴办').id,
      areaUnitId: town.id,
      startsOn: `${year}-03-01`,
      endsOn: `${year}-12-31`,
      settings: { ...DEFAULT_SETTINGS, recheckSeed: `chaoyang-${year}` },
    })
    .returning();
  const cats = [];
  for (const [i, c] of DEMO.categories.entries()) {
    const [row] = await db
      .insert(categories)
      .values({
        campaignId: campaign!.id,
        code: c.code,
        name: c.name,
        leadUnitId: office(c.lead).id,
        problemTypes: [...c.problemTypes],
        measures: [...c.measures],
        focusQuarters: [...c.quarters],
        sortOrder: i + 1,
      })
      .returning();
    cats.push({ row: row!, data: c });
  }
  const leadUser = (leadOffice: string) =>
    people.find((p) => p.unit.name === leadOffice && p.roles.includes('lead'))!.username;

  // Items: driven through the engine on a clock that walks from March to today.
  const clock = {
    t: new Date(`${year}-03-01T01:00:00Z`),
    now() {
      return this.t;
    },
  };
  const engine = createLocalEngine({ db, env: createEngineEnv(db), clock });
  const rnd = mulberry32(year);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const start = new Date(`${year}-03-01T01:00:00Z`).getTime();
  const end = now.getTime() - 2 * DAY;
  const sources: ItemSource[] = [
    'screening',
    'screening',
    'self_report',
    'department_screening',
    'third_party',
    'inspection',
    'petition',
    'hotline',
    'audit',
  ];
  const targets = [
    'reported',
    'assigned',
    'in_progress',
    'in_progress',
    'in_progress',
    'submitted',
    'closed',
    'closed',
    'verified',
    'verified',
    'dismissed',
  ] as const;
  const count = opts.items ?? 200;
  let refusals = 0;

  for (let n = 0; n < count; n++) {
    const cat = pick(cats);
    const village = villages[n % villages.length]!;
    const villageIdx = villages.indexOf(village);
    const handler = `cun${String(villageIdx + 1).padStart(2, '0')}`;
    const lead = leadUser(cat.data.lead);
    const target = pick(targets);
    const itemId = demoItemId(year, n);
    let t = start + rnd() * (end - start);
    const at = (days: number) => {
      t += days * DAY;
      return t < end;
    };
    const step = async (who: string | null, command: ItemCommand): Promise<ItemState | null> => {
      clock.t = new Date(t);
      try {
        if (command.type !== 'report') await engine.execute({ itemId, command: { type: 'tick' }, actor: null });
        return (await engine.execute({ itemId, command, actor: who ? actor(who) : null })).state;
      } catch (err) {
        if (!(err instanceof CommandRefused)) throw err;
        if (++refusals <= 5) log(`demo: ${command.type} refused by the rules (${err.error.code}): ${err.message}`);
        return null;
      }
    };
    const family = pick(NAMES.family);
    const source = pick(sources);
    const reporter = source === 'self_report' || source === 'screening' ? handler : 'zhenban';
    const reporterUnit = people.find((p) => p.username === reporter)!.unit;
    const reported = await step(reporter, {
      type: 'report',
      itemId,
      campaignId: campaign!.id,
      categoryId: cat.row.id,
      source,
      title: `${village.name}${family}某户：${pick(cat.data.samples)}`,
      description: `${cat.data.name}排查发现：${village.name}${family}${pick(NAMES.given)}户，${pick(cat.data.problemTypes)}。`,
      person: {
        name: `${family}${pick(NAMES.given)}`,
        phone: `13${Math.floor(100000000 + rnd() * 899999999)}`,
        idNumber: `410308${1950 + Math.floor(rnd() * 60)}0${1 + Math.floor(rnd() * 9)}1${Math.floor(rnd() * 10)}${Math.floor(100 + rnd() * 899)}${Math.floor(rnd() * 10)}`,
      },
      location: `${DEMO.township}${village.name}`,
      reportingUnit: { id: reporterUnit.id, path: reporterUnit.path },
      ownerUnit: { id: office('镇乡村振兴办').id, path: office('镇乡村振兴办').path },
      leadUnit: { id: cat.row.leadUnitId, path: office(cat.data.lead).path },
    });
    if (!reported || target === 'reported' || !at(1 + rnd() * 3)) continue;
    if (target === 'dismissed') {
      await step('zhenban', { type: 'dismiss', reason: '经核实，问题不属实，予以核销。' });
      continue;
    }
    const phased = rnd() < 0.6;
    const today = new Date(t + 8 * 3600_000).toISOString().slice(0, 10);
    const plus = (d: number) => new Date(Date.parse(today) + d * DAY).toISOString().slice(0, 10);
    const span = 20 + Math.floor(rnd() * 60);
    await step(lead, {
      type: 'assign',
      responsibleUnit: { id: village.id, path: village.path },
      measures: pick(cat.data.measures),
      mode: phased ? 'phased' : 'immediate',
      ...(phased ? { deadline: plus(span) } : {}),
      milestones: phased
        ? [
            { id: 'm1', title: '制定整改方案、排出时间节点', dueOn: plus(Math.floor(span / 3)) },
            { id: 'm2', title: '整改完成、对账销号', dueOn: plus(span) },
          ]
        : undefined,
    });
    if (target === 'assigned' || !at(1 + rnd() * 2)) continue;
    await step(handler, { type: 'accept' });
    if (!at(3 + rnd() * 10)) continue;
    let s = await step(handler, {
      type: 'record_progress',
      note: `已入户核实，${pick(cat.data.measures)}工作正在推进。`,
      substantive: rnd() < 0.8,
    });
    if (target === 'in_progress') continue;
    if (phased && s) {
      for (const m of s.milestones) {
        if (at(2 + rnd() * 5))
          s = (await step(handler, { type: 'complete_milestone', milestoneId: m.id, note: `${m.title}已完成` })) ?? s;
      }
    }
    if (!at(2 + rnd() * 6)) continue;
    s = await step(handler, {
      type: 'submit',
      summary: `${cat.data.measures[0]}已落实到户，问题整改到位，申请销号。`,
      evidence: [`整改前后对比照片-${n + 1}.jpg`, `入户核实记录-${n + 1}.pdf`],
    });
    if (s && rnd() < 0.25 && at(1 + rnd() * 3)) {
      await step(lead, { type: 'reject', reason: '佐证材料不全，缺少户主签字确认，退回补充。' });
      if (at(2 + rnd() * 4))
        s = await step(handler, {
          type: 'submit',
          summary: '已补充户主签字确认材料。',
          evidence: [`户主签字确认-${n + 1}.jpg`],
        });
    }
    if (target === 'submitted' || !at(1 + rnd() * 4)) continue;
    s = await step(lead, { type: 'approve', note: '经审核，整改到位，同意销号。' });
    if (target === 'closed' || !s?.recheck || !at(3 + rnd() * 10)) continue;
    const passed = rnd() < 0.85;
    await step(
      source === 'petition' ? 'xinfang' : 'yanshou',
      passed
        ? { type: 'recheck', passed: true, findings: '复核属实，整改到位。' }
        : { type: 'recheck', passed: false, findings: '回头看发现问题反弹，重新整改。' },
    );
  }
  // Catch up on everything that fell due between the last command and today.
  clock.t = now;
  const swept = await sweepDueItems({ db, engine, clock });
  log(
    `demo loaded in ${Date.now() - t0} ms: ${DEMO.township}, ${villages.length} villages, ${offices.size} offices, ` +
      `${cats.length} categories, ${count} items (${swept.events} catch-up events, ${refusals} commands refused by the rules)`,
  );
  await loadDemoHistory(db, log, { campaignId: campaign!.id, year, now });
  printUsers(log, people);
  return { campaignId: campaign!.id, fresh: true };
}

/**
 * ENGINE=temporal: the demo's items get their workflows, from the ledger rows the local engine wrote. The demo's
 * item ids come from the year, so a Temporal server that ran an earlier demo (into another database) still runs
 * workflows of these ids holding that demo's states: the notifier's first NoticeSent through one of them met a
 * ledger row at another version (LedgerDiverged, "Workflow Update failed") and the notices were never recorded.
 * A fresh demo therefore replaces the workflow of every one of its items (verified ones too: the notifier
 * records through them); a demo already loaded starts only what is missing, as temporal-migrate does.
 */
export async function startDemoWorkflows(
  config: Config,
  db: Db,
  log: Log,
  demo: { campaignId: string; fresh: boolean },
): Promise<void> {
  const migrate = await import('./temporal-migrate.ts'); // the Temporal client only when Temporal runs the demo
  if (!demo.fresh) {
    const r = await migrate.startOpenItemWorkflows(config, db, log);
    log(`demo on Temporal: ${r.started} item workflows started, ${r.running} were running already`);
    return;
  }
  const t0 = Date.now();
  const rows = await db
    .select({ id: items.id, state: items.state })
    .from(items)
    .where(eq(items.campaignId, demo.campaignId));
  await migrate.withTemporalClient(config, async (client) => {
    const start = migrate.workflowStarter(client, config.TEMPORAL_TASK_QUEUE, { replace: true });
    let next = 0;
    const lane = async () => {
      while (next < rows.length) await start(rows[next++]!);
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  });
  log(`demo on Temporal: ${rows.length} item workflows started from the new ledger rows in ${Date.now() - t0} ms`);
}

function printUsers(log: Log, list: { username: string; displayName: string; roles: string[] }[]) {
  log(`demo users (password for all: ${DEMO_PASSWORD}):`);
  for (const u of list) log(`  ${u.username.padEnd(14)} ${u.roles.join(',').padEnd(18)} ${u.displayName}`);
}

/**
 * The demo's item ids, derived from the year and the item's number: the recheck sample is drawn by item id
 * (domain/item/recheck.ts), so random ids would give a different year of rankings on every load — and a
 * different unit called in for 约谈. The demo is loaded once per database, so these never collide.
 */
function demoItemId(year: number, n: number): string {
  const h = createHash('sha256').update(`zhenggai-demo:${year}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
