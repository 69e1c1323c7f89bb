// Finding the header of a ledger someone else made: one to five rows, merged across (a parent group
// such as 整改情况 over 整改措施 | 完成时限 | 完成情况) and down, below a title and notes. Each column
// gets its header path (['整改情况', '完成时限']) and is recognised by the whole path against a
// synonym table per field — exact words, never a prefix, so 问题编号 or 问题金额 cannot pass for the
// problem description. Pure.
import { unneutralise } from '../safe-cell.ts';
import type { Cell, Merge } from './read.ts';

export const IMPORT_FIELDS = [
  'seqNo',
  'ref',
  'source',
  'category',
  'description',
  'unit',
  'coUnit',
  'leader',
  'person',
  'measures',
  'deadline',
  'progress',
  'status',
  'closed',
  'onTime',
  'delayReason',
  'verified',
  'findings',
  'amount',
  'remarks',
  'title',
  'itemId',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/**
 * The words offices use for each field, as whole header texts (after normalisation: no spaces, line
 * breaks, brackets or punctuation). A header matches when its last level, its last two levels, or
 * its whole path equals one of these; long words (4+ characters) also match as the end of a header
 * ("巡察反馈问题描述" ends with 问题描述 — in Chinese the head noun comes last).
 */
export const SYNONYMS: Record<ImportField, string[]> = {
  seqNo: ['序号', '序', '编号', '排序'],
  ref: ['问题编号', '工单编号', '工单号', '受理编号', '交办编号', '案件编号', '台账编号', '转办编号', '信访件编号'],
  source: ['问题来源', '来源', '发现途径', '反馈渠道', '问题出处', '交办来源', '来源渠道'],
  category: [
    '专项类别',
    '专项',
    '类别',
    '问题类别',
    '问题类型',
    '问题分类',
    '专项名称',
    '所属专项',
    '所属领域',
    '领域',
  ],
  description: [
    '问题描述',
    '问题内容',
    '具体问题表述',
    '具体问题',
    '存在问题',
    '存在的问题',
    '问题表述',
    '问题清单',
    '反馈问题',
    '主要问题',
    '问题',
    '问题具体表现',
    '问题表现',
    '诉求内容',
    '来电内容',
    '交办问题基本情况',
    '举报内容',
    '审计发现问题',
    '审计查出问题',
    '巡察反馈问题',
    '督查发现问题',
    '检查发现问题',
    '问题及表现',
  ],
  unit: [
    '责任单位',
    '牵头责任单位',
    '主办单位',
    '牵头单位',
    '责任主体',
    '责任部门',
    '承办单位',
    '所在村',
    '村社区',
    '整改责任单位',
    '责任单位牵头单位',
    '整改单位',
    '办理单位',
    '行政区域',
    '所属村',
    '乡镇村',
  ],
  coUnit: ['配合单位', '协办单位', '责任单位配合单位', '配合部门', '协同单位'],
  leader: ['责任领导', '牵头领导', '分管领导', '包保领导', '责任领导分管领导', '领导'],
  person: ['责任人', '具体责任人', '包保责任人', '联系人', '整改责任人', '经办人', '具体负责人'],
  measures: [
    '整改措施',
    '整改举措',
    '整改方案',
    '工作措施',
    '具体措施',
    '措施',
    '整改目标措施',
    '整改任务',
    '处理和整改情况',
    '节点内容',
    '节点任务',
    '工作内容',
  ],
  deadline: [
    '整改时限',
    '完成时限',
    '整改期限',
    '完成时间',
    '时限要求',
    '时限',
    '完成期限',
    '整改完成时限',
    '办理时限',
    '办结时限',
    '计划完成时间',
    '整改时间',
    '时间节点',
  ],
  progress: ['整改进展', '进展情况', '整改情况', '推进情况', '整改落实情况', '工作进展', '办理情况', '整改进度'],
  status: [
    '整改状态',
    '完成情况',
    '状态',
    '办结情况',
    '是否办结',
    '是否完成',
    '是否完成整改',
    '整改结果',
    '整改完成情况',
    '办理结果',
    '办理状态',
    '完成状态',
  ],
  closed: ['是否销号销号时间', '是否销号', '销号时间', '销号情况', '销号日期'],
  onTime: ['是否按期完成', '是否按时完成', '是否按期整改', '是否按时办结', '是否按期'],
  delayReason: ['未完成原因', '未按期完成原因', '逾期原因', '未完成原因说明', '延期原因', '原因说明'],
  verified: ['是否属实', '核实结果', '属实情况', '是否属实属实部分属实不属实'],
  findings: ['调查核实情况', '核查情况', '核实情况', '调查情况', '核查结果'],
  amount: ['问题金额', '涉及金额', '金额', '整改金额', '问题金额万元', '涉及资金'],
  remarks: ['备注', '说明'],
  title: ['问题标题', '标题'],
  itemId: ['系统编号'],
};

export const normaliseHeader = (v: string) =>
  v
    .replace(/[\s\u3000]+/g, '')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/[/／、·:：*＊—\-_.。,，]/g, '')
    .toLowerCase();

