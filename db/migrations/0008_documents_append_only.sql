-- The register of issued documents (发文登记) is append-only: a 发文字号 once issued stays issued, with
-- its issuer, time and content. Corrections are new documents with new numbers.
CREATE FUNCTION issued_documents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'issued_documents is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER issued_documents_append_only BEFORE UPDATE OR DELETE ON issued_documents
  FOR EACH ROW EXECUTE FUNCTION issued_documents_append_only();
