// Test fixtures for the item decider: a small org tree, one actor per role, a context builder and
// the given / when / then helper. Every test builds its own events from these.
import { expect } from 'vitest';
import type { CalendarData } from '../../../domain/calendar/calendar.ts';
import { OFFICIAL_CALENDAR } from '../../../domain/calendar/cn-official.ts';
import {
  type Actor,
  type CampaignSettings,
  type DecideContext,
  type Decision,
  decide,
  DEFAULT_SETTINGS,
  type DomainError,
  type DomainErrorCode,
  fold,
  type ItemCommand,
  type ItemEvent,
  type ItemState,
  type Role,
  type UnitRef,
} from '../../../domain/item/index.ts';

/** county → township → {office, labour department, village A, village B}; the inspection team sits outside the township. */
export const U = {
  county: { id: 'county', path: '/c/' },
  town: { id: 'town', path: '/c/t/' },
  office: { id: 'office', path: '/c/t/office/' },
  labor: { id: 'labor', path: '/c/t/labor/' },
  va: { id: 'va', path: '/c/t/va/' },
  vb: { id: 'vb', path: '/c/t/vb/' },
  insp: { id: 'insp', path: '/c/insp/' },
} satisfies Record<string, UnitRef>;

export const actor = (userId: string, unit: UnitRef, roles: Role[]): Actor => ({
  userId,
  unitId: unit.id,
  unitPath: unit.path,
  roles,
});

export const A = {
  supervisor: actor('sup-1', U.office, ['supervisor']),
  lead: actor('lead-1', U.labor, ['lead']),
  handler: actor('hdl-a', U.va, ['handler']),
  handlerB: actor('hdl-b', U.vb, ['handler']),
  // The inspection team is a county-level unit: it may recheck petition items (000 §七).
  inspector: { ...actor('insp-1', U.insp, ['inspector']), level: 'county' },
  viewer: actor('view-1', U.town, ['viewer']),
  admin: actor('adm-1', U.county, ['admin']),
};

export function ctx(
  now: string,
  who: Actor | null,
  over: { settings?: Partial<CampaignSettings>; calendar?: CalendarData } = {},
): DecideContext {
  return {
    now,
    actor: who,
    settings: { ...DEFAULT_SETTINGS, ...over.settings },
    calendar: over.calendar ?? OFFICIAL_CALENDAR,
  };
}

export function reportCmd(over: Partial<Extract<ItemCommand, { type: 'report' }>> = {}): ItemCommand {
  return {
    type: 'report',
    itemId: 'item-1',
    campaignId: 'camp-1',
    categoryId: 'housing',
    source: 'screening',
    title: '张三丰户住房安全隐患',
    description: '房屋墙体开裂，需鉴定并修缮',
    person: { name: '张三丰', phone: '13812345678', idNumber: '110101195001011234', address: '某县某镇某村三组12号' },
    location: '某村三组',
    reportingUnit: U.office,
    ownerUnit: U.office,
    leadUnit: U.labor,
    ...over,
  } as ItemCommand;
}

type Expectation = DomainErrorCode | ItemEvent['type'][] | ItemEvent[];

/** given(events).when(command, context).then(events | event types | error code) */
export function given(events: ItemEvent[]) {
  const state = fold(events);
  return {
    state,
    when(command: ItemCommand, context: DecideContext) {
      const decision = decide(state, command, context);
      return {
        decision,
        then(expected: Expectation): ItemEvent[] {
          if (typeof expected === 'string') {
            expect(decision.ok ? decision.events : decision.error.code).toBe(expected);
            return [];
          }
          if (!decision.ok) throw new Error(`refused: ${decision.error.code} — ${decision.error.message}`);
          if (expected.length > 0 && typeof expected[0] === 'string') {
            expect(decision.events.map((e) => e.type)).toEqual(expected);
          } else {
            expect(decision.events).toEqual(expected);
          }
          return decision.events;
        },
      };
    },
  };
}

/** A running history: each step decides at a given time and appends the events. */
export class Story {
  events: ItemEvent[] = [];
  constructor(public over: { settings?: Partial<CampaignSettings>; calendar?: CalendarData } = {}) {}
  get state(): ItemState {
    return fold(this.events)!;
  }
  decide(command: ItemCommand, who: Actor | null, now: string): Decision {
    return decide(fold(this.events), command, ctx(now, who, this.over));
  }
  do(command: ItemCommand, who: Actor | null, now: string): ItemEvent[] {
    const d = this.decide(command, who, now);
    if (!d.ok) throw new Error(`${command.type} refused: ${d.error.code} — ${d.error.message}`);
    this.events.push(...d.events);
    return d.events;
  }
  refused(command: ItemCommand, who: Actor | null, now: string): DomainError {
    const d = this.decide(command, who, now);
    if (d.ok) throw new Error(`${command.type} was accepted: ${d.events.map((e) => e.type).join(', ')}`);
    return d.error;
  }
}

// A standard timeline in March 2026 (Shanghai = UTC+8); deadline for 5 working days from 03-02 is 03-09.
export const T = {
  report: '2026-03-02T02:00:00.000Z',
  assign: '2026-03-02T03:00:00.000Z',
  accept: '2026-03-03T01:00:00.000Z',
  progress: '2026-03-04T02:00:00.000Z',
  submit: '2026-03-05T02:00:00.000Z',
  approve: '2026-03-06T02:00:00.000Z',
  recheck: '2026-03-20T02:00:00.000Z',
  dismiss: '2026-03-03T02:00:00.000Z',
};

export type Stage = 'reported' | 'assigned' | 'in_progress' | 'submitted' | 'closed' | 'verified' | 'dismissed';

/** A story brought to `stage` the ordinary way (immediate item, 5 working days, recheck selected). */
export function storyAt(
  stage: Stage,
  over: ConstructorParameters<typeof Story>[0] = { settings: { recheckRate: 1 } },
): Story {
  const s = new Story(over);
  s.do(reportCmd(), A.supervisor, T.report);
  if (stage === 'reported') return s;
  if (stage === 'dismissed') {
    s.do({ type: 'dismiss', reason: '经核实不属实' }, A.supervisor, T.dismiss);
    return s;
  }
  s.do(
    { type: 'assign', responsibleUnit: U.va, measures: '入户鉴定，落实危房改造', mode: 'immediate' },
    A.lead,
    T.assign,
  );
  if (stage === 'assigned') return s;
  s.do({ type: 'accept' }, A.handler, T.accept);
  s.do(
    { type: 'record_progress', note: '已鉴定为C级危房，启动改造', substantive: true, evidence: ['file-appraisal'] },
    A.handler,
    T.progress,
  );
  if (stage === 'in_progress') return s;
  s.do({ type: 'submit', summary: '已完成加固改造', evidence: ['file-photo'] }, A.handler, T.submit);
  if (stage === 'submitted') return s;
  s.do({ type: 'approve' }, A.lead, T.approve);
  if (stage === 'closed') return s;
  s.do({ type: 'recheck', passed: true, findings: '入户复核，已整改到位' }, A.inspector, T.recheck);
  return s;
}
