// From the rows of a sheet to a plan: for each problem either the item to create (with the status,
// deadline and milestones the ledger says, and the original words), a duplicate to skip, or the
// problems (row, column, value, problem — in Chinese) that stop the import. A problem merged down
// over several rows (one row per measure, unit or milestone) is one item. Pure.
import type { ItemSource } from '../../domain/item/types.ts';
import { SOURCE_LABELS } from '../columns.ts';
import { contextFor, type DeadlineContext, type Deadline, parseDeadline } from './deadline.ts';
import { cellText, type HeaderMatch, type ImportField } from './header.ts';
import type { Cell, Merge } from './read.ts';
import { type ImportRule, DEFAULT_RULES, checkRules } from './rules.ts';
import { type ImportedStatus, parseStatus } from './status.ts';
import { resolveUnit, suggest, type RefUnit } from './units.ts';

export { resolveUnit, type RefUnit } from './units.ts';

export interface RefCategory {
  id: string;
  code: string;
  name: string;
}

export interface Problem {
  /** 1-based spreadsheet row when it is not the item's first row. */
  row?: number;
  column: string;
  field: ImportField | null;
  value: string;
  message: string;
}

export interface Milestone {
  id: string;
  title: string;
  dueOn: string;
  original: string;
  /** The row's own status says this step is done. */
  done: boolean;
}

export interface PlannedItem {
  key: string;
  title: string;
  description: string;
  source: ItemSource;
  categoryId: string | null;
  unit: RefUnit | null;
  /** Further units named on the item's rows (配合单位, or one row per unit): kept, not assigned. */
  coUnits: string[];
  measures: string | null;
  /** The item's deadline: the latest of its rows'. */
  deadline: Deadline | null;
  milestones: Milestone[];
  /** A standing obligation (长期坚持) said by the deadline or the status. */
  standing: boolean;
  status: ImportedStatus | null;
  /** 销号时间 when the ledger gives one. */
  closedOn: string | null;
  /** The deadline has passed and the item is still open: imported as overdue, not refused. */
  overdue: boolean;
  progress: string | null;
  ref: string | null;
  remarks: string | null;
  /** 立行立改, said by the deadline itself or by the remarks (our export writes it there). */
  immediate: boolean;
  /** Header → the text as written (several rows joined by line breaks). */
  original: Record<string, string>;
  rows: number[];
}

export interface RowPlan {
  /** 1-based spreadsheet row where the item starts */
  row: number;
  status: 'ok' | 'error' | 'duplicate';
  problems: Problem[];
  /** Reported per cell and marked in the sheet, but not stopping the import. */
  warnings: Problem[];
  notes: string[];
  item?: PlannedItem;
}

export const columnLetter = (i: number): string =>
  (i >= 26 ? columnLetter(Math.floor(i / 26) - 1) : '') + String.fromCharCode(65 + (i % 26));

const SOURCE_WORDS: [RegExp, ItemSource][] = [
  [/第三方/, 'third_party'],
  [/信访|来信|来访/, 'petition'],
  [/12345|热线|市长信箱/, 'hotline'],
  [/审计/, 'audit'],
  [/督查|巡察|巡视|检查|暗访|督察/, 'inspection'],
  [/部门|筛查|预警/, 'department_screening'],
  [/申报|农户/, 'self_report'],
  [/排查|自查|摸排/, 'screening'],
];
export function sourceFrom(text: string): ItemSource | null {
  const t = text.trim();
  for (const [code, label] of Object.entries(SOURCE_LABELS)) if (t === label || t === code) return code as ItemSource;
  for (const [re, code] of SOURCE_WORDS) if (re.test(t)) return code;
  return null;
}

export interface PlanInput {
  rows: Cell[][];
  header: HeaderMatch;
  /** Merged ranges of the sheet: a description merged down marks the rows of one problem. */
  merges?: Merge[];
  units: RefUnit[];
  /** Names to strip before a unit name (the township's, the county's): "朝阳镇朝阳村" → 朝阳村. */
  unitPrefixes: string[];
  categories: RefCategory[];
  today: string;
  /** The year of deadlines written without one (the ledger's title year, else the campaign's). */
  deadlineContext?: DeadlineContext;
  defaultSource: ItemSource;
  /** Cells that must be filled, and conditional rules ("否 without a reason"). */
  required?: ImportField[];
  rules?: ImportRule[];
  /** Row keys already imported into the campaign, and item ids that exist in it. */
  existingKeys: Set<string>;
  existingItemIds: Set<string>;
  rowKey: (parts: string[]) => string;
}

