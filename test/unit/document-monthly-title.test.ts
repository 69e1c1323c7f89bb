// The 月报汇总's title says the year once: a campaign named 「…专项整治(2026年)」 loses its year before
// 「2026年11月」 (as the bulletin's title does), and keeps it before another year's month.
import { describe, expect, it } from 'vitest';
import { monthlyDocument } from '../../documents/kinds/monthly.ts';

const issue = {
  flag: '朝阳镇乡村振兴办公室文件',
  office: '朝阳镇乡村振兴办公室',
  printedBy: '朝阳镇乡村振兴办公室',
  dateStyle: 'chinese' as const,
  number: '朝振办〔2026〕4号',
  date: '2026-12-06',
  copyTo: [],
};
const title = (campaign: string, period: string) =>
  monthlyDocument({ campaign, period, dueOn: `${period}-28`, units: [] }, issue).title.replace(/\n/g, '');

describe('月报汇总 title', () => {
  it('drops the campaign’s year when the month names it', () => {
    expect(title('朝阳镇巩固拓展脱贫攻坚成果专项整治(2026年)', '2026-11')).toBe(
      '关于朝阳镇巩固拓展脱贫攻坚成果专项整治2026年11月工作月报情况的通报',
    );
    expect(title('朝阳镇专项整治（2026年）', '2026-11')).toBe('关于朝阳镇专项整治2026年11月工作月报情况的通报');
  });
  it('keeps it for another year, and leaves a campaign without one alone', () => {
    expect(title('朝阳镇专项整治(2026年)', '2027-01')).toBe('关于朝阳镇专项整治(2026年)2027年1月工作月报情况的通报');
    expect(title('专项整治', '2026-03')).toBe('关于专项整治2026年3月工作月报情况的通报');
  });
});
