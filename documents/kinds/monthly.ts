// 月报汇总: the period's monthly reports — who reported on time, late or not at all, and the ledger
// figures each unit reported — as the office circulates them.
import type { Block } from '../model.ts';
import { titleFrom } from '../model.ts';
import { bodyDate } from '../words.ts';
import { frame, type Issue } from './common.ts';

export interface MonthlyData {
  campaign: string;
  /** YYYY-MM. */
  period: string;
  dueOn: string;
  units: {
    name: string;
    /** 按时报送 / 逾期报送 / 未报送 / 退回修改. */
    status: string;
    found: number;
    rectified: number;
    inProgress: number;
    overdue: number;
  }[];
}

export function monthlyDocument(d: MonthlyData, issue: Issue) {
  const [y, m] = d.period.split('-').map(Number) as [number, number];
  const month = `${y}年${m}月`;
  const count = (s: string) => d.units.filter((u) => u.status === s).length;
  const sum = (k: 'found' | 'rectified' | 'inProgress' | 'overdue') => d.units.reduce((a, u) => a + u[k], 0);
  const missing = d.units.filter((u) => u.status === '未报送').map((u) => u.name);
  const body: Block[] = [
    {
      kind: 'para',
      text: `截至${bodyDate(d.dueOn)}，应报送${month}整改工作月报的单位${d.units.length}个，按时报送${count('按时报送')}个，逾期报送${count('逾期报送')}个，未报送${missing.length}个${missing.length ? `（${missing.join('、')}）` : ''}。各单位共排查问题${sum('found')}个，已整改到位${sum('rectified')}个，正在整改${sum('inProgress')}个，逾期未整改${sum('overdue')}个。现将汇总情况通报如下：`,
    },
    {
      kind: 'table',
      header: ['单位', '报送情况', '排查问题', '整改到位', '正在整改', '逾期未改'],
      widths: [2, 1.5, 1.3, 1.3, 1.3, 1.3],
      rows: d.units.map((u) => [
        u.name,
        u.status,
        String(u.found),
        String(u.rectified),
        String(u.inProgress),
        String(u.overdue),
      ]),
    },
    {
      kind: 'para',
      text: '未按时报送的单位要认真查找原因，于三个工作日内补报。各单位要如实填报整改进展，对逾期未整改问题逐一明确措施和时限。',
    },
  ];
  return frame(issue, {
    // The campaign's 「(2026年)」 is not repeated before 「2026年11月」, as in the bulletin's title.
    title: titleFrom([
      '关于',
      d.campaign.replace(new RegExp(`\\s*[(（]${y}年?[)）]$`), ''),
      `${month}工作月报情况的通报`,
    ]),
    recipients: '各责任部门，各行政村（社区）',
    body,
  });
}
