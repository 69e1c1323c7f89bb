// The one catalogue of texts the system itself writes (not what people type): a code and its
// parameters, worded as a county office would write them. Read by the web locale, the notices, the
// .docx bulletin and the Excel export through render() (index.ts), so a text is worded once.
export const ZH_CN = {
  // 挂牌督办 by the last escalation step (domain/item/next-wake.ts)
  'flag.overdue_escalation': '逾期未整改（整改时限 {since}），按规定挂牌督办',
  // quality warnings (domain/item/quality.ts, 003 §二(一))
  'quality.included_not_helped': '{assignedOn} 交办后 {months} 个月内未录入整改措施（纳而不帮）',
  'quality.included_not_helped_monitored': '{monitoredOn} 纳入监测后 {months} 个月内未录入整改措施（纳而不帮）',
  'quality.fast_in_fast_out': '{reportedOn} 登记、{closedOn} 销号，无实质性整改措施（快进快出）',
  // why a held notice was not sent after all (domain/notice/derive.ts causeGone)
  'cause_gone.closed': '该问题已{status}',
  'cause_gone.deadline_moved': '整改时限已由 {from} 调整为 {to}',
  'cause_gone.moved': '该问题已转办其他单位',
  'cause_gone.submitted': '责任单位已申请销号',
  'cause_gone.reviewed': '销号申请已审核',
  'cause_gone.recheck_done': '复核已完成',
  // the bulletin (通报) of an acceptance round: its title, worded from the period and the campaign
  'bulletin.title': '关于{period}{campaign}验收排名情况的通报',
  // background queues and their jobs (workers/), as the administrator's screen names them
  'queue.notify': '通知生成',
  'queue.deliver': '通知投递',
  'queue.evidence': '佐证材料处理',
  'queue.wake-sweep': '时限巡检',
  'queue.imports': '台账导入',
  'queue.documents': '公文生成',
  'queue.trail-checkpoints': '留痕检查点',
  'job.cause': '生成通知',
  'job.deliver': '投递通知',
  'job.drain': '读取待发通知',
  'job.digest': '每日汇总',
  'job.office': '办公室提醒',
  'job.reconcile': '补发遗漏任务',
  'job.photo': '照片处理',
  'job.guard': '佐证材料核查',
  'job.sweep': '时限巡检',
  'job.commit': '导入入库',
  'job.pdf': '生成公文',
  'job.checkpoint': '签署留痕检查点',
} as const;

export type MessageCode = keyof typeof ZH_CN;
