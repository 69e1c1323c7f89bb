-- Reports and rankings count events by type over a time window ("as of" any instant): an index on
-- (type, at) lets those scans read only the event types they count, not the whole trail.
CREATE INDEX IF NOT EXISTS "item_events_type_at" ON "item_events" ("type", "at") INCLUDE ("item_id", "seq");
--> statement-breakpoint
-- The statistics read a few narrow columns of every item of a campaign; the ledger row itself is
-- wide (it carries the decider state), so a covering index lets them scan ~300 bytes per item
-- instead of the whole row.
CREATE INDEX IF NOT EXISTS "items_stats_cover" ON "items" ("campaign_id") INCLUDE ("id", "category_id", "source", "status", "overdue", "reported_at", "responsible_unit_path", "lead_unit_path", "reporting_unit_path");
