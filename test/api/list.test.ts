// The ledger (问题台账): filters, search, sorting and keyset pagination over HTTP.
// Expectations are computed from what the test created, not read back from the API.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ItemFilters,
  listItems,
  listItemsQuery,
  listShapesKept,
  type Page,
  type Reader,
} from '../../db/queries/items.ts';
import { sweepDueItems } from '../../workflows/local/sweep.ts';
import { assign, build, report, type World } from '../support/app.ts';

let w: World;
const items = '/api/v1/items';

interface Rec {
  id: string;
  title: string;
  source: string;
  campaign: 'main' | 'second';
  category: 'c04' | 'c05' | null;
  unit: 'village1' | 'village2' | null;
  deadline: string | null;
  status: string;
  flagged: boolean;
  overdue: boolean;
  reportedAt: string;
  ledgerNo: number;
}
const recs: Rec[] = [];
let secondCampaignId: string;
let c05: string;

interface Spec {
  title: string;
  description?: string;
  source: string;
  category?: 'c04' | 'c05' | null;
  campaign?: 'main' | 'second';
  unit?: 'village1' | 'village2';
  deadline?: string;
  accept?: boolean;
  flag?: boolean;
  /** reported at the same instant as the item before it (ties in reportedAt) */
  tie?: boolean;
}

const SOURCES = ['screening', 'petition', 'hotline', 'self_report', 'inspection'];
const DEADLINES = ['2026-03-04', '2026-03-10', '2026-03-20', '2026-04-15', '2026-03-20'];

function specs(): Spec[] {
  const out: Spec[] = [
    { title: '危房住人问题', source: 'screening' },
    { title: '饮水水质不达标', source: 'hotline', unit: 'village1', deadline: '2026-03-20', accept: true },
    { title: '100%参保率未达标', source: 'inspection' },
    { title: 'a_b 台账字段缺失', source: 'audit', unit: 'village2', deadline: '2026-04-15' },
    {
      title: '路灯损坏',
      description: '村口自来水管道漏水',
      source: 'self_report',
      unit: 'village1',
      deadline: '2026-03-10',
      flag: true,
    },
  ];
  for (let i = 0; i < 20; i++) {
    const unit = i % 4 === 0 ? undefined : i % 4 === 3 ? 'village2' : 'village1';
    out.push({
      title: `脱贫人口未参保问题 第${i + 1}户`,
      source: SOURCES[i % SOURCES.length]!,
      category: i % 3 === 0 ? 'c05' : 'c04',
      unit,
      deadline: unit ? DEADLINES[i % DEADLINES.length] : undefined,
      accept: unit !== undefined && i % 2 === 1,
      flag: i % 6 === 5,
      tie: i === 8 || i === 9 || i === 15,
    });
  }
  out.push({ title: '第二轮：农村低保漏保', source: 'petition', campaign: 'second', category: null });
  return out;
}

