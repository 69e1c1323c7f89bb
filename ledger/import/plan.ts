// From the rows of a sheet to a plan: for each data row either the item to create, a duplicate to
// skip, or the problems (row, column, value, problem — in Chinese) that stop the import. Pure.
import type { ItemSource } from '../../domain/item/types.ts';
import { SOURCE_LABELS } from '../columns.ts';
import { parseDeadline, type Deadline } from './deadline.ts';
import { cellText, type HeaderMatch, type ImportField } from './header.ts';
import type { Cell } from './read.ts';

export interface RefUnit {
  id: string;
  name: string;
  path: string;
}
export interface RefCategory {
  id: string;
  code: string;
  name: string;
}

export interface Problem {
  column: string;
  field: ImportField | null;
  value: string;
  message: string;
}
export interface RowPlan {
  /** 1-based spreadsheet row */
  row: number;
  status: 'ok' | 'error' | 'duplicate';
  problems: Problem[];
  notes: string[];
  item?: {
    key: string;
    title: string;
    description: string;
    source: ItemSource;
    categoryId: string | null;
    unit: RefUnit | null;
    measures: string | null;
    deadline: Deadline | null;
    remarks: string | null;
    /** 纳入监测 day (YYYY-MM-DD), when the ledger gives it. */
    monitoredSince: string | null;
    /** 立行立改, said by the deadline itself or by the remarks (our export writes it there). */
    immediate: boolean;
    original: Record<string, string>;
  };
}

export const columnLetter = (i: number): string =>
  (i >= 26 ? columnLetter(Math.floor(i / 26) - 1) : '') + String.fromCharCode(65 + (i % 26));

const SOURCE_WORDS: [RegExp, ItemSource][] = [
  [/第三方/, 'third_party'],
  [/信访|来信|来访/, 'petition'],
  [/12345|热线/, 'hotline'],
  [/审计/, 'audit'],
  [/督查|巡察|巡视|检查|暗访/, 'inspection'],
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

/** Unit names as written: "朝阳村委会", "朝阳镇朝阳村", "朝阳村（社区）" all mean 朝阳村. */
const unitKey = (s: string) =>
  s
    .replace(/[\s\u3000]/g, '')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/(村民委员会|居民委员会|居委会|委会|党支部|党总支)$/, '');

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function suggest<T extends { name: string }>(written: string, options: T[], key: (s: string) => string): T[] {
  const k = key(written);
  return options
    .map((o) => ({ o, d: editDistance(k, key(o.name)), c: key(o.name).includes(k) || k.includes(key(o.name)) }))
    .filter((x) => x.c || x.d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.o);
}

export function resolveUnit(
  written: string,
  units: RefUnit[],
  prefix: string[],
): { unit: RefUnit | null; suggestions: RefUnit[] } {
  let k = unitKey(written);
  for (const p of prefix) if (k.startsWith(p) && k.length > p.length) k = k.slice(p.length);
  const exact = units.filter((u) => unitKey(u.name) === k);
  if (exact.length === 1) return { unit: exact[0]!, suggestions: [] };
  if (exact.length > 1) return { unit: null, suggestions: exact };
  return { unit: null, suggestions: suggest(k, units, unitKey) };
}

export interface PlanInput {
  rows: Cell[][];
  header: HeaderMatch;
  units: RefUnit[];
  /** Names to strip before a unit name (the township's, the county's): "朝阳镇朝阳村" → 朝阳村. */
  unitPrefixes: string[];
  categories: RefCategory[];
  today: string;
  defaultSource: ItemSource;
  /** Row keys already imported into the campaign, and item ids that exist in it. */
  existingKeys: Set<string>;
  existingItemIds: Set<string>;
  rowKey: (parts: string[]) => string;
}

