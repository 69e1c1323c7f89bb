// Rule 4 of issue 17 — seed 003 §二(一):
// “(3)“纳而不帮”,存在监测对象没有落实帮扶措施或帮扶措施针对性不强等问题。”
// “(3)精准开展帮扶。监测对象纳入后,一个月内落实技能培训、金融帮扶、产业帮扶、就业帮扶、医疗帮扶、综合保障等相应的帮扶措施。”
// The month runs from 纳入监测 when the ledger knows that day, else from assignment; only an entry marked
// as a measure taken (措施) counts — a note does not.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ItemEvent, nextWake } from '../../domain/item/index.ts';
import { OFFICIAL_CALENDAR } from '../../domain/calendar/cn-official.ts';
import { findHeader } from '../../ledger/import/header.ts';
import { planImport } from '../../ledger/import/plan.ts';
import { A, reportCmd, Story, T, U } from './support/fixtures.ts';

const settings = { remindBeforeDays: [], escalationSteps: [], noMeasuresWarningMonths: 1 };
const env = { settings: { ...DEFAULT_SETTINGS, ...settings }, calendar: OFFICIAL_CALENDAR };

function assigned(monitoredSince?: string) {
  const s = new Story({ settings });
  s.do(reportCmd(monitoredSince ? { monitoredSince } : {}), A.supervisor, T.report);
  s.do(
    {
      type: 'assign',
      responsibleUnit: U.va,
      measures: '落实产业帮扶',
      mode: 'phased',
      deadline: '2026-09-30',
      milestones: [{ id: 'm1', title: '落实帮扶措施', dueOn: '2026-09-30' }],
    },
    A.lead,
    T.assign,
  );
  return s;
}
const warned = (events: ItemEvent[]) => events.filter((e) => e.type === 'QualityWarningRaised');

describe('003 §二(一) 纳而不帮', () => {
  it('the report command records the day of 纳入监测 on the item', () => {
    expect(assigned('2026-01-15').state.monitoredSince).toBe('2026-01-15');
    expect(assigned().state.monitoredSince).toBeNull();
  });

  it('a future 纳入监测 day is refused, naming the field', () => {
    const s = new Story({ settings });
    expect(s.refused(reportCmd({ monitoredSince: '2026-03-03' }), A.supervisor, T.report)).toMatchObject({
      code: 'validation',
      field: 'monitoredSince',
    });
    expect(s.refused(reportCmd({ monitoredSince: '2026-02-30' }), A.supervisor, T.report)).toMatchObject({
      code: 'validation',
      field: 'monitoredSince',
    });
  });

  it('counted from 纳入监测 when known: brought in on 01-15, assigned 03-02, the warning is already due', () => {
    const s = assigned('2026-01-15');
    // one month after the start of 01-15 in Shanghai (01-14T16:00Z)
    expect(nextWake(s.state, env)).toBe('2026-02-14T16:00:00.000Z');
    const events = s.do({ type: 'tick' }, null, '2026-03-02T04:00:00.000Z');
    expect(warned(events)).toMatchObject([
      {
        data: {
          code: 'included_not_helped',
          detail: '2026-01-15 纳入监测后 1 个月内未录入整改措施（纳而不帮）',
        },
      },
    ]);
  });

  it('counted from assignment when 纳入监测 is unknown', () => {
    const s = assigned();
    expect(nextWake(s.state, env)).toBe('2026-04-02T03:00:00.000Z');
    expect(warned(s.do({ type: 'tick' }, null, '2026-04-02T02:59:59.999Z'))).toEqual([]);
    expect(warned(s.do({ type: 'tick' }, null, '2026-04-02T03:00:00.000Z'))).toHaveLength(1);
  });

  it('a progress note that is not marked as a measure does not count; one marked as a measure does', () => {
    const noted = assigned('2026-02-20');
    noted.do({ type: 'accept' }, A.handler, T.accept);
    noted.do({ type: 'record_progress', note: '已入户走访,了解情况' }, A.handler, T.progress);
    expect(warned(noted.do({ type: 'tick' }, null, '2026-03-20T16:00:00.000Z'))).toHaveLength(1);

    const helped = assigned('2026-02-20');
    helped.do({ type: 'accept' }, A.handler, T.accept);
    helped.do({ type: 'record_progress', note: '已落实小额信贷5万元', substantive: true }, A.handler, T.progress);
    expect(nextWake(helped.state, env)).not.toBe('2026-03-19T16:00:00.000Z');
    expect(warned(helped.do({ type: 'tick' }, null, '2026-06-20T16:00:00.000Z'))).toEqual([]);
  });
});

describe('纳入监测 in an imported ledger', () => {
  const rows = [
    ['序号', '问题描述', '责任单位', '纳入监测时间', '整改措施', '整改时限'],
    ['1', '监测户未落实帮扶措施', '甲村', '2026-01-15', '落实产业帮扶', '2026-09-30'],
    ['2', '监测户二未落实帮扶', '甲村', new Date(Date.UTC(2026, 1, 3)), '', ''],
    ['3', '监测户三', '甲村', '2026年13月1日', '', ''],
    ['4', '监测户四', '甲村', '2026-04-01', '', ''],
  ];
  const plan = () =>
    planImport({
      rows,
      header: findHeader(rows)!,
      units: [{ id: 'va', name: '甲村', path: '/c/t/va/' }],
      unitPrefixes: [],
      categories: [],
      today: '2026-03-02',
      defaultSource: 'screening',
      existingKeys: new Set(),
      existingItemIds: new Set(),
      rowKey: (parts) => parts.join('|'),
    });

  it('reads the 纳入监测时间 column as a date, from text or a date cell', () => {
    expect(findHeader(rows)!.columns.find((c) => c.header === '纳入监测时间')?.field).toBe('monitoredSince');
    const p = plan();
    expect(p[0]!.item?.monitoredSince).toBe('2026-01-15');
    expect(p[1]!.item?.monitoredSince).toBe('2026-02-03');
  });

  it('refuses a row whose 纳入监测时间 is not a date or lies in the future, naming the column', () => {
    const p = plan();
    expect(p[2]).toMatchObject({ status: 'error', problems: [{ field: 'monitoredSince', column: 'D' }] });
    expect(p[3]!.problems[0]!.message).toContain('晚于今天');
  });
});