beforeAll(async () => {
  w = await build();
  const cat = await w.call('super', 'POST', `/api/v1/campaigns/${w.campaignId}/categories`, {
    code: 'c05',
    name: '低保漏保',
    leadUnitId: w.units.labour.id,
  });
  expect(cat.status, JSON.stringify(cat.body)).toBe(201);
  c05 = cat.body.id;
  const camp = await w.call('super', 'POST', '/api/v1/campaigns', {
    name: '第二轮专项整治',
    ownerUnitId: w.units.office.id,
    areaUnitId: w.units.town.id,
    startsOn: '2026-03-01',
  });
  expect(camp.status, JSON.stringify(camp.body)).toBe(201);
  secondCampaignId = camp.body.id;

  const ledger = { main: 0, second: 0 };
  for (const s of specs()) {
    if (!s.tie) w.clock.t = new Date(w.clock.t.getTime() + 3_600_000 + 1234);
    const campaign = s.campaign ?? 'main';
    const category = s.category === undefined ? 'c04' : s.category;
    const id = await report(w, 'super', {
      title: s.title,
      description: s.description ?? '朝阳村王某户脱贫人口未参保',
      source: s.source,
      campaignId: campaign === 'main' ? w.campaignId : secondCampaignId,
      categoryId: category === 'c04' ? w.categoryId : category === 'c05' ? c05 : null,
    });
    const rec: Rec = {
      id,
      title: s.title,
      source: s.source,
      campaign,
      category,
      unit: s.unit ?? null,
      deadline: s.deadline ?? null,
      status: 'reported',
      flagged: false,
      overdue: false,
      reportedAt: w.clock.now().toISOString(),
      ledgerNo: ++ledger[campaign],
    };
    if (s.unit) {
      await assign(w, id, { responsibleUnitId: w.units[s.unit].id, deadline: s.deadline });
      rec.status = 'assigned';
      if (s.accept) {
        const r = await w.call(s.unit === 'village1' ? 'h1' : 'h2', 'POST', `${items}/${id}/accept`, {});
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        rec.status = 'in_progress';
      }
    }
    if (s.flag) {
      const r = await w.call('super', 'POST', `${items}/${id}/flag`, { reason: '挂牌督办' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      rec.flagged = true;
    }
    recs.push(rec);
  }
  // Past the 4 March deadlines (10:00 in Shanghai on 6 March), then let the sweep mark them overdue.
  w.clock.set('2026-03-06T02:00:00.000Z');
  const swept = await sweepDueItems({ db: w.db, engine: w.engine, clock: w.clock });
  expect(swept.failed).toEqual([]);
  for (const r of recs) if (r.deadline === '2026-03-04') r.overdue = true;
  expect(recs.filter((r) => r.overdue).length).toBeGreaterThanOrEqual(2);
  expect(recs.length).toBe(26);
}, 120_000);

const get = async (qs: string, user = 'super') => {
  const r = await w.call(user, 'GET', `${items}?${qs}`);
  expect(r.status, `${qs}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
  return r.body as { items: { id: string; [k: string]: unknown }[]; nextCursor: string | null; total?: number };
};
const idsOf = async (qs: string) => (await get(`${qs}&limit=200`)).items.map((i) => i.id).sort();
const expectIds = (pred: (r: Rec) => boolean) =>
  recs
    .filter(pred)
    .map((r) => r.id)
    .sort();
const byTitle = (t: string) => recs.find((r) => r.title === t)!.id;

describe('filters', () => {
  it('without filters the supervisor sees every item', async () => {
    expect(await idsOf('')).toEqual(expectIds(() => true));
  });

  it('campaignId', async () => {
    expect(await idsOf(`campaignId=${w.campaignId}`)).toEqual(expectIds((r) => r.campaign === 'main'));
    expect(await idsOf(`campaignId=${secondCampaignId}`)).toEqual(expectIds((r) => r.campaign === 'second'));
  });

  it('categoryId', async () => {
    const want = expectIds((r) => r.category === 'c05');
    expect(want.length).toBeGreaterThan(3);
    expect(await idsOf(`categoryId=${c05}`)).toEqual(want);
    expect(await idsOf(`categoryId=${w.categoryId}`)).toEqual(expectIds((r) => r.category === 'c04'));
  });

  it('unitId covers the responsible unit and its subtree', async () => {
    expect(await idsOf(`unitId=${w.units.village1.id}`)).toEqual(expectIds((r) => r.unit === 'village1'));
    expect(await idsOf(`unitId=${w.units.village2.id}`)).toEqual(expectIds((r) => r.unit === 'village2'));
    expect(await idsOf(`unitId=${w.units.town.id}`)).toEqual(expectIds((r) => r.unit !== null));
    expect(await idsOf(`unitId=${w.units.county.id}`)).toEqual(expectIds((r) => r.unit !== null));
    expect(await idsOf(`unitId=${w.units.office.id}`)).toEqual([]);
    expect(await idsOf('unitId=00000000-0000-4000-8000-000000000000')).toEqual([]);
  });

  it('status, one or a comma list', async () => {
    expect(await idsOf('status=reported')).toEqual(expectIds((r) => r.status === 'reported'));
    expect(await idsOf('status=in_progress')).toEqual(expectIds((r) => r.status === 'in_progress'));
    expect(await idsOf('status=assigned,in_progress')).toEqual(
      expectIds((r) => r.status === 'assigned' || r.status === 'in_progress'),
    );
    expect(await idsOf('status=%20assigned%20,%20reported%20')).toEqual(
      expectIds((r) => r.status === 'assigned' || r.status === 'reported'),
    );
    expect(await idsOf('status=closed,verified')).toEqual([]);
  });

  it('source, one or a comma list', async () => {
    expect(await idsOf('source=hotline')).toEqual(expectIds((r) => r.source === 'hotline'));
    expect(await idsOf('source=petition,audit')).toEqual(
      expectIds((r) => r.source === 'petition' || r.source === 'audit'),
    );
  });

  it('overdue, after the deadline has passed and the sweep has run', async () => {
    const want = expectIds((r) => r.overdue);
    expect(await idsOf('overdue=true')).toEqual(want);
    expect(await idsOf('overdue=false')).toEqual(expectIds((r) => !r.overdue));
    for (const i of (await get('overdue=true&limit=200')).items)
      expect(i).toMatchObject({ overdue: true, deadline: '2026-03-04' });
  });

  it('flagged', async () => {
    const want = expectIds((r) => r.flagged);
    expect(want.length).toBeGreaterThan(2);
    expect(await idsOf('flagged=true')).toEqual(want);
    expect(await idsOf('flagged=false')).toEqual(expectIds((r) => !r.flagged));
  });

  it('deadlineFrom and deadlineTo, inclusive; items without a deadline are left out', async () => {
    expect(await idsOf('deadlineFrom=2026-03-10&deadlineTo=2026-03-20')).toEqual(
      expectIds((r) => r.deadline !== null && r.deadline >= '2026-03-10' && r.deadline <= '2026-03-20'),
    );
    expect(await idsOf('deadlineFrom=2026-03-21')).toEqual(
      expectIds((r) => r.deadline !== null && r.deadline >= '2026-03-21'),
    );
    expect(await idsOf('deadlineTo=2026-03-04')).toEqual(expectIds((r) => r.deadline === '2026-03-04'));
    expect(await idsOf('deadlineFrom=2026-03-05&deadlineTo=2026-03-09')).toEqual([]);
  });

  it('filters combine', async () => {
    expect(await idsOf(`unitId=${w.units.village1.id}&status=in_progress&categoryId=${w.categoryId}`)).toEqual(
      expectIds((r) => r.unit === 'village1' && r.status === 'in_progress' && r.category === 'c04'),
    );
    expect(await idsOf('flagged=true&overdue=false&source=self_report,screening')).toEqual(
      expectIds((r) => r.flagged && !r.overdue && (r.source === 'self_report' || r.source === 'screening')),
    );
  });

  it('q matches Chinese text in the title or the description', async () => {
    expect(await idsOf(`q=${encodeURIComponent('水质')}`)).toEqual([byTitle('饮水水质不达标')]);
    expect(await idsOf(`q=${encodeURIComponent('危房')}`)).toEqual([byTitle('危房住人问题')]);
    expect(await idsOf(`q=${encodeURIComponent('  水质  ')}`)).toEqual([byTitle('饮水水质不达标')]);
    expect(await idsOf(`q=${encodeURIComponent('自来水')}`)).toEqual([byTitle('路灯损坏')]); // in the description
    expect(await idsOf(`q=${encodeURIComponent('第12户')}`)).toEqual(expectIds((r) => r.title.includes('第12户')));
    expect(await idsOf(`q=${encodeURIComponent('A_B')}`)).toEqual([byTitle('a_b 台账字段缺失')]); // case-insensitive
    expect(await idsOf(`q=${encodeURIComponent('水质问题')}`)).toEqual([]);
  });

  it("q treats '%', '_' and '\\' literally", async () => {
    expect(await idsOf(`q=${encodeURIComponent('%')}`)).toEqual([byTitle('100%参保率未达标')]);
    expect(await idsOf(`q=${encodeURIComponent('100%')}`)).toEqual([byTitle('100%参保率未达标')]);
    expect(await idsOf(`q=${encodeURIComponent('_')}`)).toEqual([byTitle('a_b 台账字段缺失')]);
    expect(await idsOf(`q=${encodeURIComponent('%%')}`)).toEqual([]);
    expect(await idsOf(`q=${encodeURIComponent('危_住')}`)).toEqual([]);
    expect(await idsOf(`q=${encodeURIComponent('危%问题')}`)).toEqual([]);
    expect(await idsOf(`q=${encodeURIComponent('\\')}`)).toEqual([]);
  });

  it('count=true gives the total of the filtered list, whatever the page size', async () => {
    expect((await get('count=true&limit=3')).total).toBe(recs.length);
    const p = await get('count=true&limit=2&status=reported');
    expect(p.items).toHaveLength(2);
    expect(p.total).toBe(recs.filter((r) => r.status === 'reported').length);
    expect((await get(`count=true&q=${encodeURIComponent('水质')}`)).total).toBe(1);
    expect(await get('limit=3')).not.toHaveProperty('total');
  });

  it('a handler sees only their own unit’s items, filters or not', async () => {
    const h2 = (await get('limit=200', 'h2')).items.map((i) => i.id).sort();
    expect(h2).toEqual(expectIds((r) => r.unit === 'village2'));
    expect((await get(`limit=200&unitId=${w.units.village1.id}`, 'h2')).items).toEqual([]);
    expect((await get('count=true&limit=1', 'h1')).total).toBe(recs.filter((r) => r.unit === 'village1').length);
  });
});

type Sort = 'reportedAt' | 'deadline' | 'seqNo';
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
function expectedOrder(sort: Sort, order: 'asc' | 'desc', pool = recs): string[] {
  const key = (r: Rec) =>
    sort === 'reportedAt' ? r.reportedAt : sort === 'deadline' ? (r.deadline ?? '9999-12-31') : r.ledgerNo;
  const sorted = [...pool].sort((a, b) => cmp(key(a), key(b)) || cmp(a.id, b.id)).map((r) => r.id);
  return order === 'asc' ? sorted : sorted.reverse();
}

async function walk(qs: string, limit: number) {
  const seen: string[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items.length);
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('pagination does not end');
  } while (cursor);
  return { seen, pages };
}

describe('sorting and pagination', () => {
  it('the ledger has ties to break: equal reportedAt and equal deadlines', () => {
    expect(new Set(recs.map((r) => r.reportedAt)).size).toBeLessThan(recs.length);
    expect(new Set(recs.filter((r) => r.deadline).map((r) => r.deadline)).size).toBeLessThan(
      recs.filter((r) => r.deadline).length,
    );
  });

  it('sorts by reportedAt (the default, newest first), deadline and seqNo, both ways', async () => {
    expect((await get('limit=200')).items.map((i) => i.id)).toEqual(expectedOrder('reportedAt', 'desc'));
    for (const sort of ['reportedAt', 'deadline', 'seqNo'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const got = (await get(`sort=${sort}&order=${order}&limit=200`)).items;
        expect(
          got.map((i) => i.id),
          `${sort} ${order}`,
        ).toEqual(expectedOrder(sort, order));
      }
    }
    const asc = (await get('sort=seqNo&order=asc&limit=200&campaignId=' + w.campaignId)).items;
    expect(asc.map((i) => i.ledgerNo)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const byDeadline = (await get('sort=deadline&order=asc&limit=200')).items;
    expect(byDeadline.at(-1)!.deadline).toBeNull(); // no deadline sorts last ascending
    expect(byDeadline[0]!.deadline).toBe('2026-03-04');
  });

  it.each([
    ['reportedAt', 'desc'],
    ['reportedAt', 'asc'],
    ['deadline', 'asc'],
    ['deadline', 'desc'],
    ['seqNo', 'asc'],
    ['seqNo', 'desc'],
  ] as const)('cursor pages (limit 7) by %s %s walk every item exactly once, in order', async (sort, order) => {
    const { seen, pages } = await walk(`sort=${sort}&order=${order}`, 7);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates across pages
    expect(seen).toEqual(expectedOrder(sort, order)); // nothing missing, nothing out of order
    expect(pages).toEqual([7, 7, 7, 5]);
  });

  it('cursor pages by updatedAt walk every item exactly once', async () => {
    const { seen } = await walk('sort=updatedAt&order=desc', 4);
    const all = (await get('sort=updatedAt&order=desc&limit=200')).items;
    expect(seen).toEqual(all.map((i) => i.id));
    expect(new Set(seen).size).toBe(recs.length);
  });

  it('pages of other sizes and with filters walk the filtered list exactly once', async () => {
    for (const limit of [1, 2, 5, 25, 26, 27]) {
      const { seen } = await walk('sort=deadline&order=asc', limit);
      expect(seen, `limit ${limit}`).toEqual(expectedOrder('deadline', 'asc'));
    }
    const pool = recs.filter((r) => r.status !== 'reported');
    const { seen } = await walk('sort=reportedAt&order=asc&status=assigned,in_progress', 3);
    expect(seen).toEqual(expectedOrder('reportedAt', 'asc', pool));
  });

  it('a cursor is bound to its sort: with another sort it is refused with 400 invalid_cursor', async () => {
    const first = await get('sort=reportedAt&limit=7');
    expect(first.nextCursor).toEqual(expect.any(String));
    for (const sort of ['deadline', 'seqNo', 'updatedAt']) {
      const r = await w.call('super', 'GET', `${items}?sort=${sort}&limit=7&cursor=${first.nextCursor}`);
      expect(r.status, sort).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'invalid_cursor', status: 400 });
    }
    const bySeq = await get('sort=seqNo&limit=7');
    const r = await w.call('super', 'GET', `${items}?limit=7&cursor=${bySeq.nextCursor}`); // default sort: reportedAt
    expect(r.body.code).toBe('invalid_cursor');
    // The same cursor with its own sort works.
    expect((await get(`sort=seqNo&limit=7&cursor=${bySeq.nextCursor}`)).items).toHaveLength(7);
  });

  it('the last page has no cursor; a list shorter than the limit has none either', async () => {
    expect((await get('limit=26')).nextCursor).toBeNull();
    expect((await get('limit=25')).nextCursor).toEqual(expect.any(String));
    expect((await get(`q=${encodeURIComponent('水质')}&limit=1`)).nextCursor).toBeNull();
  });
});

describe('the statements the list keeps, one text per shape of request', () => {
  // listItems renders a statement's text once per shape and fills in each request's values. Requests of
  // different shapes in turn (each shape twice, with other values) must read exactly what the statement
  // drizzle renders for that one request reads.
  it('read what a statement rendered for the request alone reads, for every shape in turn', async () => {
    const shapes: [string, Reader, ItemFilters, Page][] = [];
    const readers: [string, Reader][] = [
      ['all', { scopePath: null }],
      ['town', { scopePath: w.units.town.path }],
      ['village1', { scopePath: w.units.village1.path }],
      ['village2', { scopePath: w.units.village2.path }],
    ];
    const filters: [string, ItemFilters][] = [
      ['none', {}],
      ['campaign', { campaignId: w.campaignId }],
      ['other campaign', { campaignId: secondCampaignId }],
      ['one status', { status: ['assigned'] }],
      ['two statuses', { status: ['assigned', 'in_progress'] }],
      ['overdue', { overdue: true }],
      ['not overdue', { overdue: false }],
      ['flagged', { flagged: true }],
      ['not flagged', { flagged: false }],
      ['duban', { supervisionLevel: 'duban' }],
      ['guapai', { supervisionLevel: 'guapai' }],
      ['deadlines', { deadlineFrom: '2026-03-10', deadlineTo: '2026-03-20' }],
      ['q', { q: '水质' }],
      ['q other', { q: '参保' }],
      ['unit', { unitPath: w.units.village1.path }],
      ['category and source', { categoryId: c05, source: ['hotline', 'petition'] }],
    ];
    const pages: [string, Page][] = [
      ['newest 5', { sort: 'reportedAt', order: 'desc', limit: 5 }],
      ['oldest 3', { sort: 'reportedAt', order: 'asc', limit: 3 }],
      ['deadline 4', { sort: 'deadline', order: 'asc', limit: 4 }],
      ['seqNo 200', { sort: 'seqNo', order: 'desc', limit: 200 }],
    ];
    for (const [r, reader] of readers)
      for (const [f, filter] of filters)
        for (const [p, page] of pages) shapes.push([`${r} / ${f} / ${p}`, reader, filter, page]);
    const alone = async (reader: Reader, filter: ItemFilters, page: Page) =>
      (await listItemsQuery(w.db, reader, filter, page)).map((row) => row.state.id);
    const kept = async (reader: Reader, filter: ItemFilters, page: Page) => {
      const got = await listItems(w.db, reader, filter, page);
      return { ids: got.rows.map((row) => row.state.id), next: got.next };
    };
    let nonEmpty = 0;
    for (let round = 0; round < 2; round++) {
      for (const [name, reader, filter, page] of shapes) {
        const want = await alone(reader, filter, page);
        const got = await kept(reader, filter, page);
        expect(got.ids, name).toEqual(want.slice(0, page.limit));
        expect(got.next !== null, name).toBe(want.length > page.limit);
        if (got.next) {
          // The next page from the cursor, both ways: a cursor's shape is a shape too.
          const cursorPage = { ...page, cursor: got.next };
          expect((await kept(reader, filter, cursorPage)).ids, `${name}, next page`).toEqual(
            (await alone(reader, filter, cursorPage)).slice(0, page.limit),
          );
        }
        if (got.ids.length > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).toBeGreaterThan(shapes.length); // most shapes read rows: the comparison is not of empties
  });

  it('a status or source given many times counts once: a query string cannot fill the kept texts', async () => {
    const once = await idsOf('status=assigned&source=hotline,petition');
    const before = listShapesKept();
    for (let n = 2; n <= 40; n++) {
      const qs = `status=${Array(n).fill('assigned').join(',')}&source=${Array(n).fill('hotline,petition').join(',')}`;
      expect(await idsOf(qs)).toEqual(once);
    }
    expect(listShapesKept()).toBe(before);
  });
});
