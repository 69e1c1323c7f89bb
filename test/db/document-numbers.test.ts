// 发文字号: numbered per office and year in the issuing transaction, never handed out twice, and the
// register (who issued which number, when) cannot be edited afterwards.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueDocument, officeStyle, type OfficeStyle } from '../../db/queries/documents.ts';
import { documentOffices, issuedDocuments } from '../../db/schema.ts';
import { build, type World } from '../support/app.ts';

let w: World;
let style: OfficeStyle;
beforeAll(async () => {
  w = await build();
  await w.db.insert(documentOffices).values({
    unitId: w.units.office.id,
    prefix: '朝振办',
    flag: '朝阳镇乡村振兴办公室文件',
    fullName: '朝阳镇乡村振兴办公室',
  });
  style = (await officeStyle(w.db, w.units.office.id))!;
});

const issue = (tx: Parameters<typeof issueDocument>[0], s: OfficeStyle, at: string) =>
  issueDocument(tx, {
    style: s,
    kind: 'bulletin',
    campaignId: w.campaignId,
    subjectId: w.campaignId,
    issuedBy: w.userIds.super!,
    at,
    build: ({ number, date }) => ({ title: '关于……的通报', content: { number, date } }),
  });

describe('document numbers', () => {
  it('derives an office style from the org tree until one is saved', async () => {
    const derived = await officeStyle(w.db, w.units.labour.id);
    expect(derived).toMatchObject({ prefix: '朝阳镇劳保所', fullName: '朝阳镇劳保所', flag: '朝阳镇劳保所文件' });
    expect(style).toMatchObject({ prefix: '朝振办', dateStyle: 'chinese' });
  });

  it('numbers per office and Shanghai year, starting at 1, and records issuer and time', async () => {
    const a = await w.db.transaction((tx) => issue(tx, style, '2026-03-01T02:00:00.000Z'));
    const b = await w.db.transaction((tx) => issue(tx, style, '2026-03-02T02:00:00.000Z'));
    expect([a.number, b.number]).toEqual(['朝振办〔2026〕1号', '朝振办〔2026〕2号']);
    expect(a.content).toEqual({ number: '朝振办〔2026〕1号', date: '2026-03-01' });
    expect(a).toMatchObject({ issuedBy: w.userIds.super, kind: 'bulletin' });
    // 31 Dec 17:00 UTC is 1 Jan in Shanghai: the new year's first number.
    const c = await w.db.transaction((tx) => issue(tx, style, '2026-12-31T17:00:00.000Z'));
    expect(c.number).toBe('朝振办〔2027〕1号');
    const other = await w.db.transaction(async (tx) =>
      issue(tx, (await officeStyle(tx, w.units.labour.id))!, '2026-03-03T00:00:00.000Z'),
    );
    expect(other.number).toBe('朝阳镇劳保所〔2026〕1号');
  });

  it('gives concurrent issues distinct numbers with no gaps', async () => {
    const at = '2026-06-01T02:00:00.000Z';
    const before = await w.db.execute(
      sql`select coalesce(max(seq), 0) as m from issued_documents where unit_id = ${w.units.office.id} and year = 2026`,
    );
    const start = Number(before.rows[0]!.m);
    const issued = await Promise.all(Array.from({ length: 12 }, () => w.db.transaction((tx) => issue(tx, style, at))));
    const seqs = issued.map((d) => Number(/〕(\d+)号/.exec(d.number)![1])).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => start + i + 1));
  });

  it('takes a number back only with a transaction that rolled back (nothing was issued)', async () => {
    const at = '2026-07-01T02:00:00.000Z';
    let seen = '';
    await expect(
      w.db.transaction(async (tx) => {
        seen = (await issue(tx, style, at)).number;
        throw new Error('rendering failed');
      }),
    ).rejects.toThrow('rendering failed');
    const next = await w.db.transaction((tx) => issue(tx, style, at));
    expect(next.number).toBe(seen);
    const again = await w.db.transaction((tx) => issue(tx, style, at));
    expect(again.number).not.toBe(next.number);
  });

  it('keeps the register append-only', async () => {
    const d = await w.db.transaction((tx) => issue(tx, style, '2026-08-01T02:00:00.000Z'));
    const refusal = (q: Promise<unknown>) =>
      q.then(
        () => 'accepted',
        (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
      );
    const update = sql`update issued_documents set number = '朝振办〔2026〕999号' where id = ${d.id}`;
    expect(await refusal(w.db.execute(update))).toMatch(/append-only \(UPDATE refused\)/);
    expect(await refusal(w.db.execute(sql`delete from issued_documents where id = ${d.id}`))).toMatch(
      /append-only \(DELETE refused\)/,
    );
    // A hand-made row with an issued number is refused by the unique index.
    await expect(
      w.db.insert(issuedDocuments).values({
        unitId: w.units.office.id,
        year: 2026,
        seq: 9999,
        number: d.number,
        kind: 'bulletin',
        campaignId: w.campaignId,
        subjectId: w.campaignId,
        title: 'x',
        content: {},
        contentHash: 'x',
        issuedBy: w.userIds.super!,
        issuedAt: '2026-08-01T02:00:00.000Z',
      }),
    ).rejects.toThrow();
  });

  it('refuses a second office with the same prefix', async () => {
    await expect(
      w.db.insert(documentOffices).values({ unitId: w.units.labour.id, prefix: '朝振办', flag: 'x', fullName: 'x' }),
    ).rejects.toThrow();
  });
});
