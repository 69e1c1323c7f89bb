// 整改状态 / 完成情况 as offices write it, read into the lifecycle: 已完成, 已销号, 基本完成,
// 阶段性办结, 整改中, 不属实, and compounds such as "已完成并长期坚持". The original words are kept
// beside the state. What counts as done for a rate is the scoring scheme's business, not ours: we
// only say what the words say (partial: 'basic' for 基本完成, 'phased' for 阶段性办结). Pure.

export type ImportedState = 'reported' | 'assigned' | 'in_progress' | 'submitted' | 'closed' | 'dismissed';

export interface ImportedStatus {
  state: ImportedState;
  /** The words name a sign-off (已销号), not only the unit's own report that it is done. */
  signedOff: boolean;
  /** 基本完成 / 阶段性办结: done in part; the item stays open. */
  partial: 'basic' | 'phased' | null;
  /** A standing obligation goes on after completion (长期坚持). */
  standing: boolean;
  original: string;
}

/** Most specific first: 未完成 before 完成, 申请销号 before 销号. */
const WORDS: [RegExp, Omit<ImportedStatus, 'standing' | 'original'>][] = [
  // Our own export's words first (ledger/columns.ts STATUS_LABELS), so a round trip keeps the state.
  [/^待交办$/, { state: 'reported', signedOff: false, partial: null }],
  [/^已交办待签收/, { state: 'assigned', signedOff: false, partial: null }],
  [/^待审核销号/, { state: 'submitted', signedOff: false, partial: null }],
  [/^已销号（复核通过）$/, { state: 'closed', signedOff: true, partial: null }],
  [/不属实|查无实据|核实不实|不予受理/, { state: 'dismissed', signedOff: false, partial: null }],
  [/申请销号|待销号|待审核|待验收|提请销号/, { state: 'submitted', signedOff: false, partial: null }],
  [/未销号|未完成|未整改|未办结|未到位|尚未完成/, { state: 'in_progress', signedOff: false, partial: null }],
  [/已销号|予以销号|同意销号|销号/, { state: 'closed', signedOff: true, partial: null }],
  [/基本完成|基本整改|基本办结|基本到位/, { state: 'in_progress', signedOff: false, partial: 'basic' }],
  [/阶段性|部分整改|部分完成|部分办结/, { state: 'in_progress', signedOff: false, partial: 'phased' }],
  [
    /整改中|正在|推进中|办理中|进行中|落实中|持续推进|有序推进/,
    { state: 'in_progress', signedOff: false, partial: null },
  ],
  [/未启动|未开始|待整改|尚未整改|待交办/, { state: 'assigned', signedOff: false, partial: null }],
  [
    /已完成|已整改|已办结|已解决|已落实|整改到位|完成整改|办结|完成/,
    { state: 'closed', signedOff: false, partial: null },
  ],
];

const STANDING = /长期坚持|长期整改|持续整改|常态化|长效/;

/**
 * Read a status cell. `yesNo` is for columns that ask a question (是否办结 / 是否完成 / 是否销号):
 * there 是 means done and 否 means still open. Returns null for words we do not know — the dry run
 * reports those per cell rather than guessing.
 */
export function parseStatus(text: string, yesNo: 'done' | 'signed_off' | null = null): ImportedStatus | null {
  const original = text.trim();
  const t = original
    .replace(/[\s\u3000]+/g, '')
    .replace(/（原：[^）]*）$/, '') // our export: the current state first, the imported words after
    .replace(/（逾期）$/, '');
  if (t === '') return null;
  const standing = STANDING.test(original); // also in the imported words our export keeps
  if (yesNo && /^(是|已|√|✓|Y|y)$/.test(t))
    return { state: 'closed', signedOff: yesNo === 'signed_off', partial: null, standing, original };
  if (yesNo && /^(否|未|×|N|n)$/.test(t))
    return { state: 'in_progress', signedOff: false, partial: null, standing, original };
  const theirs = /（原：([^）]*)）$/.exec(original.replace(/[\s\u3000]+/g, ''))?.[1];
  for (const [re, s] of WORDS)
    if (re.test(t)) {
      // Our export writes our state, then the words it was imported with: those still say how far
      // along (基本完成) while the state is the same.
      const before = theirs ? parseStatus(theirs, yesNo) : null;
      const partial = before && before.state === s.state ? before.partial : s.partial;
      return { ...s, partial, standing, original };
    }
  if (standing) return { state: 'in_progress', signedOff: false, partial: null, standing, original };
  return null;
}
