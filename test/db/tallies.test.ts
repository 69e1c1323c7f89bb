// The dashboard's tallies (db/schema/tallies.ts) against the items they count: after a year of the
// demo campaign (imports, commands, sweeps, 督办), after writes by hand in SQL, after a rolled-back
// transaction, with folds racing writers, and after a rebuild. Key by key, and as the dashboard shows
// them, counted here from the items by a computation of its own.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../bin/demo.ts';
import type { Db } from '../../db/client.ts';
import { ledgerStats } from '../../db/queries/stats.ts';
import { foldTallies, tallyDrift } from '../../db/queries/tallies.ts';
import { DEADLINE_RUNNING } from '../../domain/item/deadline.ts';
import { createQueueKit } from '../../workers/queues.ts';
import { startTallyFold } from '../../workers/tally-fold.ts';
import { createTestDatabase } from '../support/db.ts';

let db: Db;
let url: string;
let campaignId: string;
let townPath: string;
let villagePath: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  ({ campaignId } = await loadDemo(db, () => {}, { items: 80, now: new Date('2027-01-12T02:00:00.000Z'), year: 2026 }));
  const units = await rows<{ kind: string; path: string }>(sql`select kind, path from org_units order by path`);
  townPath = units.find((u) => u.kind === 'township')!.path;
  villagePath = units.find((u) => u.kind === 'village')!.path;
}, 240_000);

async function rows<T>(q: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(q)).rows as T[];
}

const drift = () => tallyDrift(db);

const count = async (table: 'item_tallies' | 'item_tally_changes') =>
  Number((await rows<{ n: string }>(sql`select count(*) n from ${sql.identifier(table)}`))[0]!.n);

interface ItemRow {
  scope_paths: string[];
  status: string;
  responsible_unit_id: string | null;
  category_id: string | null;
  reported_at: string;
  closed_at: string | null;
  overdue: boolean;
  flagged: boolean;
  supervision: { level?: string; overdueAt?: string | null } | null;
}

/** The dashboard's figures counted from the items themselves, in JS. */
async function fromItems(scopePath: string | null) {
  const all = await rows<ItemRow>(sql`
    select scope_paths, status, responsible_unit_id, category_id, reported_at::text, closed_at::text, overdue, flagged,
           state->'supervision' supervision
    from items where campaign_id = ${campaignId}`);
  const mine = all.filter((r) => scopePath === null || r.scope_paths.includes(scopePath));
  const month = (t: string | null) => (t ? new Date(Date.parse(t) + 8 * 3600_000).toISOString().slice(0, 7) : null);
  const tally = <K>(key: (r: ItemRow) => K) => {
    const m = new Map<K, number>();
    for (const r of mine) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
    return m;
  };
  const overdue = (r: ItemRow) => r.overdue && (DEADLINE_RUNNING as readonly string[]).includes(r.status);
  const flagged = mine.filter((r) => r.flagged);
  return {
    total: mine.length,
    overdue: mine.filter(overdue).length,
    byStatus: Object.fromEntries(tally((r) => r.status)),
    supervision: {
      duban: flagged.filter((r) => (r.supervision?.level ?? 'guapai') === 'duban').length,
      guapai: flagged.filter((r) => (r.supervision?.level ?? 'guapai') === 'guapai').length,
      overdue: flagged.filter((r) => r.supervision?.overdueAt).length,
    },
    flagged: flagged.length,
    byUnit: new Map(
      [...tally((r) => r.responsible_unit_id)].map(([id, total]) => [
        id,
        { total, overdue: mine.filter((r) => r.responsible_unit_id === id && overdue(r)).length },
      ]),
    ),
    byCategory: tally((r) => r.category_id),
    reported: tally((r) => month(r.reported_at)),
    closed: tally((r) => month(r.closed_at)),
  };
}

async function expectDashboardMatchesItems(scopePath: string | null) {
  const s = await ledgerStats(db, { scopePath }, { campaignId });
  const want = await fromItems(scopePath);
  expect(s.totals).toMatchObject({
    total: want.total,
    overdue: want.overdue,
    flagged: want.flagged,
    supervision: want.supervision,
    byStatus: want.byStatus,
  });
  expect(new Map(s.byUnit.map((u) => [u.unitId, { total: u.total, overdue: u.overdue }]))).toEqual(want.byUnit);
  expect(new Map(s.byCategory.map((c) => [c.categoryId, c.total]))).toEqual(want.byCategory);
  for (const m of s.byMonth) {
    expect(m.reported).toBe(want.reported.get(m.month) ?? 0);
    expect(m.closed).toBe(want.closed.get(m.month) ?? 0);
  }
  expect(s.byMonth.reduce((n, m) => n + m.reported, 0)).toBe(want.total);
  return s;
}

