// The pure parts of ledger import: deadlines as offices write them, header detection, unit names.
import { describe, expect, it } from 'vitest';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { festivalStarts } from '../../domain/calendar/festivals.ts';
import { excelSerialToDate, parseDeadline } from '../../ledger/import/deadline.ts';
import { parseStatus } from '../../ledger/import/status.ts';
import { fieldFor, findHeader } from '../../ledger/import/header.ts';
import { resolveUnit } from '../../ledger/import/plan.ts';
import { csvField, neutralise, unneutralise } from '../../ledger/safe-cell.ts';

const TODAY = '2026-03-02';

describe('整改时限 as written', () => {
  const cases: [unknown, string][] = [
    ['2025年9月底前', 'date:2025-09-30'],
    ['2026年2月底', 'date:2026-02-28'],
    ['2028年2月底前', 'date:2028-02-29'],
    ['9月底前', 'date:2026-09-30'],
    ['2026年6月30日前', 'date:2026-06-30'],
    ['2026-06-30', 'date:2026-06-30'],
    ['2026/7/15', 'date:2026-07-15'],
    ['2026.7.5', 'date:2026-07-05'],
    ['20260705', 'date:2026-07-05'],
    ['2026年底前', 'date:2026-12-31'],
    ['2026年第三季度', 'date:2026-09-30'],
    ['2026年上半年', 'date:2026-06-30'],
    ['2026年10月上旬', 'date:2026-10-10'],
    ['2026年十月中旬', 'date:2026-10-20'],
    ['2026年12月', 'date:2026-12-31'],
    [46326, 'date:2026-10-31'],
    ['45930', 'date:2025-09-30'],
    [new Date('2026-06-30T00:00:00Z'), 'date:2026-06-30'],
    ['立行立改', 'immediate'],
    ['立即整改', 'immediate'],
    ['长期坚持', 'long_term'],
    ['常态化推进', 'long_term'],
    ['尽快', 'invalid'],
    ['2026年2月30日', 'invalid'],
    // Phrasings from published ledgers: years from the context, festivals from the calendar, combos.
    ['6月底', 'date:2026-06-30'],
    ['2026.6', 'date:2026-06-30'],
    ['6.30', 'date:2026-06-30'],
    ['第三季度', 'date:2026-09-30'],
    ['三季度末', 'date:2026-09-30'],
    ['年底前', 'date:2026-12-31'],
    ['今年底', 'date:2026-12-31'],
    ['明年6月底前', 'date:2027-06-30'],
    ['次年3月', 'date:2027-03-31'],
    ['10月下旬', 'date:2026-10-31'],
    ['国庆节前', 'date:2026-09-30'],
    ['2026年端午节前', 'date:2026-06-18'],
    ['春节前', 'invalid'], // after 2026-03-02 the next Spring Festival is 2027's, whose notice is not loaded
    ['2026年6月至12月', 'date:2026-12-31'],
    ['2026年3月—6月底', 'date:2026-06-30'],
    ['2026-03-22 17:00:00', 'date:2026-03-22'],
    ['2026年6月底前完成，长期坚持', 'date:2026-06-30+standing'],
    ['立行立改，长期坚持', 'immediate+standing'],
    ['每月25日前', 'long_term'],
    ['2026年13月底', 'invalid'],
    [12, 'invalid'],
    ['', 'invalid'],
  ];
  for (const [value, want] of cases) {
    it(`${String(value instanceof Date ? value.toISOString() : value)} → ${want}`, () => {
      const d = parseDeadline(value, TODAY);
      const standing = 'standing' in d && d.standing ? '+standing' : '';
      expect((d.kind === 'date' ? `date:${d.date}` : d.kind) + standing).toBe(want);
      if (d.kind === 'invalid') expect(d.reason).toMatch(/[\u4e00-\u9fff]/);
    });
  }
  it('keeps the original text', () => {
    expect(parseDeadline('2025年9月底前', TODAY)).toEqual({
      kind: 'date',
      date: '2025-09-30',
      original: '2025年9月底前',
    });
  });
  it('Excel serials include the 1900 leap-year quirk', () => {
    expect(excelSerialToDate(45930)).toBe('2025-09-30');
    expect(excelSerialToDate(1)).toBeNull();
  });
});

describe('festivals from the calendar data', () => {
  it('names the holiday spans of the State Council notices', () => {
    expect(festivalStarts(OFFICIAL_CALENDAR, 2023)).toEqual({
      元旦: '2023-01-01',
      春节: '2023-01-21',
      清明节: '2023-04-05',
      劳动节: '2023-04-29',
      端午节: '2023-06-22',
      中秋节: '2023-09-29', // shared with 国庆 that year
      国庆节: '2023-09-29',
    });
    expect(festivalStarts(OFFICIAL_CALENDAR, 2026)?.中秋节).toBe('2026-09-25');
    expect(festivalStarts(OFFICIAL_CALENDAR, 2031)).toBeNull();
  });
  it('春节前 written in November means the coming Spring Festival', () => {
    expect(parseDeadline('春节前', '2025-11-20')).toEqual({ kind: 'date', date: '2026-02-14', original: '春节前' });
  });
  it('a festival in a year with no notice loaded is not guessed', () => {
    expect(parseDeadline('2031年春节前', '2030-05-01').kind).toBe('invalid');
  });
});

