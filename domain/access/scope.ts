// Scope: which units a user reaches. Paths are materialized ("/<id>/<id>/"), so a subtree is a prefix.
import type { Actor, ItemState, Role } from '../item/types.ts';

/** `path` lies in the subtree rooted at `root` (itself included); a missing path lies nowhere. */
export function within(path: string | null | undefined, root: string): boolean {
  return !!path && path.startsWith(root);
}

/** Related when one contains the other: a unit sees up its own chain (to find campaigns) and down its subtree. */
export const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/** The actor's unit is an ancestor of (or is) one of the units that steer or work the item. */
export function inItemScope(state: ItemState, actor: Actor): boolean {
  const units = [state.ownerUnit, state.leadUnit, state.responsibleUnit, state.reportingUnit];
  return units.some((u) => u !== null && within(u.path, actor.unitPath));
}

const OVERSIGHT: Role[] = ['supervisor', 'inspector', 'viewer'];

/**
 * The subtree a user may read: everything for admins (null); for oversight roles in an office or
 * department (镇督查考评办, 镇纪委), the level that office serves (its parent); otherwise the user's own unit.
 */
export function readScope(u: { roles: Role[]; unitPath: string; unitKind: string; parentPath: string | null }) {
  if (u.roles.includes('admin')) return null;
  const serves =
    (u.unitKind === 'office' || u.unitKind === 'department') &&
    u.parentPath &&
    u.roles.some((r) => OVERSIGHT.includes(r));
  return serves ? u.parentPath : u.unitPath;
}
