// What every numbered document shares: the issuing office's style and the number it was given.
import type { Block, OfficialDocument } from '../model.ts';
import type { DateStyle } from '../words.ts';

export interface Issue {
  /** 发文机关标志. */
  flag: string;
  /** 发文机关署名 (full name). */
  office: string;
  /** 印发机关. */
  printedBy: string;
  dateStyle: DateStyle;
  /** 发文字号, already allocated. */
  number: string;
  /** 成文日期 = 印发日期, YYYY-MM-DD Shanghai. */
  date: string;
  copyTo: string[];
  /** 附注 (联系人、电话), optional. */
  note?: string;
}

export const frame = (
  issue: Issue,
  parts: { title: string; recipients: string | null; body: Block[]; attachments?: OfficialDocument['attachments'] },
): OfficialDocument => ({
  flag: issue.flag,
  number: issue.number,
  title: parts.title,
  recipients: parts.recipients,
  body: parts.body,
  attachments: parts.attachments ?? [],
  office: issue.office,
  date: issue.date,
  dateStyle: issue.dateStyle,
  note: issue.note,
  copyTo: issue.copyTo,
  printedBy: issue.printedBy,
  printedOn: issue.date,
});

/** A list joined the way Chinese prose joins it: A、B和C. */
export const joinCn = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join('、')}和${xs[xs.length - 1]}`;

/** Blank to fill by hand: a run of full-width spaces (underlined forms print badly in both editors). */
export const fill = (chars: number) => '\u3000'.repeat(chars);
