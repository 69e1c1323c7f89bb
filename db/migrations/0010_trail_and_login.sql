CREATE TABLE "trail_checkpoint_heads" (
	"checkpoint_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "trail_checkpoint_heads_checkpoint_id_item_id_pk" PRIMARY KEY("checkpoint_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "trail_checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"no" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"round_id" uuid,
	"round_version" integer,
	"items" integer NOT NULL,
	"changed" integer NOT NULL,
	"heads_digest" text NOT NULL,
	"prev_signature" text,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "login_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"locks" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "security_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"address" text,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trail_checkpoint_heads" ADD CONSTRAINT "trail_checkpoint_heads_checkpoint_id_trail_checkpoints_id_fk" FOREIGN KEY ("checkpoint_id") REFERENCES "public"."trail_checkpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trail_checkpoints" ADD CONSTRAINT "trail_checkpoints_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trail_checkpoint_heads_item" ON "trail_checkpoint_heads" USING btree ("item_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "trail_checkpoints_campaign_no_key" ON "trail_checkpoints" USING btree ("campaign_id","no");--> statement-breakpoint
CREATE INDEX "trail_checkpoints_round" ON "trail_checkpoints" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "security_events_at" ON "security_events" USING btree ("at");