export function cellText(c: Cell | undefined): string {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  if (typeof c === 'object') return c.result === null || c.result === undefined ? '' : String(c.result);
  return typeof c === 'string' ? unneutralise(c.trim()) : String(c).trim();
}

export interface HeaderColumn {
  index: number;
  /** The header as a person reads it: the last level, or the path joined with " / " where that is ambiguous. */
  header: string;
  path: string[];
  field: ImportField | null;
}

export interface HeaderMatch {
  /** 0-based rows that form the header block. */
  headerRows: number[];
  dataStart: number;
  columns: HeaderColumn[];
  missing: ImportField[];
}

const SYN = new Map<string, ImportField>();
for (const f of IMPORT_FIELDS)
  for (const s of SYNONYMS[f]) if (!SYN.has(normaliseHeader(s))) SYN.set(normaliseHeader(s), f);
const LONG = [...SYN.entries()].filter(([s]) => s.length >= 4).sort((a, b) => b[0].length - a[0].length);

export function fieldFor(path: string[], template: Partial<Record<ImportField, string>> = {}): ImportField | null {
  const segs = path.map(normaliseHeader).filter((s) => s !== '');
  if (segs.length === 0) return null;
  const leaf = segs[segs.length - 1]!;
  const two = segs.slice(-2).join('');
  const whole = segs.join('');
  for (const f of IMPORT_FIELDS) {
    const t = template[f];
    if (t && [leaf, two, whole].includes(normaliseHeader(t))) return f;
  }
  for (const k of [leaf, two, whole]) {
    const f = SYN.get(k);
    if (f) return f;
  }
  for (const [s, f] of LONG) if (leaf.endsWith(s)) return f;
  return null;
}

const isNumberingRow = (texts: string[]) => {
  const t = texts.filter((x) => x !== '');
  return (
    t.length >= 3 && t.every((x, i) => x === String(i + 1) || /^[(（]?[一二三四五六七八九十\d]+[)）]?$|^栏次$/.test(x))
  );
};

/** Header texts of the block `rows[top..bottom]`, merged cells spread over their whole range. */
function paths(rows: Cell[][], merges: Merge[], top: number, bottom: number, width: number): string[][] {
  const grid: string[][] = [];
  for (let r = top; r <= bottom; r++) grid.push(Array.from({ length: width }, (_, j) => cellText(rows[r]?.[j])));
  for (const m of merges) {
    const v = cellText(rows[m.top]?.[m.left]);
    for (let r = Math.max(top, m.top); r <= Math.min(bottom, m.bottom); r++)
      for (let c = m.left; c <= Math.min(width - 1, m.right); c++) grid[r - top]![c] = v;
  }
  if (merges.length === 0) {
    // No merge information (CSV): a parent group's text stands in its first column only; carry it right
    // over the columns whose lower rows name sub-headers.
    for (let r = 0; r < grid.length - 1; r++)
      for (let c = 1; c < width; c++) {
        const below = (col: number) => grid.slice(r + 1).some((row) => row[col] !== '');
        if (grid[r]![c] === '' && grid[r]![c - 1] !== '' && below(c) && below(c - 1)) grid[r]![c] = grid[r]![c - 1]!;
      }
  }
  return Array.from({ length: width }, (_, c) => {
    const p: string[] = [];
    for (const row of grid) if (row[c] !== '' && p[p.length - 1] !== row[c]) p.push(row[c]!);
    return p;
  });
}

