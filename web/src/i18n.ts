// A small t(): one locale object, dotted keys, {name} placeholders. Kept tiny on purpose (no i18n
// library in the first screen's bundle); an English locale would be another object of the same shape.
import zhCN from './locales/zh-CN.ts';

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Leaves<typeof zhCN>;

const messages: unknown = zhCN;

export function t(key: MessageKey | (string & {}), params: Record<string, string | number> = {}): string {
  let v: unknown = messages;
  for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  if (typeof v !== 'string') return key;
  return v.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

/** Label of an enum value under a group (status, source, …), falling back to the raw value. */
export function label(group: string, value: string | null | undefined): string {
  if (!value) return '';
  const s = t(`${group}.${value}`);
  return s === `${group}.${value}` ? value : s;
}
