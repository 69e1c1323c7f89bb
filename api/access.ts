// Role checks for administrative routes (item commands are checked by the domain decider).
import type { Role } from '../domain/item/types.ts';
import type { AuthUser } from '../db/queries/auth.ts';
import { forbidden } from './problem.ts';

export function requireRole(user: AuthUser, roles: Role[]): void {
  if (!user.roles.some((r) => roles.includes(r))) {
    throw forbidden(`this needs one of the roles ${roles.join(', ')}; you have ${user.roles.join(', ') || 'none'}`);
  }
}
