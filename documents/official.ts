// One official document (公文) in the GB/T 9704-2012 layout, rendered as .docx. Every kind of
// document (通报, 约谈通知, 督办通知, 交办单 …) is a value of `OfficialDocument` built from the
// system's data by documents/kinds/; this file only lays it out.
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  type IParagraphOptions,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  type ParagraphChild,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TabStopType,
  TextRun,
  VerticalAlignTable,
  WidthType,
} from 'docx';
import { CHAR, BODY_CHAR_SPACING, FONT, FOOTER_FROM_EDGE, LINE, MARGIN, PAGE, RED, SIZE, mm } from './layout.ts';
import { CAPACITY, freeOnLastPage, lineCount, type Piece } from './paginate.ts';
import { type Block, type OfficialDocument, TITLE_PER_LINE, titleLines, widthInChars } from './model.ts';
import { cnDate } from './words.ts';

const run = (text: string, font: string, size: number, extra: { color?: string; spacing?: boolean } = {}) =>
  new TextRun({
    text,
    font: { ascii: font, eastAsia: font, hAnsi: font, cs: font },
    size,
    color: extra.color,
    characterSpacing: extra.spacing === false ? undefined : BODY_CHAR_SPACING,
  });

type Align = (typeof AlignmentType)[keyof typeof AlignmentType];
const exact = (line: number) => ({ line, lineRule: LineRuleType.EXACT, before: 0, after: 0 });
/** Title lines: 2号 on a line and a fifth. */
const TITLE_LINE = Math.round(LINE * 1.2);
const BODY_PER_LINE = 28;

const CELL_BORDER = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
/** Table text: 4号 on 20 pt lines; cell margins 3 pt on every side. */
const CELL_LINE = 400;
const CELL_PAD = { left: 60, right: 60, top: 60, bottom: 60 };
const TEXT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;

/** The document's paragraphs and tables, with the height each takes (for placing the 版记). */
class Pages {
  readonly children: (Paragraph | Table)[] = [];
  readonly pieces: Piece[] = [];

  para(
    text: string,
    o: {
      font?: string;
      size?: number;
      indent?: { firstLine?: number; left?: number; right?: number; hanging?: number };
    } & {
      align?: Align;
      line?: number;
      perLine?: number;
      indentChars?: number;
      color?: string;
      spacing?: boolean;
      pageBreakBefore?: boolean;
      keepNext?: boolean;
      border?: IParagraphOptions['border'];
    } = {},
  ) {
    const line = o.line ?? LINE;
    if (o.pageBreakBefore) this.pieces.push({ kind: 'break' });
    this.children.push(
      new Paragraph({
        alignment: o.align ?? AlignmentType.JUSTIFIED,
        spacing: exact(line),
        indent: o.indent ?? { firstLine: 2 * CHAR },
        pageBreakBefore: o.pageBreakBefore,
        keepNext: o.keepNext,
        // No widow/orphan moves: every line stays where the grid puts it, so the page estimate holds.
        widowControl: false,
        border: o.border,
        children: text
          ? [run(text, o.font ?? FONT.body, o.size ?? SIZE.三号, { color: o.color, spacing: o.spacing })]
          : [],
      }),
    );
    const count = text ? lineCount(text, o.perLine ?? BODY_PER_LINE, o.indentChars ?? (o.indent ? 0 : 2)) : 1;
    this.pieces.push({ kind: 'lines', height: line, count, ...(o.keepNext && text ? { keepNext: true } : {}) });
  }

  blank(n = 1, keepNext = false) {
    for (let i = 0; i < n; i++) this.para('', { indent: {}, keepNext });
  }

