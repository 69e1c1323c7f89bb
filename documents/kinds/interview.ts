// 约谈通知: the notice to a unit whose accountability rule fired (002: last place twice in a row or
// three times in total → 约谈). Time and place come from the office when it issues the notice;
// left blank they are written in by hand.
import { titleFrom } from '../model.ts';
import { bodyDate, dayOf } from '../words.ts';
import { fill, frame, type Issue, joinCn } from './common.ts';

export interface InterviewData {
  campaign: string;
  unit: string;
  /** The rule that fired, e.g. 连续2次排名倒数第一. */
  rule: string;
  /** What it calls for, e.g. 约谈主要负责人、分管负责人. */
  action: string;
  /** The rounds that counted (names, in order). */
  rounds: string[];
  /** Optional: the interview's instant and place. */
  at?: string | null;
  place?: string | null;
}

/** 2026年12月8日上午9时 / 下午3时30分, Shanghai time. */
export function meetingTime(instant: string): string {
  const local = new Date(Date.parse(instant) + 8 * 3_600_000);
  const h = local.getUTCHours();
  const m = local.getUTCMinutes();
  const half = h < 12 ? '上午' : '下午';
  const h12 = h <= 12 ? h : h - 12;
  return `${bodyDate(dayOf(instant))}${half}${h12}时${m ? `${m}分` : ''}`;
}

export function interviewDocument(d: InterviewData, issue: Issue) {
  const who = d.action.replace(/^约谈/, '') || '主要负责人';
  return frame(issue, {
    title: titleFrom(['关于对', `${d.unit}${who}`, '进行约谈的通知']),
    recipients: d.unit,
    body: [
      {
        kind: 'para',
        text: `根据${d.campaign}问责规定，你单位在${joinCn(d.rounds)}中${d.rule}。经研究，决定对你单位${who}进行约谈。现将有关事项通知如下：`,
      },
      { kind: 'heading', level: 1, text: '一、约谈时间' },
      { kind: 'para', text: d.at ? `${meetingTime(d.at)}。` : `${fill(4)}年${fill(2)}月${fill(2)}日${fill(2)}时。` },
      { kind: 'heading', level: 1, text: '二、约谈地点' },
      { kind: 'para', text: d.place ? `${d.place}。` : `${fill(12)}。` },
      { kind: 'heading', level: 1, text: '三、参加人员' },
      { kind: 'para', text: `你单位${who}。` },
      { kind: 'heading', level: 1, text: '四、有关要求' },
      {
        kind: 'para',
        text: '请你单位对照排名情况深入剖析原因，形成书面整改报告（包括存在问题、原因分析、整改措施、完成时限和责任人），约谈时提交。约谈对象须准时参加，不得请人代替。',
      },
    ],
  });
}