export function findHeader(
  rows: Cell[][],
  template: Partial<Record<ImportField, string>> = {},
  merges: Merge[] = [],
  scanRows = 30,
): HeaderMatch | null {
  const width = Math.max(0, ...rows.slice(0, scanRows + 5).map((r) => r?.length ?? 0));
  let best: { score: number; top: number; bottom: number; ps: string[][]; fields: (ImportField | null)[] } | null =
    null;
  for (let top = 0; top < Math.min(scanRows, rows.length); top++) {
    for (let h = 1; h <= 5 && top + h <= rows.length; h++) {
      let bottom = top + h - 1;
      let first = top;
      // A merge that starts inside the block and reaches below it is part of the header, and so is one
      // that reaches into the block from above (序号 merged down over the header rows).
      for (let changed = true; changed; ) {
        changed = false;
        for (const m of merges) {
          if (m.top >= first && m.top <= bottom && m.bottom > bottom && m.bottom - first < 6) {
            bottom = m.bottom;
            changed = true;
          }
          if (m.top < first && m.bottom >= first && m.bottom <= bottom && m.bottom > m.top && bottom - m.top < 6) {
            first = m.top;
            changed = true;
          }
        }
      }
      const ps = paths(rows, merges, first, bottom, width);
      const fields = ps.map((p) => fieldFor(p, template));
      const distinct = new Set(fields.filter((f): f is ImportField => f !== null));
      if (!distinct.has('description')) continue;
      // More recognised columns win; then the shorter block (a row must earn its place).
      const score = distinct.size * 10 - (bottom - first);
      if (!best || score > best.score) best = { score, top: first, bottom, ps, fields };
    }
  }
  if (!best || new Set(best.fields.filter(Boolean)).size < 2) return null;
  // Rows right under the header that are not data: a column-number row (1 2 3 …, 栏次), or a row whose
  // every text is a header word.
  let dataStart = best.bottom + 1;
  while (dataStart < rows.length) {
    const texts = (rows[dataStart] ?? []).map(cellText);
    const words = texts.filter((t) => t !== '');
    if (words.length === 0) break;
    if (isNumberingRow(texts) || words.every((t) => fieldFor([t]) !== null && SYN.has(normaliseHeader(t)))) dataStart++;
    else break;
  }
  const seen = new Set<ImportField>();
  const leaves = best.ps.map((p) => p[p.length - 1] ?? '');
  const columns = best.ps
    .map((path, index) => {
      let field = best!.fields[index] ?? null;
      // The first column of a kind wins, except categories: a second 专项 column is a second value.
      if (field && seen.has(field) && field !== 'category') field = null;
      if (field) seen.add(field);
      // The header as people name the column: its last level, or the whole path where two columns share it.
      const leaf = leaves[index]!;
      const header = leaves.filter((l) => l === leaf).length > 1 ? path.join(' / ') : leaf;
      return { index, header, path, field };
    })
    .filter((c) => c.path.length > 0);
  const required: ImportField[] = ['description', 'unit', 'deadline'];
  return {
    headerRows: Array.from({ length: best.bottom - best.top + 1 }, (_, i) => best!.top + i),
    dataStart,
    columns,
    missing: required.filter((f) => !seen.has(f)),
  };
}

/** The ledger's own date from the lines above its header ("填报时间：2022年5月10日", a title such as
 * "2020年脱贫攻坚问题整改台账"): deadlines written without a year belong to it. */
export function ledgerDate(rows: Cell[][], header: HeaderMatch): { year: number; date: string | null } | null {
  let year: number | null = null;
  for (let r = 0; r < (header.headerRows[0] ?? 0); r++)
    for (const t of (rows[r] ?? []).map(cellText)) {
      const full = /(\d{4})年(\d{1,2})月(\d{1,2})日/.exec(t);
      if (full)
        return { year: Number(full[1]), date: `${full[1]}-${full[2]!.padStart(2, '0')}-${full[3]!.padStart(2, '0')}` };
      const y = /((?:19|20)\d{2})年/.exec(t);
      if (y && year === null) year = Number(y[1]);
    }
  return year === null ? null : { year, date: null };
}

/** What each field is called in the dry-run report and the marked sheet. */
export const FIELD_NAMES: Record<ImportField, string> = {
  seqNo: '序号',
  ref: '问题编号',
  source: '问题来源',
  category: '专项/类别',
  description: '问题描述',
  unit: '责任单位',
  coUnit: '配合单位',
  leader: '责任领导',
  person: '责任人',
  measures: '整改措施',
  deadline: '整改时限',
  progress: '整改进展',
  status: '整改状态',
  closed: '是否销号/销号时间',
  onTime: '是否按期完成',
  delayReason: '未完成原因',
  verified: '是否属实',
  findings: '调查核实情况',
  amount: '问题金额',
  remarks: '备注',
  title: '问题标题',
  itemId: '系统编号',
};
