// What the decider needs besides the item: the campaign's settings and the working calendar.
// Both change rarely; they are cached briefly so a command costs no extra round trips.
import { eq } from 'drizzle-orm';
import type { CalendarData } from '../domain/calendar/calendar.ts';
import type { CampaignSettings } from '../domain/item/types.ts';
import { loadCalendar } from '../db/calendar.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { campaigns } from '../db/schema.ts';

export interface EngineEnv {
  /** `via`: the transaction to read through when the caller holds one (a pool connection could
   * otherwise be waited for while this transaction holds row locks others queue on). */
  settings(campaignId: string, via?: DbOrTx): Promise<CampaignSettings>;
  calendar(via?: DbOrTx): Promise<CalendarData>;
  /** Forget cached values (after an admin changed a campaign or loaded a calendar year). */
  invalidate(): void;
}

/** Other processes see a change within `ttlMs`; this process sees it at once through invalidate(). */
export function createEngineEnv(db: Db, ttlMs = 30_000): EngineEnv {
  const settings = new Map<string, { at: number; value: Promise<CampaignSettings> }>();
  let calendar: { at: number; value: Promise<CalendarData> } | null = null;
  const fresh = (at: number) => Date.now() - at < ttlMs;
  return {
    settings(campaignId, via = db) {
      const hit = settings.get(campaignId);
      if (hit && fresh(hit.at)) return hit.value;
      const value = via
        .select({ settings: campaigns.settings })
        .from(campaigns)
        .where(eq(campaigns.id, campaignId))
        .then(([row]) => {
          if (!row) throw new Error(`campaign ${campaignId} not found`);
          return row.settings;
        });
      value.catch(() => settings.delete(campaignId));
      settings.set(campaignId, { at: Date.now(), value });
      return value;
    },
    calendar(via = db) {
      if (calendar && fresh(calendar.at)) return calendar.value;
      const value = loadCalendar(via);
      value.catch(() => {
        calendar = null;
      });
      calendar = { at: Date.now(), value };
      return value;
    },
    invalidate() {
      settings.clear();
      calendar = null;
    },
  };
}