/** Spreadsheet rows (0-based) grouped into problems: a row continues the one above when its
 * description cell is covered by a merge from above, or (no merges) is empty while the row carries
 * a measure, deadline, unit or status and no number of its own. */
export function groupRows(rows: Cell[][], header: HeaderMatch, merges: Merge[] = []): number[][] {
  const col = (f: ImportField) => header.columns.find((c) => c.field === f)?.index;
  const desc = col('description');
  const seq = col('seqNo');
  const detail = (['measures', 'deadline', 'unit', 'status', 'progress', 'person'] as ImportField[])
    .map(col)
    .filter((x): x is number => x !== undefined);
  const coveredFromAbove = (r: number, c: number | undefined) =>
    c !== undefined && merges.some((m) => m.left <= c && c <= m.right && m.top < r && r <= m.bottom);
  const groups: number[][] = [];
  for (let r = header.dataStart; r < rows.length; r++) {
    const cells = rows[r] ?? [];
    const texts = cells.map(cellText);
    if (texts.every((t) => t === '')) continue;
    const last = groups[groups.length - 1];
    const continues =
      last !== undefined &&
      (coveredFromAbove(r, desc) ||
        (merges.length === 0 &&
          desc !== undefined &&
          texts[desc] === '' &&
          (seq === undefined || texts[seq] === '') &&
          detail.some((c) => texts[c] !== '')));
    if (continues) last.push(r);
    else groups.push([r]);
  }
  return groups;
}

