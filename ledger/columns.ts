// The ledger's customary columns (台账), and the Chinese words for codes that appear in them.
import type { ItemSource, ItemStatus } from '../domain/item/types.ts';

export const SOURCE_LABELS: Record<ItemSource, string> = {
  self_report: '农户申报',
  screening: '干部排查',
  department_screening: '部门筛查预警',
  third_party: '第三方评估',
  inspection: '督查巡察',
  audit: '审计',
  petition: '信访',
  hotline: '12345热线',
};

export const STATUS_LABELS: Record<ItemStatus, string> = {
  reported: '待交办',
  assigned: '已交办待签收',
  in_progress: '整改中',
  submitted: '待审核销号',
  closed: '已销号',
  verified: '已销号（复核通过）',
  dismissed: '已核销（不属实）',
};

/**
 * Export columns: header, width in Excel character units (a Chinese character counts about 2), wrap.
 * Widths are chosen so the twelve customary columns fill a landscape A3 page at full size (about 195
 * units); the two system columns after them stay out of the print area.
 */
export const LEDGER_COLUMNS = [
  { key: 'seqNo', header: '序号', width: 6 },
  { key: 'source', header: '问题来源', width: 9, wrap: true },
  { key: 'category', header: '专项/类别', width: 14, wrap: true },
  { key: 'description', header: '问题描述', width: 36, wrap: true },
  { key: 'unit', header: '责任单位', width: 12, wrap: true },
  { key: 'person', header: '责任人', width: 8, wrap: true },
  { key: 'measures', header: '整改措施', width: 30, wrap: true },
  { key: 'deadline', header: '整改时限', width: 12 },
  { key: 'progress', header: '整改进展', width: 30, wrap: true },
  { key: 'status', header: '整改状态', width: 10, wrap: true },
  { key: 'closed', header: '是否销号/销号时间', width: 12, wrap: true },
  { key: 'remarks', header: '备注', width: 16, wrap: true },
  // Not customary, but they let a re-import find the item again and keep its title.
  { key: 'title', header: '问题标题', width: 30, wrap: true },
  { key: 'itemId', header: '系统编号', width: 38 },
] as const;

/** The customary columns, printed; the rest (问题标题, 系统编号) are for re-import only. */
export const PRINTED_COLUMNS = 12;

export type LedgerColumnKey = (typeof LEDGER_COLUMNS)[number]['key'];
export type LedgerRow = { [K in LedgerColumnKey]: string | number | Date | null };