describe('the dashboard tallies', () => {
  it('count every item under its keys after a year of the demo, before a fold and after it', async () => {
    expect(await count('item_tally_changes')).toBeGreaterThan(0);
    expect(await drift()).toEqual([]);
    const before = await expectDashboardMatchesItems(townPath);
    // the demo's year moves items through every state the dashboard counts
    expect(Object.keys(before.totals.byStatus).length).toBeGreaterThanOrEqual(4);
    expect(before.totals.flagged).toBeGreaterThan(0);
    await expectDashboardMatchesItems(villagePath);
    await expectDashboardMatchesItems(null);

    expect(await foldTallies(db)).toBeGreaterThan(0);
    expect(await count('item_tally_changes')).toBe(0);
    expect(await drift()).toEqual([]);
    expect(await ledgerStats(db, { scopePath: townPath }, { campaignId })).toEqual(before);
    // a fold with nothing to fold touches nothing; no tally is left at zero
    expect(await foldTallies(db)).toBe(0);
    expect(await rows(sql`select 1 from item_tallies where n <= 0`)).toEqual([]);
  });

  it('follow writes made by hand in SQL, and nothing of a transaction rolled back', async () => {
    const [one] = await rows<{ id: string }>(
      sql`select id from items where campaign_id = ${campaignId} and status = 'in_progress' and not flagged limit 1`,
    );
    const village2 = (
      await rows<{ id: string; path: string }>(
        sql`select id, path from org_units where kind = 'village' order by path offset 1 limit 1`,
      )
    )[0]!;
    // another responsible unit (its scope moves with it), then 督办, then closed
    await db.execute(
      sql`update items set responsible_unit_id = ${village2.id}, responsible_unit_path = ${village2.path} where id = ${one!.id}`,
    );
    await db.execute(
      sql`update items set flagged = true, state = jsonb_set(state, '{supervision}', '{"level":"duban","overdueAt":"2026-12-01T00:00:00Z"}') where id = ${one!.id}`,
    );
    await db.execute(sql`update items set status = 'closed', closed_at = now() where id = ${one!.id}`);
    expect(await drift()).toEqual([]);
    await expectDashboardMatchesItems(townPath);
    await expectDashboardMatchesItems(village2.path);

    // a row written and removed by hand (the generated columns left out of the copy)
    const cols = (
      await rows<{ column_name: string }>(
        sql`select column_name from information_schema.columns where table_name = 'items' and is_generated = 'NEVER' and column_name not in ('id', 'seq_no') order by ordinal_position`,
      )
    ).map((c) => sql.identifier(c.column_name));
    const list = sql.join(cols, sql`, `);
    const copy = '00000000-0000-4000-8000-00000000abcd';
    await db.execute(
      sql`insert into items (id, seq_no, ${list}) select ${copy}::uuid, 999999, ${list} from items where id = ${one!.id}`,
    );
    expect(await drift()).toEqual([]);
    await db.execute(sql`delete from items where id = ${copy}`);
    expect(await drift()).toEqual([]);

    const changes = await count('item_tally_changes');
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`update items set status = 'dismissed' where campaign_id = ${campaignId}`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count('item_tally_changes')).toBe(changes);
    expect(await drift()).toEqual([]);
  });

  it('a command that moves no key appends no change', async () => {
    const changes = await count('item_tally_changes');
    await db.execute(
      sql`update items set version = version + 1, updated_at = now(), state = jsonb_set(state, '{summary}', '"进展"') where campaign_id = ${campaignId}`,
    );
    expect(await count('item_tally_changes')).toBe(changes);
  });

  it('lose nothing when folds race writers', async () => {
    const ids = (
      await rows<{ id: string }>(sql`select id from items where campaign_id = ${campaignId} order by seq_no limit 40`)
    ).map((r) => r.id);
    const statuses = ['assigned', 'in_progress', 'submitted', 'closed', 'verified'];
    const writer = async (k: number) => {
      for (let i = 0; i < 20; i++) {
        // two rows per transaction, locked in id order as the commands do not need to: no deadlock between writers
        const [first, second] = [ids[(k * 7 + i) % ids.length]!, ids[(k + i * 3) % ids.length]!].sort();
        await db.transaction(async (tx) => {
          await tx.execute(sql`update items set status = ${statuses[(k + i) % statuses.length]!} where id = ${first}`);
          await tx.execute(sql`update items set overdue = not overdue where id = ${second}`);
        });
      }
    };
    const folder = async () => {
      let folds = 0;
      for (let i = 0; i < 15; i++) folds += (await foldTallies(db)) > 0 ? 1 : 0;
      return folds;
    };
    const [, , , folds] = await Promise.all([writer(1), writer(2), writer(3), folder()]);
    expect(folds).toBeGreaterThan(0);
    expect(await drift()).toEqual([]);
    await foldTallies(db);
    expect(await drift()).toEqual([]);
    await expectDashboardMatchesItems(townPath);
  });

  it('rebuild_item_tallies() counts them afresh to the same figures', async () => {
    const before = await ledgerStats(db, { scopePath: townPath }, { campaignId });
    await db.execute(sql`update item_tallies set n = n + 5`); // doubted tallies
    expect((await drift()).length).toBeGreaterThan(0);
    await db.execute(sql`select rebuild_item_tallies()`);
    expect(await count('item_tally_changes')).toBe(0);
    expect(await drift()).toEqual([]);
    expect(await ledgerStats(db, { scopePath: townPath }, { campaignId })).toEqual(before);
  });

  it('are folded by the recurring job (BullMQ on its PostgreSQL backend)', async () => {
    await db.execute(sql`update items set overdue = not overdue where campaign_id = ${campaignId}`);
    expect(await count('item_tally_changes')).toBeGreaterThan(0);
    const kit = createQueueKit({ databaseUrl: url, prefix: `tally${process.pid}` });
    const fold = await startTallyFold(kit, { db }, { everySeconds: 1, log: () => {} });
    try {
      await expect.poll(() => count('item_tally_changes'), { timeout: 20_000, interval: 200 }).toBe(0);
      expect(await drift()).toEqual([]);
    } finally {
      await fold.close();
      await kit.close();
    }
  });
});
