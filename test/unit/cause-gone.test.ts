// Whether a held notice still has its cause when it goes out (domain/notice/derive.ts causeGone).
import { describe, expect, it } from 'vitest';
import { causeGone } from '../../domain/notice/derive.ts';
import type { ItemEvent, ItemState } from '../../domain/item/types.ts';

const base = {
  status: 'in_progress',
  deadline: '2026-04-10',
  responsibleUnit: { id: 'u1', path: '/c/t/u1/', name: '朝阳村' },
  submittedAt: null,
  recheck: null,
} as unknown as ItemState;
const at = (over: Partial<ItemState>) => ({ ...base, ...over }) as ItemState;
const ev = (type: string, data: object = {}) =>
  ({ type, at: '2026-04-10T16:30:00.000Z', actorId: null, data }) as unknown as ItemEvent;
const missed = ev('DeadlineMissed', { deadline: '2026-04-10', dueAt: '2026-04-10T16:00:00.000Z' });
const approaching = ev('ReminderIssued', { kind: 'deadline_approaching', daysBefore: 1, dueAt: 'x' });

describe('causeGone', () => {
  it('keeps a notice whose cause still holds', () => {
    for (const e of [
      missed,
      approaching,
      ev('Escalated', { level: 1, target: 'handler', dueAt: 'x' }),
      ev('ItemAssigned'),
    ]) {
      expect(causeGone(e, base, at({ version: 9 } as Partial<ItemState>))).toBeNull();
    }
  });

  it('drops a deadline notice once the item is closed, applied for closure, or its deadline moved', () => {
    expect(causeGone(missed, base, at({ status: 'closed' }))).toBe('该问题已销号');
    expect(causeGone(missed, base, at({ status: 'dismissed' }))).toBe('该问题已核销（不属实）');
    expect(causeGone(approaching, base, at({ status: 'submitted' }))).toBe('责任单位已申请销号');
    expect(causeGone(missed, base, at({ deadline: '2026-04-30' }))).toBe('整改时限已由 2026-04-10 调整为 2026-04-30');
    expect(
      causeGone(
        ev('ItemAssigned'),
        base,
        at({ responsibleUnit: { id: 'u2', path: '/c/t/u2/', name: '南陈村' } as ItemState['responsibleUnit'] }),
      ),
    ).toBe('该问题已转办其他单位');
  });

  it('drops a review or recheck notice once the review or recheck is done', () => {
    const waiting = ev('ReminderIssued', { kind: 'review_waiting', daysBefore: null, dueAt: 'x' });
    const submitted = at({ status: 'submitted', submittedAt: '2026-04-08T02:00:00.000Z' });
    expect(causeGone(waiting, submitted, submitted)).toBeNull();
    expect(causeGone(waiting, submitted, at({ status: 'closed' }))).toBe('销号申请已审核');
    const recheck = ev('ReminderIssued', { kind: 'recheck_due', daysBefore: null, dueAt: 'x' });
    const due = at({
      status: 'closed',
      recheck: { reason: 'sampled', dueBy: '2026-05-01T00:00:00.000Z' } as ItemState['recheck'],
    });
    expect(causeGone(recheck, due, due)).toBeNull();
    expect(causeGone(recheck, due, at({ status: 'verified', recheck: null }))).toBe('复核已完成');
  });

  it('always sends notices of facts', () => {
    for (const type of ['ExtensionDecided', 'ItemRejected', 'ItemReopened', 'ReporterFeedbackDue']) {
      expect(causeGone(ev(type), base, at({ status: 'verified', deadline: null }))).toBeNull();
    }
  });
});