export function planImport(input: PlanInput): RowPlan[] {
  const { rows, header } = input;
  const col = new Map<ImportField, { index: number; header: string }>();
  for (const c of header.columns) if (c.field && !col.has(c.field)) col.set(c.field, c);
  const categoryCols = header.columns.filter((c) => c.field === 'category');
  const ctx = input.deadlineContext ?? contextFor(input.today);
  const seenKeys = new Map<string, number>();
  const plans: RowPlan[] = [];

  for (const group of groupRows(rows, header, input.merges ?? [])) {
    const first = group[0]!;
    const texts = (r: number) => (rows[r] ?? []).map(cellText);
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const notes: string[] = [];
    const textAt = (f: ImportField, r = first) => {
      const c = col.get(f);
      return c ? (texts(r)[c.index] ?? '') : '';
    };
    const cellAt = (f: ImportField, r = first) => {
      const c = col.get(f);
      return c ? (rows[r]?.[c.index] ?? null) : null;
    };
    /** Every distinct non-empty text of a field over the group's rows, with the row it is on. */
    const allOf = (f: ImportField) => {
      const out: { r: number; text: string }[] = [];
      for (const r of group) {
        const t = textAt(f, r);
        if (t !== '' && !out.some((o) => o.text === t)) out.push({ r, text: t });
      }
      return out;
    };
    const problem = (list: Problem[], f: ImportField, value: string, message: string, r = first) => {
      const c = col.get(f);
      list.push({
        ...(r !== first ? { row: r + 1 } : {}),
        column: c ? columnLetter(c.index) : '-',
        field: f,
        value,
        message,
      });
    };
    const bad = (f: ImportField, value: string, message: string, r = first) => problem(problems, f, value, message, r);

    // Formulas: a cached result is used; none means the value cannot be known here.
    for (const r of group)
      for (const c of header.columns) {
        const cell = rows[r]?.[c.index];
        if (
          cell &&
          typeof cell === 'object' &&
          !(cell instanceof Date) &&
          'formula' in cell &&
          c.field &&
          c.field !== 'seqNo'
        )
          problems.push({
            ...(r !== first ? { row: r + 1 } : {}),
            column: columnLetter(c.index),
            field: c.field,
            value: `=${cell.formula}`,
            message: '单元格为公式，请复制后“粘贴为数值”再导入',
          });
      }

    const description = textAt('description');
    if (description === '') {
      // A line with text only in 序号/备注 etc.: a subtotal or a note, not a problem.
      if (texts(first).filter((t) => t !== '').length <= 1 && group.length === 1) continue;
      bad('description', '', '问题描述为空');
    } else if (description.length > 5000) bad('description', `${description.slice(0, 20)}…`, '问题描述超过 5000 字');
    const title = (textAt('title') || description.split(/[。；;\n]/)[0] || description).slice(0, 200).trim();

    let source = input.defaultSource;
    const src = textAt('source');
    if (src !== '') {
      const s = sourceFrom(src);
      if (s) source = s;
      else bad('source', src, `无法识别的问题来源「${src}」（可写：${Object.values(SOURCE_LABELS).join('、')}）`);
    }

    // Categories: one cell may name two 专项 ("饮水安全、住房安全"), or two category columns may.
    let categoryId: string | null = null;
    const named: { text: string; column: number }[] = [];
    for (const c of categoryCols)
      for (const part of (texts(first)[c.index] ?? '').split(/[、,，;；/／\n]/))
        if (part.trim() !== '') named.push({ text: part.trim(), column: c.index });
    const extraCategories: string[] = [];
    for (const [i, n] of named.entries()) {
      const k = n.text.replace(/\s/g, '');
      const hit = input.categories.find((c) => c.name.replace(/\s/g, '') === k || c.code === k);
      if (!hit) {
        const near = suggest(k, input.categories, (s) => s.replace(/\s/g, ''));
        problems.push({
          column: columnLetter(n.column),
          field: 'category',
          value: n.text,
          message: `专项「${n.text}」不在本行动中${near.length ? `，是否为「${near.map((x) => x.name).join('」或「')}」？` : ''}`,
        });
      } else if (i === 0) categoryId = hit.id;
      else if (hit.id !== categoryId) extraCategories.push(hit.name);
    }
    if (extraCategories.length)
      warnings.push({
        column: columnLetter(named[1]!.column),
        field: 'category',
        value: named.map((n) => n.text).join('、'),
        message: `一个问题属于 ${extraCategories.length + 1} 个专项：按「${named[0]!.text}」登记，「${extraCategories.join('」「')}」记入备注`,
      });

    // Units: the first is responsible; more (one row per unit, or 配合单位) are kept with the item.
    let unit: RefUnit | null = null;
    const coUnits: string[] = allOf('coUnit').map((u) => u.text);
    for (const [i, u] of allOf('unit').entries()) {
      const res = resolveUnit(u.text, input.units, input.unitPrefixes);
      if (res.unit && i === 0) unit = res.unit;
      else if (res.unit) coUnits.push(res.unit.name);
      else
        bad(
          'unit',
          u.text,
          res.suggestions.length
            ? `责任单位「${u.text}」未找到，是否为「${res.suggestions.map((s) => s.name).join('」或「')}」？`
            : `责任单位「${u.text}」不在本行动的范围内`,
          u.r,
        );
    }
    if (col.has('unit') && !unit && !problems.some((p) => p.field === 'unit'))
      notes.push('未填责任单位：仅登记，待交办');

    // Measures and deadlines, row by row: several rows with dates are milestones (时间节点).
    const measureRows = allOf('measures');
    const measures = measureRows.length
      ? measureRows.length === 1
        ? measureRows[0]!.text
        : measureRows.map((m, i) => `${i + 1}. ${m.text}`).join('\n')
      : null;
    const milestones: Milestone[] = [];
    let deadline: Deadline | null = null;
    let standing = false;
    let immediate = false;
    for (const r of group) {
      const raw = cellAt('deadline', r);
      const text = textAt('deadline', r);
      if (raw === null && text === '') continue;
      const d = parseDeadline(raw instanceof Date || typeof raw === 'number' ? raw : text, ctx);
      if (d.kind === 'invalid') {
        bad('deadline', d.original, d.reason, r);
        continue;
      }
      if ('standing' in d && d.standing) standing = true;
      if (d.kind === 'long_term') standing = true;
      if (d.kind === 'immediate') immediate = true;
      if (d.kind === 'date') {
        const rowStatus = col.has('status') ? parseStatus(textAt('status', r)) : null;
        milestones.push({
          id: `m${milestones.length + 1}`,
          title: (textAt('measures', r) || `时间节点 ${milestones.length + 1}`).slice(0, 200),
          dueOn: d.date,
          original: d.original,
          done: rowStatus?.state === 'closed',
        });
        if (!deadline || deadline.kind !== 'date' || d.date > deadline.date) deadline = d;
      } else if (!deadline) deadline = d;
    }
    if (deadline && group.length > 1 && milestones.length > 1) {
      const words = [...new Set(milestones.map((m) => m.original))].join('；');
      deadline = { ...deadline, original: words } as Deadline;
    }
    if (deadline?.kind === 'date' && standing && !('standing' in deadline && deadline.standing))
      deadline = { ...deadline, standing: true };
    const remarks =
      allOf('remarks')
        .map((x) => x.text)
        .join('\n') || null;
    if (!immediate && remarks && /立行立改/.test(remarks)) immediate = true;
    if (deadline === null && immediate) deadline = { kind: 'immediate', original: '立行立改（备注）' };

    // Status as written: the status column, else 是否销号 / 是否属实.
    let status: ImportedStatus | null = null;
    const statusTexts = allOf('status');
    const yesNo = (h: string) => (/^是否/.test(h.split(' / ').pop() ?? '') ? 'done' : null);
    for (const s of statusTexts) {
      const p = parseStatus(s.text, yesNo(col.get('status')!.header));
      if (!p)
        bad(
          'status',
          s.text,
          `无法识别的整改状态「${s.text}」（可写：已完成、已销号、基本完成、阶段性办结、整改中、长期坚持…）`,
          s.r,
        );
      else status = status ? leastAdvanced(status, p) : p;
    }
    const closed = textAt('closed');
    const closedCell = cellAt('closed');
    let closedOn: string | null = null;
    if (closedCell instanceof Date || typeof closedCell === 'number' || /\d{4}[-/.年]\d{1,2}/.test(closed)) {
      const d = parseDeadline(closedCell instanceof Date || typeof closedCell === 'number' ? closedCell : closed, ctx);
      if (d.kind === 'date') closedOn = d.date;
    }
    if (closed !== '') {
      const isDate = closedCell instanceof Date || typeof closedCell === 'number' || /\d{4}[-/.年]\d{1,2}/.test(closed);
      const p = isDate
        ? { state: 'closed' as const, signedOff: true, partial: null, standing: false, original: closed }
        : parseStatus(closed, 'signed_off');
      if (!p) bad('closed', closed, `无法识别「${closed}」（可写：是、否或销号日期）`);
      else if (p.state === 'closed' && p.signedOff)
        status = {
          ...(status ?? p),
          state: 'closed',
          signedOff: true,
          original: status ? `${status.original}；${closed}` : closed,
        };
      else status ??= p;
    }
    // No status column: 是否按期完成 answers it too (是 → done, 否 → still open).
    if (!col.has('status') && !col.has('closed')) {
      const onTime = textAt('onTime');
      const p = onTime !== '' ? parseStatus(onTime, 'done') : null;
      if (p) status = p;
    }
    const verified = textAt('verified');
    if (/不属实|^否$/.test(verified.replace(/\s/g, '')))
      status = {
        state: 'dismissed',
        signedOff: false,
        partial: null,
        standing: false,
        original: status ? `${verified}；${status.original}` : verified,
      };
    if (status?.standing) standing = true;

    // Required cells and conditional rules, per cell.
    for (const f of input.required ?? [])
      if (col.has(f) && group.every((r) => textAt(f, r) === '')) bad(f, '', `必填项「${col.get(f)!.header}」为空`);
    for (const v of checkRules(input.rules ?? DEFAULT_RULES, (f, r) => (col.has(f) ? textAt(f, r) : null), group))
      bad(v.field, v.value, v.message, v.row);

    const open = !status || !['closed', 'dismissed'].includes(status.state);
    const overdue = open && deadline?.kind === 'date' && deadline.date < input.today;
    if (overdue && deadline?.kind === 'date')
      notes.push(`整改时限 ${deadline.date} 已过：按逾期导入（原文「${deadline.original}」）`);
    else if (deadline?.kind === 'date' && deadline.original !== deadline.date)
      notes.push(`整改时限「${deadline.original}」按 ${deadline.date} 计`);
    if (standing) notes.push('长期坚持：完成后仍按年度节点跟踪');
    if (deadline?.kind === 'immediate') notes.push('立行立改：交办后按行动设定的天数计算时限');
    if (milestones.length > 1) notes.push(`${milestones.length} 个时间节点`);
    if (status) notes.push(`状态「${status.original}」→ ${STATE_WORDS[status.state]}`);
    if (unit && !measures && open) notes.push('未填整改措施：仅登记，待交办');
    if (unit && measures && !deadline && open && col.has('deadline'))
      bad('deadline', '', '已填责任单位和整改措施，但整改时限为空');
    else if (!deadline && open && unit) notes.push('无整改时限：仅登记，待交办');

    const original: Record<string, string> = {};
    for (const c of header.columns) {
      const vals = [...new Set(group.map((r) => texts(r)[c.index] ?? '').filter((t) => t !== ''))];
      if (vals.length) original[c.header] = vals.join('\n');
    }
    const key = input.rowKey([description.replace(/\s+/g, ''), unit?.id ?? '', categoryId ?? '', source]);
    const idCell = textAt('itemId');
    let planStatus: RowPlan['status'] = problems.length ? 'error' : 'ok';
    // A row already in the campaign is skipped whatever else is wrong with it: re-importing our own
    // export must not fail on the items it already has.
    if (input.existingKeys.has(key) || (idCell && input.existingItemIds.has(idCell))) {
      planStatus = 'duplicate';
      problems.length = 0;
      notes.push('已导入过（或系统中已有此事项），跳过');
    } else if (planStatus === 'ok' && seenKeys.has(key)) {
      planStatus = 'duplicate';
      notes.push(`与第 ${seenKeys.get(key)} 行重复，跳过`);
    }
    if (planStatus === 'ok') seenKeys.set(key, first + 1);
    const allRemarks = [
      remarks,
      extraCategories.length ? `另属专项：${extraCategories.join('、')}` : null,
      coUnits.length ? `配合单位：${coUnits.join('、')}` : null,
    ]
      .filter(Boolean)
      .join('\n');
    plans.push({
      row: first + 1,
      status: planStatus,
      problems,
      warnings,
      notes,
      ...(planStatus === 'ok'
        ? {
            item: {
              key,
              title,
              description,
              source,
              categoryId,
              unit,
              coUnits,
              measures,
              deadline,
              milestones: milestones.length > 1 ? milestones : [],
              standing,
              status,
              closedOn: status?.state === 'closed' ? closedOn : null,
              overdue,
              progress: [...allOf('findings'), ...allOf('progress')].map((x) => x.text).join('\n') || null,
              ref: textAt('ref') || null,
              remarks: allRemarks || null,
              immediate,
              original,
              rows: group.map((r) => r + 1),
            },
          }
        : {}),
    });
  }
  return plans;
}

const STATE_WORDS: Record<ImportedStatus['state'], string> = {
  reported: '待交办',
  assigned: '已交办',
  in_progress: '整改中',
  submitted: '待审核销号',
  closed: '已销号',
  dismissed: '已核销（不属实）',
};

const ORDER: ImportedStatus['state'][] = ['reported', 'assigned', 'in_progress', 'submitted', 'closed', 'dismissed'];
/** One problem over several rows is only as far along as its least advanced row — but once any row
 * has started (or finished), the problem is in progress, not waiting to start. */
function leastAdvanced(a: ImportedStatus, b: ImportedStatus): ImportedStatus {
  let first = ORDER.indexOf(b.state) < ORDER.indexOf(a.state) ? b : a;
  if ((first.state === 'assigned' || first.state === 'reported') && a.state !== b.state)
    first = { ...first, state: 'in_progress' };
  return {
    ...first,
    partial: a.partial ?? b.partial,
    standing: a.standing || b.standing,
    original: a.original === b.original ? a.original : `${a.original}；${b.original}`,
  };
}
