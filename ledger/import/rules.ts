// Conditional rules an office puts on its ledger, as data: "是否按期完成 = 否" needs a reason, and
// so on. Checked per row of a problem, reported per cell in the dry run. Pure.
import type { ImportField } from './header.ts';

export interface ImportRule {
  /** When this field's text matches `matches` (a regular expression source)… */
  when: ImportField;
  matches: string;
  /** …this field must not be empty on the same row. */
  require: ImportField;
  message: string;
}

export const DEFAULT_RULES: ImportRule[] = [
  { when: 'onTime', matches: '^(否|未)$', require: 'delayReason', message: '「是否按期完成」为“否”，须填写未完成原因' },
  {
    when: 'verified',
    matches: '^(属实|基本属实|部分属实)$',
    require: 'measures',
    message: '核实属实的问题须填写整改措施',
  },
];

export interface RuleViolation {
  row: number;
  field: ImportField;
  value: string;
  message: string;
}

/** `text(field, row)` is null when the sheet has no such column (a rule about it does not apply). */
export function checkRules(
  rules: ImportRule[],
  text: (f: ImportField, row: number) => string | null,
  rows: number[],
): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const rule of rules) {
    const re = new RegExp(rule.matches);
    for (const r of rows) {
      const v = text(rule.when, r);
      const need = text(rule.require, r);
      if (v === null || need === null || !re.test(v.replace(/\s/g, ''))) continue;
      // A merged cell covers the problem's rows: the requirement is met anywhere in the group.
      if (need === '' && rows.every((x) => (text(rule.require, x) ?? '') === ''))
        out.push({ row: r, field: rule.require, value: '', message: rule.message });
    }
  }
  return out;
}
