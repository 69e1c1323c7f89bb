// Every command in every state, and every role for every command: allowed or refused with the right code.
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  allowedCommands,
  decide,
  ITEM_COMMAND_TYPES,
  type ItemCommand,
  type ItemCommandType,
  type ItemState,
} from '../../domain/item/index.ts';
import { A, actor, ctx, reportCmd, type Stage, storyAt, U } from './support/fixtures.ts';

const NOW = '2026-03-25T02:00:00.000Z'; // after every fixture step, before the recheck window ends

/** A payload that passes validation for the fixture states. */
function payload(type: ItemCommandType, who: Actor | null): ItemCommand {
  switch (type) {
    case 'report':
      return reportCmd({ itemId: 'item-2', reportingUnit: who ? { id: who.unitId, path: who.unitPath } : U.office });
    case 'assign':
      return { type, responsibleUnit: U.va, measures: '入户整改', mode: 'immediate' };
    case 'accept':
      return { type };
    case 'record_progress':
      return { type, note: '已入户', substantive: true };
    case 'complete_milestone':
      return { type, milestoneId: 'm1' };
    case 'request_extension':
      return { type, newDeadline: '2026-06-30', reason: '需等待汛期结束' };
    case 'decide_extension':
      return { type, approve: true };
    case 'transfer':
      return { type, responsibleUnit: U.vb, reason: '属地调整' };
    case 'submit':
      return { type, summary: '已整改', evidence: ['file-1'] };
    case 'approve':
      return { type };
    case 'reject':
      return { type, reason: '佐证不足' };
    case 'recheck':
      return { type, passed: true, findings: '已到位' };
    case 'dismiss':
      return { type, reason: '不属实' };
    case 'flag':
      return { type, reason: '群众反映强烈' };
    case 'unflag':
      return { type, reason: '已解除' };
    case 'comment':
      return { type, text: '请加快进度' };
    case 'tick':
      return { type };
    case 'schedule_recheck':
      return { type, reason: 'look_back', dueBy: '2026-12-31' };
    case 'record_notice':
      return {
        type,
        notices: [
          { causeSeq: 1, kind: 'assigned', recipients: [{ userId: 'u-handler', name: '张三' }], channels: ['inbox'] },
        ],
      };
    case 'record_document':
      return {
        type,
        documents: [
          {
            documentId: 'doc-1',
            number: '朝振办〔2026〕1号',
            kind: 'assignment',
            title: '整改通知书',
            issuedBy: { userId: 'u-super', name: '李主任' },
            issuedAt: '2026-03-05T01:00:00.000Z',
          },
        ],
      };
    case 'raise_evidence_warnings':
      return {
        type,
        warnings: [
          { id: 'w-1', code: 'same_file_elsewhere', detail: '同一文件', attachmentIds: ['file-1'], related: [] },
        ],
      };
    case 'dismiss_evidence_warning':
      return { type, warningId: 'w-1', reason: '已核实为同一户' };
    case 'file_objection':
      return { type, objectionId: 'obj-1', text: '该户房屋仍在漏雨，整改未到位' };
    case 'resolve_objection':
      return { type, objectionId: 'obj-1', upheld: false, note: '经入户核实，已修缮' };
    case 'import_state':
      return {
        type,
        status: 'closed',
        responsibleUnit: U.va,
        measures: '已整改',
        mode: 'phased',
        deadline: '2026-02-28',
        milestones: [{ id: 'm1', title: '完成整改', dueOn: '2026-02-28', done: true }],
        closedOn: '2026-03-01',
        statusText: '已销号',
        deadlineText: '2月底',
        partial: null,
        standing: false,
        signedOff: true,
        origin: '台账.xlsx 第3行',
      };
  }
}

