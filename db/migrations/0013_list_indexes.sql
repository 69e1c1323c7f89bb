ALTER TABLE "items" ADD COLUMN "scope_paths" text[] GENERATED ALWAYS AS (item_scope_paths(owner_unit_path, lead_unit_path, reporting_unit_path, responsible_unit_path)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "search_grams" text[] GENERATED ALWAYS AS (search_grams(title || ' ' || description)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "items_scope_paths" ON "items" USING gin ("scope_paths");--> statement-breakpoint
CREATE INDEX "items_search_grams" ON "items" USING gin ("search_grams");--> statement-breakpoint
CREATE INDEX "items_updated_at" ON "items" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "items_deadline_sort" ON "items" USING btree (coalesce("deadline", '9999-12-31'::date),"id");--> statement-breakpoint
CREATE INDEX "items_seq_no" ON "items" USING btree ("seq_no","id");