  table(b: Extract<Block, { kind: 'table' }>) {
    const total = b.widths.reduce((a, x) => a + x, 0);
    const columnWidths = b.widths.map((w) => Math.floor((w / total) * TEXT_WIDTH));
    const perLine = columnWidths.map((w) => Math.floor((w - CELL_PAD.left - CELL_PAD.right) / 280));
    const height = (cells: string[]) =>
      CELL_PAD.top +
      CELL_PAD.bottom +
      10 +
      CELL_LINE *
        Math.max(...cells.map((t, i) => t.split('\n').reduce((n, part) => n + lineCount(part, perLine[i]!), 0)));
    // Short entries centred; a cell whose text wraps reads better flush left.
    const wraps = (text: string, i: number) => text.split('\n').some((t) => lineCount(t, perLine[i]!) > 1);
    const cell = (text: string, i: number, head: boolean) =>
      new TableCell({
        width: { size: columnWidths[i]!, type: WidthType.DXA },
        verticalAlign: VerticalAlignTable.CENTER,
        margins: CELL_PAD,
        children: text.split('\n').map(
          (line) =>
            new Paragraph({
              alignment: !head && wraps(text, i) ? AlignmentType.JUSTIFIED : AlignmentType.CENTER,
              spacing: exact(CELL_LINE),
              children: [run(line, head ? FONT.heading : FONT.body, SIZE.四号, { spacing: false })],
            }),
        ),
      });
    this.children.push(
      new Table({
        layout: TableLayoutType.FIXED,
        width: { size: TEXT_WIDTH, type: WidthType.DXA },
        columnWidths,
        borders: {
          top: CELL_BORDER,
          bottom: CELL_BORDER,
          left: CELL_BORDER,
          right: CELL_BORDER,
          insideHorizontal: CELL_BORDER,
          insideVertical: CELL_BORDER,
        },
        rows: [
          new TableRow({ tableHeader: true, cantSplit: true, children: b.header.map((h, i) => cell(h, i, true)) }),
          ...b.rows.map((r) => new TableRow({ cantSplit: true, children: r.map((x, i) => cell(x, i, false)) })),
        ],
      }),
    );
    this.pieces.push({ kind: 'rows', header: height(b.header), rows: b.rows.map(height) });
  }

  blocks(list: Block[]) {
    for (const b of list) {
      switch (b.kind) {
        case 'para':
          this.para(b.text);
          break;
        case 'heading':
          this.para(b.text, { font: b.level === 1 ? FONT.heading : FONT.kai, keepNext: true });
          break;
        case 'table':
          this.table(b);
          break;
        case 'line': {
          const align = { left: AlignmentType.LEFT, center: AlignmentType.CENTER, right: AlignmentType.RIGHT }[
            b.align ?? 'left'
          ];
          this.para(b.text, { indent: {}, align });
          break;
        }
        case 'space':
          this.blank(b.lines);
          break;
        default: {
          const _x: never = b;
          return _x;
        }
      }
    }
  }

  /** A title in 2号小标宋, centred; long titles break where `breaks` allow (词意完整, GB/T 9704 §7.3.1). */
  title(text: string) {
    for (const line of titleLines(text)) {
      this.para(line, {
        font: FONT.title,
        size: SIZE.二号,
        align: AlignmentType.CENTER,
        indent: {},
        line: TITLE_LINE,
        perLine: TITLE_PER_LINE,
        spacing: false,
      });
    }
  }
}

/** 发文机关标志: red 小标宋, as large as fits the 版心 (at most 15 mm a character, §7.2.2 leaves it to the office). */
function flagSize(text: string): number {
  const widthPt = (TEXT_WIDTH / 20) * 0.96;
  return Math.max(22, Math.min(42, Math.floor(widthPt / widthInChars(text))));
}

function footer(side: 'odd' | 'even'): Footer {
  // "— 1 —": 4号 半角宋体 figures between 一字线, odd pages right and even pages left, one character in (§7.5).
  return new Footer({
    children: [
      new Paragraph({
        alignment: side === 'odd' ? AlignmentType.RIGHT : AlignmentType.LEFT,
        indent: side === 'odd' ? { right: 280 } : { left: 280 },
        children: [
          new TextRun({
            children: ['— ', PageNumber.CURRENT, ' —'],
            font: { ascii: FONT.song, eastAsia: FONT.song, hAnsi: FONT.song },
            size: SIZE.四号,
          }),
        ],
      }),
    ],
  });
}

