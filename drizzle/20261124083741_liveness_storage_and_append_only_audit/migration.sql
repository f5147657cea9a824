-- Heartbeats rewrite node_liveness rows constantly; free space in each page lets PostgreSQL
-- update them in place (heap-only tuples), since no indexed column changes on a steady beat.
ALTER TABLE "node_liveness" SET (fillfactor = 70);--> statement-breakpoint
-- The audit log is append-only: no row may change or disappear.
CREATE FUNCTION "audit_log_is_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_is_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_is_append_only"();