describe('整改状态 as written', () => {
  const cases: [string, string][] = [
    ['已完成', 'closed'],
    ['已销号', 'closed+signed'],
    ['已完成并长期坚持', 'closed+standing'],
    ['基本完成', 'in_progress/basic'],
    ['阶段性办结', 'in_progress/phased'],
    ['部分整改', 'in_progress/phased'],
    ['整改中', 'in_progress'],
    ['正在办理', 'in_progress'],
    ['未完成', 'in_progress'],
    ['未启动', 'assigned'],
    ['申请销号', 'submitted'],
    ['经核查不属实', 'dismissed'],
    ['长期坚持', 'in_progress+standing'],
    ['整改中（逾期）', 'in_progress'],
    ['已交办待签收', 'assigned'],
  ];
  for (const [text, want] of cases)
    it(`${text} → ${want}`, () => {
      const s = parseStatus(text)!;
      const got = `${s.state}${s.partial ? `/${s.partial}` : ''}${s.signedOff ? '+signed' : ''}${s.standing ? '+standing' : ''}`;
      expect(got).toBe(want);
      expect(s.original).toBe(text);
    });
  it('是/否 only where the column asks', () => {
    expect(parseStatus('是', 'done')?.state).toBe('closed');
    expect(parseStatus('否', 'signed_off')?.state).toBe('in_progress');
    expect(parseStatus('是')).toBeNull();
    expect(parseStatus('搁置')).toBeNull();
  });
});

describe('columns by their whole header, never by a prefix', () => {
  const cases: [string[], string | null][] = [
    [['问题编号'], 'ref'],
    [['问题金额（万元）'], 'amount'],
    [['问题数量'], null],
    [['问题类型'], 'category'],
    [['问题描述（具体表现）'], 'description'],
    [['巡察反馈问题描述'], 'description'],
    [['序 号'], 'seqNo'],
    [['责任单位（盖章）'], 'unit'],
    [['整改责任', '责任单位'], 'unit'],
    [['整改责任', '责任人'], 'person'],
    [['整改情况', '完成时限'], 'deadline'],
    [['整改情况', '完成情况', '状态'], 'status'],
    [['整改情况'], 'progress'],
    [['问题整改措施'], 'measures'],
    [['整改完成时限'], 'deadline'],
    [['是否按期完成'], 'onTime'],
    [['未按期完成原因'], 'delayReason'],
    [['时间节点', '完成时间'], 'deadline'],
    [['工单编号'], 'ref'],
    [['诉求内容'], 'description'],
    [['回访满意度'], null],
  ];
  for (const [path, want] of cases) it(`${path.join(' / ')} → ${want}`, () => expect(fieldFor(path)).toBe(want));
});

describe('header detection', () => {
  it('finds a two-row header under a title, with a merged group over its sub-headers', () => {
    const rows = [
      ['某某镇问题清单'],
      [],
      ['序号', '问题内容', '主办单位', '整改情况', null, '备注'],
      [null, null, null, '整改举措', '完成时限', null],
      ['1', '问题', '南陈村', '措施', '2026-09-30', null],
    ];
    const h = findHeader(rows)!;
    expect(h.headerRows).toEqual([2, 3]);
    expect(h.dataStart).toBe(4);
    expect(h.columns.map((c) => c.field)).toEqual(['seqNo', 'description', 'unit', 'measures', 'deadline', 'remarks']);
  });
  it('prefers one row when one row says it all', () => {
    const h = findHeader([
      ['序号', '问题描述', '责任单位', '整改时限'],
      ['1', 'x', 'y', 'z'],
    ])!;
    expect(h.headerRows).toEqual([0]);
  });
  it('gives up without a problem-description column', () => {
    expect(
      findHeader([
        ['序号', '单位', '时间'],
        ['1', 'a', 'b'],
      ]),
    ).toBeNull();
  });
});

describe('unit names', () => {
  const units = [
    { id: '1', name: '朝阳村', path: '/t/1/' },
    { id: '2', name: '南陈村', path: '/t/2/' },
    { id: '3', name: '东关社区', path: '/t/3/' },
  ];
  for (const [written, want] of [
    ['朝阳村委会', '朝阳村'],
    ['朝阳村村民委员会', '朝阳村'],
    ['朝阳镇朝阳村', '朝阳村'],
    ['东关社区居委会', '东关社区'],
    [' 南陈村 ', '南陈村'],
  ] as const) {
    it(`${written} → ${want}`, () => expect(resolveUnit(written, units, ['朝阳镇']).unit?.name).toBe(want));
  }
  it('suggests near misses', () => {
    const r = resolveUnit('朝杨村', units, ['朝阳镇']);
    expect(r.unit).toBeNull();
    expect(r.suggestions.map((s) => s.name)).toEqual(['朝阳村']);
  });
  it('suggests the same near misses whatever order the units came from the database in', () => {
    const near = [
      { id: 'a', name: '西关村', path: '/t/4/' },
      { id: 'b', name: '东关村', path: '/t/5/' },
      { id: 'c', name: '北关村', path: '/t/6/' },
    ];
    const said = (list: typeof near) => resolveUnit('南关村', list, []).suggestions.map((s) => s.name);
    expect(said(near)).toEqual(['东关村', '北关村', '西关村']);
    expect(said([...near].reverse())).toEqual(said(near));
    expect(said([near[1]!, near[2]!, near[0]!])).toEqual(said(near));
  });
});

describe('formula injection', () => {
  for (const t of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\u0001x']) {
    it(`${JSON.stringify(t)} is written as text`, () => {
      expect(neutralise(t).startsWith("'")).toBe(true);
      expect(csvField(t).replace(/^"/, '')).toMatch(/^'/);
    });
  }
  it('leaves ordinary text alone and reads the mark back', () => {
    expect(neutralise('朝阳村')).toBe('朝阳村');
    expect(unneutralise(neutralise('=1+1'))).toBe('=1+1');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });
});
