// An item as a ledger row (the customary columns).
import type { ItemState } from '../domain/item/types.ts';
import { SOURCE_LABELS, STATUS_LABELS, type LedgerRow } from './columns.ts';

const day = (d: string) => new Date(`${d}T00:00:00.000Z`);
/** The Shanghai calendar day of an instant, as an Excel date. */
const shanghaiDay = (instant: string) => day(new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(0, 10));

export function ledgerRow(r: {
  state: ItemState; seqNo: number; categoryName: string | null; responsibleName: string | null;
  progress: { note: string; at: string } | null; head: string;
}): LedgerRow {
  const s = r.state;
  const remarks: string[] = [];
  if (s.mode === 'immediate') remarks.push('立行立改');
  if (s.deadlineProvisional) remarks.push('时限待日历确认');
  if (s.flagged) remarks.push(`挂牌督办：${s.flagReason ?? ''}`);
  const openWarnings = (s.evidenceWarnings ?? []).filter((w) => w.dismissed === null).length;
  if (openWarnings) remarks.push(`纸面销号预警 ${openWarnings} 条`);
  for (const q of s.qualityWarnings) remarks.push(q.code === 'fast_in_fast_out' ? '快进快出预警' : '纳而不帮预警');
  if (s.extensionsGranted) remarks.push(`已延期 ${s.extensionsGranted} 次`);
  if (s.location) remarks.push(`地点：${s.location}`);
  return {
    seqNo: r.seqNo,
    source: SOURCE_LABELS[s.source] ?? s.source,
    category: r.categoryName,
    description: s.description,
    unit: r.responsibleName,
    person: r.head || null,
    measures: s.measures,
    deadline: s.deadline ? day(s.deadline) : null,
    progress: r.progress ? r.progress.note : null,
    status: `${STATUS_LABELS[s.status]}${s.overdue && (s.status === 'assigned' || s.status === 'in_progress') ? '（逾期）' : ''}`,
    closed: s.closedAt ? shanghaiDay(s.closedAt) : '否',
    remarks: remarks.join('；') || null,
    title: s.title,
    itemId: s.id,
  };
}
