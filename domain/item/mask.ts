// Personal data of households and petitioners (姓名, 电话, 身份证号, 住址) is shown in full only to
// the roles that work the case: the office (supervisor), the lead department and the responsible
// unit (handler). Inspectors (often a third party), viewers (纪检/审计 read the trail, not the
// household) and admins see it masked; an inspector who must visit gets the contact from the office.
import type { ItemState, Person, Role } from './types.ts';

const FULL_VIEW: Role[] = ['supervisor', 'lead', 'handler'];

export function canSeePersonalData(roles: readonly Role[]): boolean {
  return roles.some((r) => FULL_VIEW.includes(r));
}

/** Keep `head` leading and `tail` trailing characters, stars in between (by code point). */
function keep(value: string, head: number, tail: number, stars?: number): string {
  const chars = Array.from(value);
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  const middle = stars ?? chars.length - head - tail;
  return chars.slice(0, head).join('') + '*'.repeat(middle) + chars.slice(chars.length - tail).join('');
}

/** 张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return '*'.repeat(chars.length);
  if (chars.length === 2) return `${chars[0]}*`;
  return keep(name, 1, 1);
}

/** 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  return Array.from(phone).length >= 8 ? keep(phone, 3, 4) : keep(phone, 0, 2);
}

/** 18-digit ID → first 4 + 10 stars + last 4. */
export function maskIdNumber(id: string): string {
  return keep(id, 4, 4);
}

/** First 6 characters then an ellipsis (the township/village, not the house). */
export function maskAddress(address: string): string {
  const chars = Array.from(address);
  const shown = Math.min(6, Math.ceil(chars.length / 2));
  return chars.length === 0 ? '' : `${chars.slice(0, shown).join('')}…`;
}

export function maskPerson(p: Person): Person {
  const out: Person = {};
  if (p.name !== undefined) out.name = maskName(p.name);
  if (p.phone !== undefined) out.phone = maskPhone(p.phone);
  if (p.idNumber !== undefined) out.idNumber = maskIdNumber(p.idNumber);
  if (p.address !== undefined) out.address = maskAddress(p.address);
  return out;
}

/** The item as these roles may see it. */
export function maskItem(state: ItemState, roles: readonly Role[]): ItemState {
  if (canSeePersonalData(roles) || state.person === null) return state;
  return { ...state, person: maskPerson(state.person) };
}

const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
const ID_NUMBER = /(?<![\dXx])\d{17}[\dXx](?![\dXx])/g;

/**
 * Free text shown to the public (公示): the item's own person masked wherever named, and anything shaped
 * like a mobile number or an ID number masked whoever it belongs to. Other people's names in free text
 * cannot be recognised here; the office reads the page before choosing to publish.
 */
export function maskText(text: string, person: Person | null): string {
  let out = text;
  for (const [value, mask] of [
    [person?.idNumber, maskIdNumber],
    [person?.phone, maskPhone],
    [person?.address, maskAddress],
    [person?.name, maskName],
  ] as const) {
    if (value && value.trim() !== '') out = out.split(value).join(mask(value));
  }
  return out.replace(ID_NUMBER, maskIdNumber).replace(MOBILE, maskPhone);
}
