// An item as a ledger row (the customary columns).
import type { ItemSource, ItemStatus } from '../domain/item/types.ts';
import { localize } from '../domain/messages/index.ts';
import { SOURCE_LABELS, STATUS_LABELS, type LedgerRow } from './columns.ts';

const day = (d: string) => new Date(`${d}T00:00:00.000Z`);
/** The Shanghai calendar day of an instant, as an Excel date. */
const shanghaiDay = (instant: string) => day(new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(0, 10));

interface LedgerSource {
  id: string;
  seqNo: number;
  source: string;
  title: string;
  description: string;
  status: string;
  deadline: string | null;
  overdue: boolean;
  flagged: boolean;
  closedAt: string | null;
  categoryName: string | null;
  responsibleName: string | null;
  measures: string | null;
  mode: string | null;
  location: string | null;
  flagReason: string | null;
  deadlineProvisional: boolean;
  extensionsGranted: number;
  qualityWarnings: string[] | null;
  openEvidenceWarnings: number;
  progress: string | null;
  head: string | null;
  /** The words an imported item came in with (整改状态, 整改时限), shown beside ours. */
  importedStatus?: string | null;
  importedDeadline?: string | null;
}

export function ledgerRow(r: LedgerSource): LedgerRow {
  const remarks: string[] = [];
  if (r.mode === 'immediate') remarks.push('立行立改');
  if (r.deadlineProvisional) remarks.push('时限待日历确认');
  if (r.flagged) remarks.push(`挂牌督办：${localize(r.flagReason ?? '')}`); // old rows may hold the English reason
  if (r.openEvidenceWarnings) remarks.push(`纸面销号预警 ${r.openEvidenceWarnings} 条`);
  for (const q of r.qualityWarnings ?? []) remarks.push(q === 'fast_in_fast_out' ? '快进快出预警' : '纳而不帮预警');
  if (r.extensionsGranted) remarks.push(`已延期 ${r.extensionsGranted} 次`);
  if (r.location) remarks.push(`地点：${r.location}`);
  if (r.importedDeadline && r.importedDeadline !== r.deadline) remarks.push(`原时限：${r.importedDeadline}`);
  const status = r.status as ItemStatus;
  const label = `${STATUS_LABELS[status] ?? status}${r.overdue && (status === 'assigned' || status === 'in_progress') ? '（逾期）' : ''}`;
  return {
    seqNo: r.seqNo,
    source: SOURCE_LABELS[r.source as ItemSource] ?? r.source,
    category: r.categoryName,
    description: r.description,
    unit: r.responsibleName,
    person: r.head || null,
    measures: r.measures,
    deadline: r.deadline ? day(r.deadline) : null,
    progress: r.progress,
    // The office's own words stay beside ours: 已销号（原：已完成并长期坚持）.
    status: r.importedStatus && r.importedStatus !== label ? `${label}（原：${r.importedStatus}）` : label,
    closed: r.closedAt ? shanghaiDay(r.closedAt) : '否',
    remarks: remarks.join('；') || null,
    title: r.title,
    itemId: r.id,
  };
}
