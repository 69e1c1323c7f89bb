// The bulletin as a Word document (.docx), the form in which offices send 通报 out.
import {
  AlignmentType,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { Bulletin } from './bulletin.ts';
import { shanghaiDate } from '../domain/calendar/calendar.ts';

const FONT = '仿宋';
const p = (text: string, opts: { bold?: boolean; center?: boolean; size?: number } = {}) =>
  new Paragraph({
    alignment: opts.center ? AlignmentType.CENTER : AlignmentType.LEFT,
    children: [new TextRun({ text, bold: opts.bold, font: FONT, size: opts.size ?? 28 })],
  });
const cell = (text: string, bold = false) => new TableCell({ children: [p(text, { bold, center: true, size: 24 })] });

export async function bulletinDocx(b: Bulletin): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({
      heading: HeadingLevel.TITLE,
      alignment: AlignmentType.CENTER,
      children: [new TextRun({ text: b.title, bold: true, font: '方正小标宋简体', size: 40 })],
    }),
    p(`验收期间：${b.periodStart} 至 ${b.periodEnd}`, { center: true }),
    ...(b.correction ? [p(`更正（第${b.version}版）：${b.correction}`, { center: true })] : []),
    p(
      `按照专项整治方案要求，对各责任部门、各行政村(社区)${b.focusCategories.join('、')}工作开展情况进行了验收、排名（评分方案第 ${b.schemeVersion} 版，数据截至 ${shanghaiDate(b.asOf)}）。现将有关情况通报如下：`,
    ),
  ];
  b.groups.forEach((g, i) => {
    children.push(p(`${'一二三四五六七八九十'[i] ?? i + 1}、${g.title}排名`, { bold: true }));
    children.push(
      new Table({
        width: { size: 100, type: WidthType.PERCENTAGE },
        rows: [
          new TableRow({
            tableHeader: true,
            children: [cell('名次', true), cell('单位', true), cell('得分', true), cell('备注', true)],
          }),
          ...g.lines.map(
            (l) =>
              new TableRow({
                children: [
                  cell(String(l.rank)),
                  cell(l.name),
                  cell(l.score.toFixed(2)),
                  cell(l.veto ? '一票否决' : ''),
                ],
              }),
          ),
        ],
      }),
    );
  });
  children.push(p('通报表扬', { bold: true }));
  children.push(p(b.praised.length ? b.praised.map((x) => `${x.name}（${x.reason}）`).join('；') : '无'));
  children.push(p('通报批评', { bold: true }));
  children.push(p(b.criticised.length ? b.criticised.map((x) => `${x.name}（${x.reason}）`).join('；') : '无'));
  children.push(p('问责处理', { bold: true }));
  children.push(
    p(b.accountability.length ? b.accountability.map((x) => `${x.name}：${x.rule}，${x.action}`).join('；') : '无'),
  );
  return Packer.toBuffer(new Document({ creator: '整改通', title: b.title, sections: [{ children }] }));
}
