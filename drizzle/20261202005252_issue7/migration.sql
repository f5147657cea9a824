ALTER TYPE "status_cause" ADD VALUE 'FIRST_HEARTBEAT' BEFORE 'RECOVERED';--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "source_address" text;--> statement-breakpoint
ALTER TABLE "node_liveness" ADD COLUMN "stats_reported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "console_url" text;--> statement-breakpoint
ALTER TABLE "commands" ALTER COLUMN "params" DROP DEFAULT;