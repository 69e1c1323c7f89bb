// The documents of one item: the 交办单 (整改通知书) sent at assignment, and the 督办通知 /
// 挂牌督办通知 with its reply slip (回执) sent when the item is escalated or flagged.
import { type Attachment, type Block, titleFrom } from '../model.ts';
import { bodyDate } from '../words.ts';
import { fill, frame, type Issue } from './common.ts';

export interface ItemData {
  campaign: string;
  category: string | null;
  /** 问题编号 as the ledger shows it. */
  ledgerNo: string;
  title: string;
  description: string;
  /** 问题来源 in words (信访, 督查 …). */
  source: string;
  responsibleUnit: string;
  leadUnit: string | null;
  measures: string | null;
  /** 立行立改 / 限期整改. */
  mode: string | null;
  /** 整改时限 (YYYY-MM-DD). */
  deadline: string | null;
  milestones: { title: string; dueOn: string }[];
}

const facts = (d: ItemData): Block => ({
  kind: 'table',
  header: ['项目', '内容'],
  widths: [1, 3.2],
  rows: [
    ['问题编号', d.ledgerNo],
    ['所属专项', d.category ?? '—'],
    ['问题来源', d.source],
    ['问题描述', `${d.title}${d.description && d.description !== d.title ? `。${d.description}` : ''}`],
    ['责任单位', d.responsibleUnit],
    ...(d.leadUnit ? [['牵头部门', d.leadUnit]] : []),
    ['整改方式', d.mode ?? '—'],
    ['整改措施', d.measures ?? '—'],
    ['整改时限', d.deadline ? bodyDate(d.deadline) : '—'],
    ...(d.milestones.length
      ? [['时间节点', d.milestones.map((m) => `${bodyDate(m.dueOn)}前${m.title}`).join('\n')]]
      : []),
  ],
});

/** 交办单 (整改通知书): at assignment. */
export function assignmentDocument(d: ItemData, issue: Issue) {
  return frame(issue, {
    title: titleFrom(['关于交办', d.title, '的整改通知书']),
    recipients: d.responsibleUnit,
    body: [
      { kind: 'para', text: `在${d.campaign}中发现你单位存在以下问题，现交由你单位限期整改。具体如下：` },
      facts(d),
      { kind: 'heading', level: 1, text: '整改要求' },
      {
        kind: 'para',
        text: `请你单位收到本通知书后及时签收，落实整改责任人，按照整改措施和时间节点推进整改，${d.deadline ? `于${bodyDate(d.deadline)}前` : '按期'}整改到位，并上传佐证材料、申请销号。逾期未完成的，按有关规定督办问责。`,
      },
    ],
  });
}

export interface SupervisionData extends ItemData {
  /** true: 挂牌督办 (flagged); false: 督办 (escalated). */
  flagged: boolean;
  /** The date by which the unit must reply (督办时限). */
  replyBy: string;
  /** Why: overdue days, escalation step, the supervisor's words. */
  reason: string;
}

const slip = (d: SupervisionData, number: string): Attachment => ({
  title: `${d.flagged ? '挂牌督办' : '督办'}事项办理情况回执`,
  blocks: [
    {
      kind: 'table',
      header: ['项目', '内容'],
      widths: [1, 3.2],
      rows: [
        ['督办文号', number],
        ['督办事项', d.title],
        ['责任单位', d.responsibleUnit],
        ['办理时限', bodyDate(d.replyBy)],
        ['办理情况', '\n\n\n\n\n\n'],
        ['未完成原因\n及下步措施', '\n\n\n'],
        ['责任人签字', ''],
        ['单位负责人\n签字（盖章）', `\n${fill(10)}年${fill(2)}月${fill(2)}日`],
      ],
    },
    { kind: 'para', text: `请于${bodyDate(d.replyBy)}前将本回执报送督办单位。` },
  ],
});

/** 督办通知 / 挂牌督办通知: with its 督办 deadline and a reply slip. */
export function supervisionDocument(d: SupervisionData, issue: Issue) {
  const kind = d.flagged ? '挂牌督办' : '督办';
  return frame(issue, {
    title: titleFrom(['关于对', d.title, `${kind}的通知`]),
    recipients: d.responsibleUnit,
    body: [
      {
        kind: 'para',
        text: `${d.reason}根据${d.campaign}有关规定，决定对该问题予以${kind}。现将有关事项通知如下：`,
      },
      { kind: 'heading', level: 1, text: `一、${kind}事项` },
      facts(d),
      { kind: 'heading', level: 1, text: '二、办理要求' },
      {
        kind: 'para',
        text: `请你单位主要负责人亲自过问，逐项落实整改措施，于${bodyDate(d.replyBy)}前整改到位，并填写办理情况回执报送${issue.office}。${d.flagged ? '挂牌督办期间，未经批准不得销号。' : ''}逾期未办结的，将按有关规定启动问责程序。`,
      },
    ],
    attachments: [slip(d, issue.number)],
  });
}
