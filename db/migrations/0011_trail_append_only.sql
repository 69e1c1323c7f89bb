-- The trail is append-only: no role may change or remove an event or a checkpoint. The application's
-- role also lacks the privilege (db/roles.ts); this trigger holds for the owner too. Only a superuser
-- who switches triggers off (session_replication_role = replica) gets past it — and the signed
-- checkpoints, kept with a key outside the database, then show what was changed.
CREATE OR REPLACE FUNCTION zg_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege', HINT = 'events and checkpoints are only ever inserted';
END
$$;--> statement-breakpoint
CREATE TRIGGER item_events_append_only BEFORE UPDATE OR DELETE ON item_events
  FOR EACH ROW EXECUTE FUNCTION zg_trail_append_only();--> statement-breakpoint
CREATE TRIGGER item_events_no_truncate BEFORE TRUNCATE ON item_events
  FOR EACH STATEMENT EXECUTE FUNCTION zg_trail_append_only();--> statement-breakpoint
CREATE TRIGGER trail_checkpoints_append_only BEFORE UPDATE OR DELETE ON trail_checkpoints
  FOR EACH ROW EXECUTE FUNCTION zg_trail_append_only();--> statement-breakpoint
CREATE TRIGGER trail_checkpoints_no_truncate BEFORE TRUNCATE ON trail_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION zg_trail_append_only();
--> statement-breakpoint
CREATE TRIGGER trail_checkpoint_heads_append_only BEFORE UPDATE OR DELETE ON trail_checkpoint_heads
  FOR EACH ROW EXECUTE FUNCTION zg_trail_append_only();--> statement-breakpoint
CREATE TRIGGER trail_checkpoint_heads_no_truncate BEFORE TRUNCATE ON trail_checkpoint_heads
  FOR EACH STATEMENT EXECUTE FUNCTION zg_trail_append_only();
--> statement-breakpoint
-- The security record is append-only like the trail (the function above refuses and names the table).
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION zg_trail_append_only();--> statement-breakpoint
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events
  FOR EACH STATEMENT EXECUTE FUNCTION zg_trail_append_only();
