// 销号审批表: an item's sign-off as a form — what was done, the evidence, and each signer with the
// date they signed (the unit that applied, the lead unit that approved, the recheck when there was one).
import { type Block, titleFrom } from '../model.ts';
import { bodyDate } from '../words.ts';
import { frame, type Issue } from './common.ts';
import type { ItemData } from './item.ts';

export interface SignoffData extends ItemData {
  /** 整改完成情况 as the unit summarised it. */
  summary: string;
  evidenceCount: number;
  /** Each signature: who (name and unit), in what capacity, the Shanghai date, and their words. */
  signers: { role: string; name: string; unit: string; date: string; opinion: string }[];
}

export function signoffDocument(d: SignoffData, issue: Issue) {
  const rows: string[][] = [
    ['问题编号', d.ledgerNo],
    ['问题描述', d.title],
    ['责任单位', d.responsibleUnit],
    ['整改措施', d.measures ?? '—'],
    ['整改时限', d.deadline ? bodyDate(d.deadline) : '—'],
    ['整改完成情况', d.summary],
    ['佐证材料', d.evidenceCount ? `${d.evidenceCount}份` : '无'],
    ...d.signers.map((s) => [s.role, `${s.opinion}\n${s.unit}　${s.name}　${bodyDate(s.date)}`]),
  ];
  const body: Block[] = [
    { kind: 'para', text: `${d.responsibleUnit}承担的${d.title}问题已整改完成，经审核，同意销号。具体如下：` },
    { kind: 'table', header: ['项目', '内容'], widths: [1, 3.2], rows },
  ];
  return frame(issue, { title: titleFrom([d.title, '问题销号审批表']), recipients: null, body });
}
