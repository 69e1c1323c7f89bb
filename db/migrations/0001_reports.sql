CREATE TABLE "acceptance_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"name" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"focus_category_ids" uuid[] NOT NULL,
	"look_back" boolean DEFAULT false NOT NULL,
	"scheme" jsonb NOT NULL,
	"score_lines" jsonb NOT NULL,
	"selection" jsonb,
	"status" text DEFAULT 'open' NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accountability_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"unit_path" text NOT NULL,
	"rule_id" text NOT NULL,
	"action" text NOT NULL,
	"title" text NOT NULL,
	"action_title" text NOT NULL,
	"round_ids" uuid[] NOT NULL,
	"fired_at_round_id" uuid NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"note" text,
	"attachments" text[] DEFAULT '{}' NOT NULL,
	"done_by" uuid,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_configs" (
	"campaign_id" uuid PRIMARY KEY NOT NULL,
	"cycle" jsonb NOT NULL,
	"accountability" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"period" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"unit_path" text NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"late" boolean,
	"first_submitted_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"return_count" integer DEFAULT 0 NOT NULL,
	"narrative" jsonb,
	"attachments" text[] DEFAULT '{}' NOT NULL,
	"stats" jsonb,
	"history" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "round_rankings" (
	"round_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"reason" text,
	"as_of" timestamp with time zone NOT NULL,
	"result" jsonb NOT NULL,
	"published_by" uuid NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "round_rankings_round_id_version_pk" PRIMARY KEY("round_id","version")
);
--> statement-breakpoint
CREATE TABLE "round_scores" (
	"round_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"lines" jsonb NOT NULL,
	"veto" boolean DEFAULT false NOT NULL,
	"veto_reason" text,
	"note" text,
	"scored_by" uuid NOT NULL,
	"scored_at" timestamp with time zone NOT NULL,
	CONSTRAINT "round_scores_round_id_unit_id_pk" PRIMARY KEY("round_id","unit_id")
);
--> statement-breakpoint
ALTER TABLE "round_rankings" ADD CONSTRAINT "round_rankings_round_id_acceptance_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."acceptance_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_scores" ADD CONSTRAINT "round_scores_round_id_acceptance_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."acceptance_rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "acceptance_rounds_campaign" ON "acceptance_rounds" USING btree ("campaign_id","period_start");--> statement-breakpoint
CREATE UNIQUE INDEX "accountability_campaign_unit_rule_key" ON "accountability_records" USING btree ("campaign_id","unit_id","rule_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reports_campaign_period_unit_key" ON "reports" USING btree ("campaign_id","period","unit_id");--> statement-breakpoint
CREATE INDEX "reports_unit_path" ON "reports" USING btree ("unit_path" text_pattern_ops);