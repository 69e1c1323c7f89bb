// The message catalogue: every text the system writes is worded in Chinese, and texts stored before the
// catalogue (English sentences in old events) are worded again on the way out.
import { describe, expect, it } from 'vitest';
import { bulletinTitle, jobName, localize, queueName, render, ZH_CN } from '../../domain/messages/index.ts';
import { LATIN_SENTENCE } from '../support/latin.ts';

describe('message catalogue', () => {
  it('has no Latin sentence in any template', () => {
    for (const [code, text] of Object.entries(ZH_CN)) expect(text, code).not.toMatch(LATIN_SENTENCE);
  });

  it('renders codes with their parameters', () => {
    expect(render({ code: 'flag.overdue_escalation', params: { since: '2026-03-09' } })).toBe(
      '逾期未整改（整改时限 2026-03-09），按规定挂牌督办',
    );
    expect(render({ code: 'quality.included_not_helped', params: { assignedOn: '2026-03-02', months: 1 } })).toBe(
      '2026-03-02 交办后 1 个月内未录入整改措施（纳而不帮）',
    );
    // a missing parameter stays visible instead of silently vanishing
    expect(render({ code: 'cause_gone.deadline_moved', params: { from: '2026-04-10' } })).toBe(
      '整改时限已由 2026-04-10 调整为 {to}',
    );
  });

  it('words the English texts of old events again, and leaves what people wrote alone', () => {
    expect(localize('overdue since 2026-03-09: flagged for supervision (挂牌督办)')).toBe(
      '逾期未整改（整改时限 2026-03-09），按规定挂牌督办',
    );
    expect(localize('assigned 2026-03-02, no measures recorded within 1 month(s) (纳而不帮)')).toBe(
      '2026-03-02 交办后 1 个月内未录入整改措施（纳而不帮）',
    );
    expect(localize('reported 2026-03-02 and closed 2026-03-20 without substantive measures (快进快出)')).toBe(
      '2026-03-02 登记、2026-03-20 销号，无实质性整改措施（快进快出）',
    );
    expect(localize('the item is closed (销号) now')).toBe('该问题已销号');
    expect(localize('群众反映强烈，县委督查室要求挂牌')).toBe('群众反映强烈，县委督查室要求挂牌');
    // a message carried by the record wins over its stored text
    expect(localize('old words', { code: 'cause_gone.moved' })).toBe('该问题已转办其他单位');
  });

  it('words the bulletin title once: no 验收验收, no year twice', () => {
    expect(bulletinTitle('朝阳镇巩固拓展脱贫攻坚成果专项整治(2026年)', '2026年第三季度验收')).toBe(
      '关于2026年第三季度朝阳镇巩固拓展脱贫攻坚成果专项整治验收排名情况的通报',
    );
    expect(bulletinTitle('十项专项整治', '第二阶段验收')).toBe('关于第二阶段十项专项整治验收排名情况的通报');
    expect(bulletinTitle('农村人居环境整治', '2026年8月')).toBe('关于2026年8月农村人居环境整治验收排名情况的通报');
  });

  it('names queues and jobs in Chinese, unknown ones as they are', () => {
    expect(queueName('deliver')).toBe('通知投递');
    expect(queueName('wake-sweep')).toBe('时限巡检');
    expect(jobName('cause')).toBe('生成通知');
    expect(queueName('something-new')).toBe('something-new');
  });
});
