CREATE TABLE "screening_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"name" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"scope_unit_ids" uuid[] NOT NULL,
	"conducted_by" text NOT NULL,
	"unit_results" jsonb DEFAULT '[]' NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verification_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"name" text NOT NULL,
	"seed" text NOT NULL,
	"village_rate" real NOT NULL,
	"household_rate" real NOT NULL,
	"draw" jsonb NOT NULL,
	"due_by" date NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "screening_rounds_campaign" ON "screening_rounds" USING btree ("campaign_id","starts_on");--> statement-breakpoint
CREATE INDEX "verification_rounds_campaign" ON "verification_rounds" USING btree ("campaign_id","created_at");