export function planImport(input: PlanInput): RowPlan[] {
  const { rows, header } = input;
  const col = new Map<ImportField, { index: number; header: string }>();
  for (const c of header.columns) if (c.field) col.set(c.field, c);
  const seenKeys = new Map<string, number>();
  const plans: RowPlan[] = [];

  for (let r = header.dataStart; r < rows.length; r++) {
    const cells = rows[r] ?? [];
    const texts = cells.map(cellText);
    if (texts.every((t) => t === '')) continue; // spacer rows
    const problems: Problem[] = [];
    const notes: string[] = [];
    const at = (f: ImportField) => {
      const c = col.get(f);
      return c ? { c, cell: cells[c.index] ?? null, text: texts[c.index] ?? '' } : null;
    };
    const bad = (f: ImportField, value: string, message: string) => {
      const c = col.get(f);
      problems.push({ column: c ? columnLetter(c.index) : '-', field: f, value, message });
    };
    // Formulas: a cached result is used; none means the value cannot be known here.
    for (const c of header.columns) {
      const cell = cells[c.index];
      if (cell && typeof cell === 'object' && !(cell instanceof Date) && 'formula' in cell) {
        if (c.field && c.field !== 'seqNo') {
          problems.push({
            column: columnLetter(c.index),
            field: c.field,
            value: `=${cell.formula}`,
            message: '单元格为公式，请复制后“粘贴为数值”再导入',
          });
        }
      }
    }
    const desc = at('description');
    const description = desc?.text ?? '';
    // A row with text only in 序号/备注 etc. but no problem description: a subtotal or a note line.
    if (description === '') {
      if (texts.filter((t) => t !== '').length <= 1) continue;
      bad('description', '', '问题描述为空');
    } else if (description.length > 5000) bad('description', `${description.slice(0, 20)}…`, '问题描述超过 5000 字');

    const titleCell = at('title');
    const title = (titleCell?.text || description.split(/[。；;\n]/)[0] || description).slice(0, 200).trim();

    let source = input.defaultSource;
    const src = at('source');
    if (src && src.text !== '') {
      const s = sourceFrom(src.text);
      if (s) source = s;
      else
        bad(
          'source',
          src.text,
          `无法识别的问题来源「${src.text}」（可写：${Object.values(SOURCE_LABELS).join('、')}）`,
        );
    }

    let categoryId: string | null = null;
    const cat = at('category');
    if (cat && cat.text !== '') {
      const k = cat.text.replace(/\s/g, '');
      const hit = input.categories.find((c) => c.name.replace(/\s/g, '') === k || c.code === k);
      if (hit) categoryId = hit.id;
      else {
        const near = suggest(k, input.categories, (s) => s.replace(/\s/g, ''));
        bad(
          'category',
          cat.text,
          `专项「${cat.text}」不在本行动中${near.length ? `，是否为「${near.map((n) => n.name).join('」或「')}」？` : ''}`,
        );
      }
    }

    let unit: RefUnit | null = null;
    const u = at('unit');
    if (u && u.text !== '') {
      const res = resolveUnit(u.text, input.units, input.unitPrefixes);
      if (res.unit) unit = res.unit;
      else
        bad(
          'unit',
          u.text,
          res.suggestions.length
            ? `责任单位「${u.text}」未找到，是否为「${res.suggestions.map((s) => s.name).join('」或「')}」？`
            : `责任单位「${u.text}」不在本行动的范围内`,
        );
    } else if (u) notes.push('未填责任单位：仅登记，待交办');

    const measures = at('measures')?.text || null;
    let deadline: Deadline | null = null;
    const dl = at('deadline');
    if (dl && (dl.text !== '' || dl.cell instanceof Date || typeof dl.cell === 'number')) {
      deadline = parseDeadline(dl.cell instanceof Date || typeof dl.cell === 'number' ? dl.cell : dl.text, input.today);
      if (deadline.kind === 'invalid') bad('deadline', deadline.original, deadline.reason);
      else if (deadline.kind === 'date' && deadline.date < input.today && unit && measures)
        bad(
          'deadline',
          deadline.original,
          `整改时限 ${deadline.date} 已过（今天是 ${input.today}），请核实或改为新的时限`,
        );
      else if (deadline.kind === 'date' && deadline.original !== deadline.date)
        notes.push(`整改时限「${deadline.original}」按 ${deadline.date} 计`);
      else if (deadline.kind === 'long_term') notes.push('长期坚持：按限期整改登记，时限为行动结束日，设年度节点');
      else if (deadline.kind === 'immediate') notes.push('立行立改：交办后按行动设定的天数计算时限');
    }
    const remarks = at('remarks')?.text || null;
    let monitoredSince: string | null = null;
    const ms = at('monitoredSince');
    if (ms && (ms.text !== '' || ms.cell instanceof Date || typeof ms.cell === 'number')) {
      const d = parseDeadline(ms.cell instanceof Date || typeof ms.cell === 'number' ? ms.cell : ms.text, input.today);
      if (d.kind !== 'date') bad('monitoredSince', d.original, `纳入监测时间「${d.original}」不是有效的日期`);
      else if (d.date > input.today)
        bad('monitoredSince', d.original, `纳入监测时间 ${d.date} 晚于今天（${input.today}）`);
      else monitoredSince = d.date;
    }
    const immediate = deadline?.kind === 'immediate' || (!!remarks && /立行立改/.test(remarks));
    if (deadline === null && immediate) deadline = { kind: 'immediate', original: '立行立改（备注）' };
    if (unit && !measures) notes.push('未填整改措施：仅登记，待交办');
    if (unit && measures && !deadline) bad('deadline', '', '已填责任单位和整改措施，但整改时限为空');

    const original: Record<string, string> = {};
    for (const c of header.columns) if (texts[c.index]) original[c.header] = texts[c.index]!;
    const key = input.rowKey([description.replace(/\s+/g, ''), unit?.id ?? '', categoryId ?? '', source]);
    const idCell = at('itemId')?.text;
    let status: RowPlan['status'] = problems.length ? 'error' : 'ok';
    // A row already in the campaign is skipped whatever else is wrong with it (e.g. a deadline that has
    // passed since): re-importing our own export must not fail on the items it already has.
    if (input.existingKeys.has(key) || (idCell && input.existingItemIds.has(idCell))) {
      status = 'duplicate';
      problems.length = 0;
      notes.push('已导入过（或系统中已有此事项），跳过');
    } else if (status === 'ok' && seenKeys.has(key)) {
      status = 'duplicate';
      notes.push(`与第 ${seenKeys.get(key)} 行重复，跳过`);
    }
    if (status === 'ok') seenKeys.set(key, r + 1);
    plans.push({
      row: r + 1,
      status,
      problems,
      notes,
      ...(status === 'ok'
        ? {
            item: {
              key,
              title,
              description,
              source,
              categoryId,
              unit,
              measures,
              deadline,
              remarks,
              monitoredSince,
              immediate,
              original,
            },
          }
        : {}),
    });
  }
  return plans;
}
