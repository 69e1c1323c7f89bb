// 通报: a published round's ranking, praise, criticism and accountability, as the office sends it.
import { bulletinTitle as worded, bulletinTitleParams } from '../../domain/messages/index.ts';
import { type Block, titleFrom } from '../model.ts';
import { bodyDate, dayBefore, ordinal, score } from '../words.ts';
import { frame, type Issue, joinCn } from './common.ts';

/** The fields of db/queries/bulletin.ts's Bulletin this document reads. */
export interface BulletinData {
  campaign: string;
  round: string;
  periodStart: string;
  periodEnd: string;
  focusCategories: string[];
  version: number;
  correction: string | null;
  /** End-of-day instant the ranking counts to. */
  asOf: string;
  groups: { title: string; lines: { rank: number; name: string; score: number; veto: boolean }[] }[];
  praised: { name: string; reason: string }[];
  criticised: { name: string; reason: string }[];
  accountability: { name: string; rule: string; action: string }[];
  /** The signed trail checkpoint made at publishing (README "Security"); null before checkpoints existed. */
  trail?: { checkpointNo: number; items: number; keyId?: string; signature?: string } | null;
}

/**
 * The catalogue's title (domain/messages: the period first, 验收 once, the year not repeated), broken
 * into lines only at the edges of the period and the campaign.
 */
export function bulletinTitle(b: Pick<BulletinData, 'campaign' | 'round'>): string {
  const whole = worded(b.campaign, b.round);
  const { period, campaign } = bulletinTitleParams(b.campaign, b.round);
  const at = whole.indexOf(period + campaign);
  if (at < 0) return titleFrom([whole]);
  const end = at + period.length + campaign.length;
  return titleFrom([whole.slice(0, at), period, campaign, whole.slice(end)].filter(Boolean));
}

export function bulletinDocument(b: BulletinData, issue: Issue) {
  const body: Block[] = [];
  if (b.correction)
    body.push({ kind: 'para', text: `（本通报为第${b.version}次更正后的版本，更正事项：${b.correction}）` });
  const focus = b.focusCategories.length ? joinCn(b.focusCategories) : '各专项整治';
  body.push({
    kind: 'para',
    text: `按照${b.campaign}工作方案要求，${issue.office}对${bodyDate(b.periodStart)}至${bodyDate(b.periodEnd)}期间各责任部门、各行政村（社区）${focus}工作开展情况进行了验收和排名，数据截至${bodyDate(dayBefore(b.asOf))}。现将有关情况通报如下：`,
  });
  let n = 0;
  for (const g of b.groups) {
    body.push({ kind: 'heading', level: 1, text: `${ordinal(n++)}、${g.title}排名情况` });
    body.push({
      kind: 'table',
      header: ['名次', '单位', '得分', '备注'],
      widths: [1, 3, 1.4, 2],
      rows: g.lines.map((l) => [String(l.rank), l.name, score(l.score), l.veto ? '一票否决' : '']),
    });
  }
  const list = (xs: { name: string; reason: string }[]) =>
    xs.length ? `${xs.map((x) => `${x.name}（${x.reason}）`).join('；')}。` : '无。';
  body.push({ kind: 'heading', level: 1, text: `${ordinal(n++)}、通报表扬` });
  body.push({ kind: 'para', text: list(b.praised) });
  body.push({ kind: 'heading', level: 1, text: `${ordinal(n++)}、通报批评` });
  body.push({ kind: 'para', text: list(b.criticised) });
  body.push({ kind: 'heading', level: 1, text: `${ordinal(n++)}、问责处理` });
  body.push({
    kind: 'para',
    text: b.accountability.length
      ? `${b.accountability.map((x) => `${x.name}${x.rule}，${x.action}`).join('；')}。`
      : '本期无问责事项。',
  });
  body.push({ kind: 'heading', level: 1, text: `${ordinal(n++)}、下步要求` });
  body.push({
    kind: 'para',
    text: '各单位要对照本次验收发现的问题，认真分析原因，逐项制定整改措施，明确责任人和完成时限，确保按期整改到位。排名靠后的单位要深刻反思，切实改进工作作风，推动专项整治各项任务落到实处。',
  });
  if (b.trail) {
    // Printed so that a published 通报 fixes the trail it was made from: `zhenggai verify` checks the
    // checkpoint's signature against the trail as it is now. The key id and signature stay as computed.
    body.push({
      kind: 'para',
      text:
        `本通报依据的问题台账共${b.trail.items}个问题，审计留痕检查点第${b.trail.checkpointNo}号` +
        (b.trail.signature ? `（签名密钥${b.trail.keyId}，签名${b.trail.signature}）。` : '。'),
    });
  }
  return frame(issue, { title: bulletinTitle(b), recipients: '各责任部门，各行政村（社区）', body });
}
