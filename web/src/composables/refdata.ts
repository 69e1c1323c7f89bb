// Reference data most screens need (campaigns, their categories, the org tree, the working calendar),
// fetched once per session and shared. The data is replaced, never edited in place, so the state is
// shallow and its values raw: a deadline tag on every ledger row reads the whole working calendar, and
// through deep reactive proxies that read cost more than the rest of the page's rendering.
import { computed, markRaw, shallowReactive } from 'vue';
import type { CalendarData } from '../../../domain/calendar/calendar.ts';
import { api, call } from '../api/client.ts';
import type { components } from '../api/schema';

export type Campaign = components['schemas']['Campaign'];
export type Category = components['schemas']['Category'];
export type OrgUnit = components['schemas']['OrgUnit'];

const state = shallowReactive({
  campaigns: null as Campaign[] | null,
  units: null as OrgUnit[] | null,
  calendar: null as CalendarData | null,
  categories: {} as Record<string, Category[]>,
});
const pending = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!pending.has(key))
    pending.set(
      key,
      load().catch((e) => {
        pending.delete(key);
        throw e;
      }),
    );
  return pending.get(key) as Promise<T>;
}

export const loadCampaigns = () =>
  once('campaigns', async () => {
    state.campaigns = markRaw((await call(api.GET('/api/v1/campaigns'))).campaigns);
    return state.campaigns;
  });
export const loadUnits = () =>
  once('units', async () => {
    state.units = markRaw((await call(api.GET('/api/v1/org-units'))).units);
    return state.units;
  });
export const loadCalendar = () =>
  once('calendar', async () => {
    const years = (await call(api.GET('/api/v1/calendar/years'))).years;
    state.calendar = markRaw({ years: Object.fromEntries(years.map((y) => [String(y.year), y])) });
    return state.calendar;
  });
export const loadCategories = (campaignId: string) =>
  once(`cat:${campaignId}`, async () => {
    const list = markRaw(
      (await call(api.GET('/api/v1/campaigns/{id}/categories', { params: { path: { id: campaignId } } }))).categories,
    );
    state.categories = { ...state.categories, [campaignId]: list };
    return list;
  });
/** Forget cached data after an administrator changed it. */
export function invalidate(key: 'campaigns' | 'units' | `cat:${string}`) {
  pending.delete(key);
}

export function useRefData() {
  return {
    state,
    campaignById: (id: string | null | undefined) => state.campaigns?.find((c) => c.id === id) ?? null,
    unitName: (id: string | null | undefined) => state.units?.find((u) => u.id === id)?.name ?? '',
    /** The campaign a screen starts with: the first active one. */
    defaultCampaign: computed(
      () => state.campaigns?.find((c) => c.status === 'active') ?? state.campaigns?.[0] ?? null,
    ),
  };
}

/** Units as a tree for el-tree / el-tree-select. */
export interface UnitNode {
  value: string;
  label: string;
  kind: string;
  children: UnitNode[];
}
// Siblings in the customary order: offices and departments before villages and communities, villages
// by their division code (the official order), then by name in pinyin order.
const KIND_ORDER = ['county', 'township', 'office', 'department', 'village', 'community'];
function compareUnits(a: OrgUnit, b: OrgUnit): number {
  const k = (u: OrgUnit) => (KIND_ORDER.indexOf(u.kind) + KIND_ORDER.length + 1) % (KIND_ORDER.length + 1);
  return (
    k(a) - k(b) ||
    (a.divisionCode ?? '\uffff').localeCompare(b.divisionCode ?? '\uffff') ||
    a.name.localeCompare(b.name, 'zh-CN')
  );
}
export function unitTree(units: OrgUnit[]): UnitNode[] {
  const sorted = [...units].sort(compareUnits);
  const nodes = new Map(
    sorted.map((u) => [u.id, { value: u.id, label: u.name, kind: u.kind, children: [] as UnitNode[] }]),
  );
  const roots: UnitNode[] = [];
  for (const u of sorted) {
    const n = nodes.get(u.id)!;
    const parent = u.parentId ? nodes.get(u.parentId) : undefined;
    (parent ? parent.children : roots).push(n);
  }
  return roots;
}
/** Unit ids in the tree's order (depth first), for sorting lists by unit. */
export function unitOrder(units: OrgUnit[]): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (ns: UnitNode[]) => {
    for (const n of ns) {
      order.set(n.value, order.size);
      walk(n.children);
    }
  };
  walk(unitTree(units));
  return order;
}
