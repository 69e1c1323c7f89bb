CREATE TABLE "document_counters" (
	"unit_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"last_seq" integer NOT NULL,
	CONSTRAINT "document_counters_unit_id_year_pk" PRIMARY KEY("unit_id","year")
);
--> statement-breakpoint
CREATE TABLE "document_offices" (
	"unit_id" uuid PRIMARY KEY NOT NULL,
	"prefix" text NOT NULL,
	"flag" text NOT NULL,
	"full_name" text NOT NULL,
	"printed_by" text,
	"date_style" text DEFAULT 'chinese' NOT NULL,
	"copy_to" text[] DEFAULT '{}' NOT NULL,
	"note" text,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "issued_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"unit_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"seq" integer NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"campaign_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"title" text NOT NULL,
	"content" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"issued_by" uuid NOT NULL,
	"issued_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "document_counters" ADD CONSTRAINT "document_counters_unit_id_org_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_offices" ADD CONSTRAINT "document_offices_unit_id_org_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_offices" ADD CONSTRAINT "document_offices_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_documents" ADD CONSTRAINT "issued_documents_unit_id_org_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issued_documents" ADD CONSTRAINT "issued_documents_issued_by_users_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "document_offices_prefix_key" ON "document_offices" USING btree ("prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_documents_office_year_seq_key" ON "issued_documents" USING btree ("unit_id","year","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "issued_documents_number_key" ON "issued_documents" USING btree ("number");--> statement-breakpoint
CREATE INDEX "issued_documents_subject" ON "issued_documents" USING btree ("subject_id","issued_at");--> statement-breakpoint
CREATE INDEX "issued_documents_campaign" ON "issued_documents" USING btree ("campaign_id","issued_at");