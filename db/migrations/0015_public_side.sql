CREATE TABLE "public_hits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"window_start" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "public_objections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"contact" text NOT NULL,
	"text" text NOT NULL,
	"address_hash" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "public_objections_campaign" ON "public_objections" USING btree ("campaign_id","status","created_at");--> statement-breakpoint
CREATE INDEX "public_objections_item" ON "public_objections" USING btree ("item_id");