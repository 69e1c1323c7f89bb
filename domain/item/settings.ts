// Campaign settings used when a campaign does not set its own (003: 立行立改 within a week,
// escalate from the handler to the unit head to county supervision; 001: 20% sampled for recheck).
import type { CampaignSettings } from './types.ts';

export const DEFAULT_SETTINGS: CampaignSettings = {
  workingDays: true,
  immediateDays: 5,
  remindBeforeDays: [3, 1],
  escalationSteps: [
    { level: 1, afterDays: 0, target: 'handler' },
    { level: 2, afterDays: 3, target: 'unit_head' },
    { level: 3, afterDays: 5, target: 'supervisor' },
    { level: 4, afterDays: 10, target: 'flag' },
  ],
  recheckRate: 0.2,
  recheckSeed: 'default',
  recheckWindowDays: 30,
  reopenDays: 10,
  noMeasuresWarningMonths: 1,
  reviewLimitDays: 5,
};