/** Who normally sends each command (a user allowed to). */
const SENDER: Record<ItemCommandType, Actor | null> = {
  report: A.supervisor,
  assign: A.lead,
  accept: A.handler,
  record_progress: A.handler,
  complete_milestone: A.handler,
  request_extension: A.handler,
  decide_extension: A.lead,
  transfer: A.lead,
  submit: A.handler,
  approve: A.lead,
  reject: A.lead,
  recheck: A.inspector,
  dismiss: A.supervisor,
  flag: A.supervisor,
  unflag: A.supervisor,
  comment: A.supervisor,
  tick: null,
  schedule_recheck: A.supervisor,
  record_notice: null,
  record_document: null,
  raise_evidence_warnings: null,
  dismiss_evidence_warning: A.lead,
  import_state: A.supervisor,
  file_objection: null,
  resolve_objection: A.lead,
};

type Row =
  | 'none'
  | Stage
  | 'in_progress+milestone'
  | 'in_progress+extension'
  | 'flagged'
  | 'warned'
  | 'noticed'
  | 'objected';
const ROWS: Row[] = [
  'none',
  'reported',
  'assigned',
  'in_progress',
  'in_progress+milestone',
  'in_progress+extension',
  'submitted',
  'closed',
  'verified',
  'dismissed',
  'flagged',
];

function stateOf(row: Row): ItemState | null {
  if (row === 'none') return null;
  if (row === 'in_progress+milestone') {
    const s = storyAt('assigned');
    s.events.pop(); // replace the assignment with a phased one
    s.do(
      {
        type: 'assign',
        responsibleUnit: U.va,
        measures: '分步整改',
        mode: 'phased',
        deadline: '2026-04-30',
        milestones: [{ id: 'm1', title: '完成鉴定', dueOn: '2026-03-31' }],
      },
      A.lead,
      '2026-03-02T03:00:00.000Z',
    );
    s.do({ type: 'accept' }, A.handler, '2026-03-03T01:00:00.000Z');
    return s.state;
  }
  if (row === 'in_progress+extension') {
    const s = storyAt('in_progress');
    s.do(
      { type: 'request_extension', newDeadline: '2026-05-31', reason: '材料未到' },
      A.handler,
      '2026-03-05T01:00:00.000Z',
    );
    return s.state;
  }
  if (row === 'warned') {
    const s = storyAt('in_progress');
    s.do(payload('raise_evidence_warnings', null), null, '2026-03-05T01:00:00.000Z');
    return s.state;
  }
  if (row === 'noticed' || row === 'objected') {
    // A sign-off in its 公示 (public side on, 5 working days), with an objection filed for 'objected'.
    const s = storyAt('submitted', { settings: { publicSide: { enabled: true, noticeWorkingDays: 5 } } });
    s.do({ type: 'approve' }, A.lead, '2026-03-06T02:00:00.000Z');
    if (row === 'objected') s.do(payload('file_objection', null), null, '2026-03-09T02:00:00.000Z');
    return s.state;
  }
  if (row === 'flagged') {
    const s = storyAt('in_progress');
    s.do({ type: 'flag', reason: '县级挂牌' }, A.supervisor, '2026-03-05T01:00:00.000Z');
    return s.state;
  }
  return storyAt(row).state;
}

type Outcome = 'ok' | 'invalid_transition' | 'validation';
const ok = 'ok' as const,
  no = 'invalid_transition' as const,
  val = 'validation' as const;

