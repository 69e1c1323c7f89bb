// Finding the header of a ledger someone else made: it may span several merged rows, start below a
// title and notes, and name columns in the office's own words. Pure.
import { unneutralise } from '../safe-cell.ts';
import type { Cell } from './read.ts';

export const IMPORT_FIELDS = [
  'seqNo',
  'source',
  'category',
  'description',
  'unit',
  'person',
  'measures',
  'deadline',
  'progress',
  'status',
  'closed',
  'remarks',
  'title',
  'itemId',
  'monitoredSince',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** The spellings offices use, most specific first. Matching ignores spaces, line breaks and brackets. */
export const SYNONYMS: Record<ImportField, string[]> = {
  seqNo: ['序号', '编号', '序'],
  source: ['问题来源', '来源', '发现途径', '反馈渠道'],
  category: ['专项类别', '专项', '类别', '问题类别', '问题类型', '问题分类', '专项名称', '所属专项'],
  description: [
    '问题描述',
    '问题内容',
    '具体问题表述',
    '具体问题',
    '存在问题',
    '问题表述',
    '问题清单',
    '反馈问题',
    '主要问题',
    '问题',
  ],
  unit: ['责任单位', '牵头责任单位', '主办单位', '牵头单位', '责任主体', '责任部门', '承办单位', '所在村', '村社区'],
  person: ['责任人', '具体责任人', '包保责任人', '联系人'],
  measures: ['整改措施', '整改举措', '整改方案', '工作措施'],
  deadline: ['整改时限', '完成时限', '整改期限', '完成时间', '时限要求', '时限'],
  progress: ['整改进展', '进展情况', '整改情况', '推进情况'],
  status: ['整改状态', '完成情况', '状态'],
  closed: ['是否销号销号时间', '是否销号', '销号时间', '销号情况'],
  remarks: ['备注', '说明'],
  title: ['问题标题', '标题'],
  itemId: ['系统编号'],
  // 纳入监测 (003 §二(一) 纳而不帮 counts from it)
  monitoredSince: ['纳入监测时间', '纳入监测日期', '识别纳入时间', '纳入时间', '纳入日期', '纳入监测'],
};

export const normaliseHeader = (v: string) =>
  v
    .replace(/[\s\u3000]+/g, '')
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/[/／、·:：*＊]/g, '')
    .toLowerCase();

export function cellText(c: Cell | undefined): string {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  if (typeof c === 'object') return c.result === null || c.result === undefined ? '' : String(c.result);
  return typeof c === 'string' ? unneutralise(c.trim()) : String(c).trim();
}

export interface HeaderMatch {
  /** 0-based rows that form the header (one, or two for a merged group row over its sub-headers). */
  headerRows: number[];
  dataStart: number;
  columns: { index: number; header: string; field: ImportField | null }[];
  missing: ImportField[];
}

function fieldFor(header: string, template: Partial<Record<ImportField, string>>): ImportField | null {
  const h = normaliseHeader(header);
  if (h === '') return null;
  for (const f of IMPORT_FIELDS) if (template[f] && normaliseHeader(template[f]!) === h) return f;
  for (const f of IMPORT_FIELDS) if (SYNONYMS[f].some((s) => h === normaliseHeader(s))) return f;
  for (const f of IMPORT_FIELDS)
    if (SYNONYMS[f].some((s) => s.length >= 2 && h.startsWith(normaliseHeader(s)))) return f;
  return null;
}

/** Labels of a header made of rows `rs`. Under a merged group cell (整改情况 over 整改措施 | 整改时限) the
 * sub-header names the column; a header merged down both rows keeps its text in the top row. */
function labels(rows: Cell[][], rs: number[], width: number): string[] {
  return Array.from({ length: width }, (_, j) => {
    for (const r of [...rs].reverse()) {
      const t = cellText(rows[r]?.[j]);
      if (t !== '') return t;
    }
    return '';
  });
}

export function findHeader(
  rows: Cell[][],
  template: Partial<Record<ImportField, string>> = {},
  scanRows = 30,
): HeaderMatch | null {
  const width = Math.max(0, ...rows.slice(0, scanRows + 2).map((r) => r?.length ?? 0));
  let best: { score: number; rs: number[]; names: string[]; fields: (ImportField | null)[] } | null = null;
  for (let r = 0; r < Math.min(scanRows, rows.length); r++) {
    for (const rs of [[r], [r, r + 1]]) {
      if (rs.some((x) => x >= rows.length)) continue;
      const names = labels(rows, rs, width);
      const fields = names.map((n) => fieldFor(n, template));
      const distinct = new Set(fields.filter((f): f is ImportField => f !== null));
      if (!distinct.has('description')) continue;
      // Prefer more recognised columns; on a tie, the single row (a two-row reading must earn its row).
      const score = distinct.size * 10 - (rs.length - 1) * 5;
      if (!best || score > best.score) best = { score, rs, names, fields };
    }
  }
  if (!best || new Set(best.fields.filter(Boolean)).size < 2) return null;
  const seen = new Set<ImportField>();
  const columns = best.names
    .map((header, index) => {
      let field = best!.fields[index] ?? null;
      if (field && seen.has(field)) field = null; // the first column of a kind wins
      if (field) seen.add(field);
      return { index, header, field };
    })
    .filter((c) => c.header !== '');
  const required: ImportField[] = ['description', 'unit', 'deadline'];
  return {
    headerRows: best.rs,
    dataStart: best.rs[best.rs.length - 1]! + 1,
    columns,
    missing: required.filter((f) => !seen.has(f)),
  };
}