export async function renderDocx(d: OfficialDocument): Promise<Buffer> {
  const doc = new Pages();
  // 版头: the flag's upper edge 35 mm below the 版心's (room for 份号, 密级, 紧急程度 above, §7.2.2).
  const pt = flagSize(d.flag);
  doc.pieces.push({ kind: 'lines', height: mm(35), count: 1 });
  doc.children.push(
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: mm(35), after: 0, line: Math.round(pt * 25), lineRule: LineRuleType.EXACT },
      children: [run(d.flag, FONT.title, pt * 2, { color: RED, spacing: false })],
    }),
  );
  doc.pieces.push({ kind: 'lines', height: Math.round(pt * 25), count: 1 });
  doc.blank(2);
  // 发文字号 two lines under the flag, centred; the red rule 4 mm below it, as wide as the 版心 (§7.2.4, §7.2.6).
  doc.para(d.number, {
    align: AlignmentType.CENTER,
    indent: {},
    spacing: false,
    border: { bottom: { style: BorderStyle.SINGLE, size: 12, color: RED, space: 11 } },
  });
  doc.pieces.push({ kind: 'lines', height: 11 * 20 + 30, count: 1 });
  // 主体: the title two lines under the rule; 主送机关 one line under the title, flush left (§7.3.1–7.3.2).
  doc.blank(2);
  doc.title(d.title);
  doc.blank(1);
  if (d.recipients) doc.para(`${d.recipients}：`, { indent: {} });
  doc.blocks(d.body);
  if (d.attachments.length) {
    // 附件说明: a line under the body, two characters in; "附件：1. 名称", later names under the first (§7.3.4).
    doc.blank(1);
    const many = d.attachments.length > 1;
    d.attachments.forEach((a, i) => {
      const text = `${i === 0 ? '附件：' : ''}${many ? `${i + 1}.` : ''}${a.title}`;
      doc.para(text, { indent: { left: 2 * CHAR + (i === 0 ? 0 : 3 * CHAR), firstLine: 0 }, indentChars: i ? 5 : 2 });
    });
  }
  // 落款 of a sealed document: room for the seal (its top within a line of the text above), the 署名
  // centred over the 成文日期, which stands four characters in from the right (§7.3.5.1).
  const signDate = cnDate(d.date, d.dateStyle);
  // The seal's room, the 署名 and the date stay on one page.
  const before = doc.pieces.length;
  doc.blank(3, true);
  const officeRight = Math.max(0, 4 + (widthInChars(signDate) - widthInChars(d.office)) / 2);
  doc.para(d.office, { align: AlignmentType.RIGHT, indent: { right: Math.round(officeRight * CHAR) }, keepNext: true });
  doc.para(signDate, { align: AlignmentType.RIGHT, indent: { right: 4 * CHAR } });
  doc.pieces.splice(before, doc.pieces.length - before, { kind: 'keep', height: 5 * LINE });
  if (d.note) {
    doc.blank(1);
    doc.para(`（${d.note}）`);
  }
  // 附件: each on a new page, "附件n" in 3号黑体 flush left, its title centred (§8).
  d.attachments.forEach((a, i) => {
    doc.para(`附件${d.attachments.length > 1 ? String(i + 1) : ''}`, {
      font: FONT.heading,
      indent: {},
      pageBreakBefore: true,
      spacing: false,
    });
    doc.blank(1);
    doc.title(a.title);
    doc.blank(1);
    doc.blocks(a.blocks);
  });
  // 版记 at the foot of the last page (§7.4): empty lines down to it, keeping one line in hand.
  const recordRows = d.copyTo.length ? 2 : 1;
  const recordHeight = recordRows * LINE + 60;
  let free = freeOnLastPage(doc.pieces);
  if (free < recordHeight) free += CAPACITY;
  doc.blank(Math.max(0, Math.floor((free - recordHeight) / LINE) - 1));
  doc.children.push(...record(d));
  return Packer.toBuffer(
    new Document({
      creator: d.office,
      title: d.title.replace(/\n/g, ''),
      evenAndOddHeaderAndFooters: true,
      sections: [
        {
          properties: {
            page: {
              size: { width: PAGE.width, height: PAGE.height },
              margin: { ...MARGIN, header: mm(15), footer: FOOTER_FROM_EDGE },
            },
          },
          footers: { default: footer('odd'), even: footer('even') },
          children: doc.children,
        },
      ],
    }),
  );
}

/** 版记: 抄送 and 印发 between rules (the first and last thick, the middle thin), 4号仿宋 (§7.4). */
function record(d: OfficialDocument): Paragraph[] {
  const thick = { style: BorderStyle.SINGLE, size: 8, color: '000000', space: 1 };
  const thin = { style: BorderStyle.SINGLE, size: 4, color: '000000', space: 1 };
  const ONE = 280; // one 4号 character
  const para = (children: ParagraphChild[], border: { top?: typeof thick; bottom?: typeof thick }, hanging = 0) =>
    new Paragraph({
      border,
      spacing: exact(LINE),
      keepNext: true,
      keepLines: true,
      indent: { left: ONE + hanging, right: ONE, hanging },
      tabStops: [{ type: TabStopType.RIGHT, position: TEXT_WIDTH - ONE * 2 }],
      children,
    });
  const printed = [
    run(d.printedBy, FONT.body, SIZE.四号),
    run(`\t${cnDate(d.printedOn, 'arabic')}印发`, FONT.body, SIZE.四号),
  ];
  if (!d.copyTo.length) return [para(printed, { top: thick, bottom: thick })];
  return [
    para([run(`抄送：${d.copyTo.join('，')}。`, FONT.body, SIZE.四号)], { top: thick, bottom: thin }, ONE * 3),
    para(printed, { bottom: thick }),
  ];
}
