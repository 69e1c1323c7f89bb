// The focus of an acceptance round (阶段验收) from seed 003 §三(四): each quarter's round checks the
// categories the campaign set for that quarter; the fourth quarter is the look-back (回头看) over all ten.
// A round whose focus differs from the proposal is allowed (an office may have reasons) but never
// silently: the differences are warnings the round carries.

/** 003 §三(四), the quarters' focus by the categories' short names, for campaigns whose categories set none. */
export const SEED_003_QUARTER_FOCUS: Record<1 | 2 | 3, readonly string[]> = {
  1: ['应纳未纳', '就业帮扶不到位', '金融帮扶不到位', '重点人群未参保'],
  2: ['应纳未纳', '控辍保学', '饮水工程运行维护', '住房安全'],
  3: ['应纳未纳', '强化老人户保障', '产业带贫不规范', '搬迁社区治理融入'],
};

export interface FocusCategory {
  id: string;
  name: string;
  /** Quarters (1–4) whose round focuses on this category, as the campaign set them. */
  focusQuarters: number[];
}

export interface FocusProposal {
  quarter: 1 | 2 | 3 | 4;
  categoryIds: string[];
  /** Q4: 回头看 over every category. */
  lookBack: boolean;
  /** Where the proposal comes from: the campaign's own focus quarters, or the seed's table by name. */
  basis: 'campaign' | 'seed_003';
}

export type FocusWarning =
  | { code: 'focus_missing'; categoryIds: string[]; message: string }
  | { code: 'focus_extra'; categoryIds: string[]; message: string }
  | { code: 'look_back_expected'; message: string }
  | { code: 'look_back_outside_q4'; message: string };

/** The quarter a round belongs to: the quarter of its period's last day (验收 at 季度末). */
export function quarterOf(periodEnd: string): 1 | 2 | 3 | 4 {
  const month = Number(periodEnd.slice(5, 7));
  return Math.ceil(month / 3) as 1 | 2 | 3 | 4;
}

const namesMatch = (name: string, short: string) => name.includes(short);

export function proposeFocus(periodEnd: string, categories: FocusCategory[]): FocusProposal {
  const quarter = quarterOf(periodEnd);
  if (quarter === 4) return { quarter, categoryIds: categories.map((c) => c.id), lookBack: true, basis: 'campaign' };
  const set = categories.some((c) => c.focusQuarters.length > 0);
  const chosen = set
    ? categories.filter((c) => c.focusQuarters.includes(quarter))
    : categories.filter((c) => SEED_003_QUARTER_FOCUS[quarter].some((s) => namesMatch(c.name, s)));
  return { quarter, categoryIds: chosen.map((c) => c.id), lookBack: false, basis: set ? 'campaign' : 'seed_003' };
}

/** How a round's chosen focus differs from the proposal, in words an office reads. */
export function focusWarnings(
  proposal: FocusProposal,
  chosen: { categoryIds: string[]; lookBack: boolean },
  names: Map<string, string>,
): FocusWarning[] {
  const label = (ids: string[]) => ids.map((id) => names.get(id) ?? id).join('、');
  const q = `第${'一二三四'[proposal.quarter - 1]}季度`;
  const out: FocusWarning[] = [];
  const missing = proposal.categoryIds.filter((id) => !chosen.categoryIds.includes(id));
  const extra = chosen.categoryIds.filter((id) => !proposal.categoryIds.includes(id));
  if (missing.length)
    out.push({ code: 'focus_missing', categoryIds: missing, message: `${q}重点专项未列入本轮验收:${label(missing)}` });
  if (extra.length)
    out.push({ code: 'focus_extra', categoryIds: extra, message: `本轮验收列入了${q}重点以外的专项:${label(extra)}` });
  if (proposal.lookBack && !chosen.lookBack)
    out.push({ code: 'look_back_expected', message: '第四季度应对“十个专项整治”开展回头看' });
  if (!proposal.lookBack && chosen.lookBack)
    out.push({ code: 'look_back_outside_q4', message: `${q}不是回头看季度(回头看在第四季度)` });
  return out;
}
