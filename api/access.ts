// Role checks for administrative routes, as HTTP refusals (the predicate is the domain's; item commands
// are checked by the domain decider).
import { hasAnyRole } from '../domain/access/roles.ts';
import type { Role } from '../domain/item/types.ts';
import type { AuthUser } from '../db/queries/auth.ts';
import { forbidden } from './problem.ts';

export function requireRole(user: AuthUser, roles: Role[]): void {
  if (!hasAnyRole(user.roles, roles)) {
    throw forbidden(`this needs one of the roles ${roles.join(', ')}; you have ${user.roles.join(', ') || 'none'}`);
  }
}
