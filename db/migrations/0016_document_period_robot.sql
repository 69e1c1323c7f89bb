ALTER TABLE "deliveries" ADD COLUMN "document_id" uuid;--> statement-breakpoint
ALTER TABLE "issued_documents" ADD COLUMN "period" text;