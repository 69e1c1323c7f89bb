// The value every official document (公文) is: what documents/kinds/ build from the system's data and
// documents/official.ts lays out as .docx. Apart from the renderer so that building a document (and the
// server at start) does not load the docx library; services/documents.ts loads the renderer when a file
// is asked for.
import type { DateStyle } from './words.ts';

export type Block =
  /** A body paragraph, first line indented two characters. */
  | { kind: 'para'; text: string }
  /** 一、 (黑体) or （一） (楷体) headings; the text carries its own ordinal. */
  | { kind: 'heading'; level: 1 | 2; text: string }
  /** A ruled table; widths are relative; the header row repeats on every page. */
  | { kind: 'table'; header: string[]; rows: string[][]; widths: number[] }
  /** A line of its own (a form's caption, a cut line). */
  | { kind: 'line'; text: string; align?: 'left' | 'center' | 'right' }
  /** Empty lines of the grid (room to write by hand). */
  | { kind: 'space'; lines: number };

export interface Attachment {
  title: string;
  blocks: Block[];
}

export interface OfficialDocument {
  /** 发文机关标志, e.g. 朝阳镇乡村振兴办公室文件. */
  flag: string;
  /** 发文字号, e.g. 朝振办〔2026〕12号. */
  number: string;
  title: string;
  /** 主送机关 (without the colon); null for none. */
  recipients: string | null;
  body: Block[];
  /** Listed in the 附件说明 and set one per page after the 落款. */
  attachments: Attachment[];
  /** 发文机关署名. */
  office: string;
  /** 成文日期, YYYY-MM-DD (Asia/Shanghai). */
  date: string;
  dateStyle: DateStyle;
  /** 附注, e.g. 联系人：… (without brackets). */
  note?: string;
  /** 抄送机关. */
  copyTo: string[];
  /** 印发机关 (the office's 办公室 or the office itself). */
  printedBy: string;
  /** 印发日期, YYYY-MM-DD. */
  printedOn: string;
}

/** Title characters on a line (2号 小标宋 in the 版心). */
export const TITLE_PER_LINE = 20;

/** Width in body characters: CJK and full-width marks one, ASCII half. */
export const widthInChars = (s: string) => [...s].reduce((w, c) => w + (c.charCodeAt(0) < 0x2000 ? 0.5 : 1), 0);

/**
 * Title lines: a title's text may carry '\n' where its builder knows a phrase ends; a line longer than
 * fits is then split at the phrase boundary, else evenly (梯形: the upper line no shorter than the lower).
 */
export function titleLines(text: string): string[] {
  return text.split('\n').flatMap((part) => {
    const n = Math.ceil(widthInChars(part) / TITLE_PER_LINE);
    if (n <= 1) return [part];
    const chars = [...part];
    const size = Math.ceil(chars.length / n);
    const out: string[] = [];
    for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
    return out;
  });
}

/** Join title phrases: as one line when they fit, else one phrase (or more) a line. */
export function titleFrom(phrases: string[]): string {
  const lines: string[] = [];
  for (const p of phrases) {
    const last = lines.length - 1;
    if (last >= 0 && widthInChars(lines[last]! + p) <= TITLE_PER_LINE) lines[last] += p;
    else lines.push(p);
  }
  return lines.join('\n');
}