// Columns: none, reported, assigned, in_progress, in_progress+milestone, in_progress+extension, submitted, closed, verified, dismissed, flagged(in_progress)
const TABLE: Record<ItemCommandType, Outcome[]> = {
  report: [ok, no, no, no, no, no, no, no, no, no, no],
  assign: [no, ok, no, no, no, no, no, no, no, no, no],
  accept: [no, no, ok, no, no, no, no, no, no, no, no],
  record_progress: [no, no, no, ok, ok, ok, no, no, no, no, ok],
  // unknown milestone → validation: the state allowed the command
  complete_milestone: [no, no, no, val, ok, val, no, no, no, no, val],
  // one pending request at a time
  request_extension: [no, no, no, ok, ok, no, no, no, no, no, ok],
  decide_extension: [no, no, no, no, no, ok, no, no, no, no, no],
  transfer: [no, no, ok, ok, ok, ok, no, no, no, no, ok],
  // the phased item's milestone is still open → validation
  submit: [no, no, no, ok, val, ok, no, no, no, no, ok],
  approve: [no, no, no, no, no, no, ok, no, no, no, no],
  reject: [no, no, no, no, no, no, ok, no, no, no, no],
  recheck: [no, no, no, no, no, no, no, ok, no, no, no],
  dismiss: [no, ok, ok, ok, ok, ok, no, no, no, no, ok],
  flag: [no, ok, ok, ok, ok, ok, ok, ok, no, no, no],
  unflag: [no, no, no, no, no, no, no, no, no, no, ok],
  comment: [no, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok],
  tick: [no, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok],
  schedule_recheck: [no, no, no, no, no, no, no, ok, ok, no, no],
  // the notifier records a notice in any state of an existing item
  record_notice: [no, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok],
  // the register records an issued document in any state of an existing item
  record_document: [no, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok],
  raise_evidence_warnings: [no, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok],
  // no row here carries a warning (see the role table's 'warned' row)
  dismiss_evidence_warning: [no, no, no, no, no, no, no, no, no, no, no],
  // once, right after the report (a ledger import)
  import_state: [no, ok, no, no, no, no, no, no, no, no, no],
  // only while a sign-off is in its 公示 (see the role table's 'noticed' and 'objected' rows)
  file_objection: [no, no, no, no, no, no, no, no, no, no, no],
  resolve_objection: [no, no, no, no, no, no, no, no, no, no, no],
};

describe('every command in every state', () => {
  const states = new Map(ROWS.map((r) => [r, stateOf(r)]));
  for (const type of ITEM_COMMAND_TYPES) {
    ROWS.forEach((row, i) => {
      const expected = TABLE[type][i]!;
      it(`${type} on ${row} → ${expected}`, () => {
        const state = states.get(row)!;
        const who = SENDER[type];
        const d = decide(state, payload(type, who), ctx(NOW, who));
        expect(d.ok ? 'ok' : d.error.code).toBe(expected);
        if (!d.ok) {
          expect(d.error.message.length).toBeGreaterThan(10);
          expect(d.error.allowed).toEqual(allowedCommands(state, who));
        }
        if (expected === 'validation' && !d.ok) expect(d.error.field).toBeDefined();
      });
    });
  }
});

// Roles per command, in a state where the command is valid. 'sod' = separation_of_duties.
const ROLE_ACTORS = {
  supervisor: A.supervisor,
  lead: A.lead,
  handler: A.handler,
  inspector: A.inspector,
  viewer: A.viewer,
  admin: A.admin,
  otherVillage: A.handlerB,
  runtime: null,
} satisfies Record<string, Actor | null>;
type Who = keyof typeof ROLE_ACTORS;
const WHO = Object.keys(ROLE_ACTORS) as Who[];
const f = 'forbidden' as const,
  _sod = 'separation_of_duties' as const;

