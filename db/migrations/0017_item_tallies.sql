CREATE TABLE "item_tallies" (
	"campaign_id" uuid NOT NULL,
	"scope_paths" text[] NOT NULL,
	"category_id" uuid,
	"status" text NOT NULL,
	"responsible_unit_id" uuid,
	"reported_month" date NOT NULL,
	"closed_month" date,
	"overdue" boolean NOT NULL,
	"flagged" boolean NOT NULL,
	"supervision_level" text,
	"supervision_overdue" boolean NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "item_tallies_key" UNIQUE NULLS NOT DISTINCT("campaign_id","scope_paths","category_id","status","responsible_unit_id","reported_month","closed_month","overdue","flagged","supervision_level","supervision_overdue")
);
--> statement-breakpoint
CREATE TABLE "item_tally_changes" (
	"campaign_id" uuid NOT NULL,
	"scope_paths" text[] NOT NULL,
	"category_id" uuid,
	"status" text NOT NULL,
	"responsible_unit_id" uuid,
	"reported_month" date NOT NULL,
	"closed_month" date,
	"overdue" boolean NOT NULL,
	"flagged" boolean NOT NULL,
	"supervision_level" text,
	"supervision_overdue" boolean NOT NULL,
	"n" integer NOT NULL
);
--> statement-breakpoint
-- Hand-written below: drizzle-kit does not generate functions or triggers (db/schema/tallies.ts says why).

-- The keys of a tally that are not columns of items as they stand.
CREATE OR REPLACE FUNCTION item_tally_month(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (date_trunc('month', t AT TIME ZONE 'Asia/Shanghai'))::date;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION item_supervision_level(flagged boolean, state jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN flagged THEN coalesce(state->'supervision'->>'level', 'guapai') END;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION item_supervision_overdue(flagged boolean, state jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN flagged AND state->'supervision'->>'overdueAt' IS NOT NULL;
--> statement-breakpoint
-- A row's change to the tallies: -1 under its old key, +1 under its new one.
CREATE OR REPLACE FUNCTION items_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO item_tally_changes (campaign_id, scope_paths, category_id, status, responsible_unit_id,
    reported_month, closed_month, overdue, flagged, supervision_level, supervision_overdue, n)
  VALUES (OLD.campaign_id, OLD.scope_paths, OLD.category_id, OLD.status, OLD.responsible_unit_id,
    item_tally_month(OLD.reported_at), item_tally_month(OLD.closed_at), OLD.overdue, OLD.flagged,
    item_supervision_level(OLD.flagged, OLD.state), item_supervision_overdue(OLD.flagged, OLD.state), -1),
  (NEW.campaign_id, NEW.scope_paths, NEW.category_id, NEW.status, NEW.responsible_unit_id,
    item_tally_month(NEW.reported_at), item_tally_month(NEW.closed_at), NEW.overdue, NEW.flagged,
    item_supervision_level(NEW.flagged, NEW.state), item_supervision_overdue(NEW.flagged, NEW.state), 1);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Rows added or removed, summed per key once per statement (an import or a restore adds thousands).
CREATE OR REPLACE FUNCTION items_tally_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO item_tally_changes
    SELECT campaign_id, scope_paths, category_id, status, responsible_unit_id, item_tally_month(reported_at),
           item_tally_month(closed_at), overdue, flagged, item_supervision_level(flagged, state),
           item_supervision_overdue(flagged, state), count(*)::integer
    FROM added GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
  ELSE
    INSERT INTO item_tally_changes
    SELECT campaign_id, scope_paths, category_id, status, responsible_unit_id, item_tally_month(reported_at),
           item_tally_month(closed_at), overdue, flagged, item_supervision_level(flagged, state),
           item_supervision_overdue(flagged, state), -count(*)::integer
    FROM removed GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER items_tally_insert AFTER INSERT ON items REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION items_tally_rows();
--> statement-breakpoint
CREATE TRIGGER items_tally_delete AFTER DELETE ON items REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION items_tally_rows();
--> statement-breakpoint
-- Most commands (progress, evidence, milestones) move no key: the trigger does not fire for them.
CREATE TRIGGER items_tally_update AFTER UPDATE ON items FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.scope_paths, OLD.category_id, OLD.status, OLD.responsible_unit_id,
         item_tally_month(OLD.reported_at), item_tally_month(OLD.closed_at), OLD.overdue, OLD.flagged,
         item_supervision_level(OLD.flagged, OLD.state), item_supervision_overdue(OLD.flagged, OLD.state))
    IS DISTINCT FROM
        (NEW.campaign_id, NEW.scope_paths, NEW.category_id, NEW.status, NEW.responsible_unit_id,
         item_tally_month(NEW.reported_at), item_tally_month(NEW.closed_at), NEW.overdue, NEW.flagged,
         item_supervision_level(NEW.flagged, NEW.state), item_supervision_overdue(NEW.flagged, NEW.state)))
  EXECUTE FUNCTION items_tally();
--> statement-breakpoint
-- Sum the changes into the tallies; returns the number of tallies it touched. One fold at a time (the
-- servers of a cluster each run the job); changes appended meanwhile wait for the next one.
CREATE OR REPLACE FUNCTION fold_item_tallies() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  touched bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('zhenggai:fold_item_tallies')) THEN
    RETURN 0;
  END IF;
  WITH gone AS (DELETE FROM item_tally_changes RETURNING *)
  INSERT INTO item_tallies AS t
  SELECT campaign_id, scope_paths, category_id, status, responsible_unit_id, reported_month, closed_month,
         overdue, flagged, supervision_level, supervision_overdue, sum(n)::integer
  FROM gone
  GROUP BY campaign_id, scope_paths, category_id, status, responsible_unit_id, reported_month, closed_month,
           overdue, flagged, supervision_level, supervision_overdue
  ON CONFLICT ON CONSTRAINT item_tallies_key DO UPDATE SET n = t.n + excluded.n;
  GET DIAGNOSTICS touched = ROW_COUNT;
  IF touched > 0 THEN
    DELETE FROM item_tallies WHERE n = 0;
  END IF;
  RETURN touched;
END
$$;
--> statement-breakpoint
-- Count the tallies afresh from the items: run once here for the items already there, and by hand if
-- the tallies were ever doubted (writers wait meanwhile; readers do not).
CREATE OR REPLACE FUNCTION rebuild_item_tallies() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  made bigint;
BEGIN
  LOCK TABLE items IN SHARE MODE;
  PERFORM pg_advisory_xact_lock(hashtext('zhenggai:fold_item_tallies'));
  DELETE FROM item_tally_changes;
  DELETE FROM item_tallies;
  INSERT INTO item_tallies
  SELECT campaign_id, scope_paths, category_id, status, responsible_unit_id, item_tally_month(reported_at),
         item_tally_month(closed_at), overdue, flagged, item_supervision_level(flagged, state),
         item_supervision_overdue(flagged, state), count(*)::integer
  FROM items
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
  GET DIAGNOSTICS made = ROW_COUNT;
  RETURN made;
END
$$;
--> statement-breakpoint
SELECT rebuild_item_tallies();
