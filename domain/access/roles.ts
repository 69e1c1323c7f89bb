// Roles: a user holds a set; a use case names the roles it needs.
import type { Role } from '../item/types.ts';

/** The user holds at least one of `needed`. */
export function hasAnyRole(held: readonly Role[], needed: readonly Role[]): boolean {
  return held.some((r) => needed.includes(r));
}