// Columns: supervisor, lead, handler, inspector, viewer, admin, otherVillage (handler of another unit), runtime (null)
const ROLE_TABLE: Record<ItemCommandType, { row: Row; expect: ('ok' | 'forbidden' | 'separation_of_duties')[] }> = {
  report: { row: 'none', expect: [ok, ok, ok, ok, f, f, ok, f] },
  assign: { row: 'reported', expect: [ok, ok, f, f, f, f, f, f] },
  accept: { row: 'assigned', expect: [f, f, ok, f, f, f, f, f] },
  record_progress: { row: 'in_progress', expect: [f, f, ok, f, f, f, f, f] },
  complete_milestone: { row: 'in_progress+milestone', expect: [f, f, ok, f, f, f, f, f] },
  request_extension: { row: 'in_progress', expect: [f, f, ok, f, f, f, f, f] },
  decide_extension: { row: 'in_progress+extension', expect: [ok, ok, f, f, f, f, f, f] },
  transfer: { row: 'in_progress', expect: [ok, ok, f, f, f, f, f, f] },
  submit: { row: 'in_progress', expect: [f, f, ok, f, f, f, f, f] },
  approve: { row: 'submitted', expect: [ok, ok, f, f, f, f, f, f] },
  reject: { row: 'submitted', expect: [ok, ok, f, f, f, f, f, f] },
  recheck: { row: 'closed', expect: [ok, f, f, ok, f, f, f, f] },
  dismiss: { row: 'in_progress', expect: [ok, f, f, f, f, f, f, f] },
  flag: { row: 'in_progress', expect: [ok, f, f, f, f, f, f, f] },
  unflag: { row: 'flagged', expect: [ok, f, f, f, f, f, f, f] },
  // working roles in scope; inspectors comment from outside the tree; viewers and admins only read
  comment: { row: 'in_progress', expect: [ok, ok, ok, ok, f, f, f, f] },
  tick: { row: 'in_progress', expect: [ok, ok, ok, ok, ok, ok, ok, ok] },
  schedule_recheck: { row: 'verified', expect: [ok, f, f, f, f, f, f, ok] },
  record_notice: { row: 'in_progress', expect: [f, f, f, f, f, f, f, ok] },
  record_document: { row: 'in_progress', expect: [f, f, f, f, f, f, f, ok] },
  raise_evidence_warnings: { row: 'in_progress', expect: [f, f, f, f, f, f, f, ok] },
  dismiss_evidence_warning: { row: 'warned', expect: [ok, ok, f, f, f, f, f, f] },
  import_state: { row: 'reported', expect: [ok, ok, f, f, f, f, f, f] },
  // 异议 come from the public page, through the runtime; the item's reviewers answer them
  file_objection: { row: 'noticed', expect: [f, f, f, f, f, f, f, ok] },
  resolve_objection: { row: 'objected', expect: [ok, ok, f, f, f, f, f, f] },
};

describe('every role for every command', () => {
  for (const type of ITEM_COMMAND_TYPES) {
    const { row, expect: outcomes } = ROLE_TABLE[type];
    WHO.forEach((who, i) => {
      it(`${type} by ${who} on ${row} → ${outcomes[i]}`, () => {
        const state = stateOf(row);
        const a = ROLE_ACTORS[who];
        const d = decide(state, payload(type, a), ctx(NOW, a));
        expect(d.ok ? 'ok' : d.error.code).toBe(outcomes[i]);
      });
    });
  }

  it("refuses a report for a unit outside the reporter's subtree", () => {
    const d = decide(null, reportCmd({ reportingUnit: U.vb }), ctx(NOW, A.handler));
    expect(!d.ok && d.error.code).toBe('forbidden');
  });
});

describe('allowedCommands agrees with decide', () => {
  const actors = [...Object.values(ROLE_ACTORS), actor('both', U.labor, ['lead', 'inspector'])];
  for (const row of ROWS) {
    it(`on ${row}: a command is listed exactly when decide does not refuse it by state, role or duty`, () => {
      const state = stateOf(row);
      for (const a of actors) {
        const allowed = allowedCommands(state, a);
        for (const type of ITEM_COMMAND_TYPES.filter((t) => t !== 'tick')) {
          const d = decide(state, payload(type, a), ctx(NOW, a));
          const guardPassed = d.ok || d.error.code === 'validation';
          expect({ row, who: a?.userId ?? 'runtime', type, listed: allowed.includes(type) }).toEqual({
            row,
            who: a?.userId ?? 'runtime',
            type,
            listed: guardPassed,
          });
        }
      }
    });
  }
});
