-- Reports and rankings count events by type over a time window ("as of" any instant): an index on
-- (type, at) lets those scans read only the event types they count, not the whole trail.
CREATE INDEX IF NOT EXISTS "item_events_type_at" ON "item_events" ("type", "at") INCLUDE ("item_id", "seq");
