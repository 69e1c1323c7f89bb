CREATE TABLE "evidence_guard_runs" (
	"item_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"done_at" timestamp with time zone DEFAULT now() NOT NULL,
	"warnings" integer NOT NULL,
	CONSTRAINT "evidence_guard_runs_item_id_seq_pk" PRIMARY KEY("item_id","seq")
);
--> statement-breakpoint
ALTER TABLE "evidence_files" ADD COLUMN "processed_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "plan" jsonb;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "evidence_guard_runs" ADD CONSTRAINT "evidence_guard_runs_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;