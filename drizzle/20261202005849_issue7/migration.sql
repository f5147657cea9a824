ALTER TYPE "status_cause" ADD VALUE 'FIRST_HEARTBEAT' BEFORE 'RECOVERED';--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_credentials" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
-- Credentials issued before lifetimes existed get a day, so that their agents renew them instead of losing them.
UPDATE "agent_credentials" SET "expires_at" = now() + interval '1 day';--> statement-breakpoint
ALTER TABLE "agent_credentials" ALTER COLUMN "expires_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "source_address" text;--> statement-breakpoint
ALTER TABLE "node_liveness" ADD COLUMN "stats_reported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "console_url" text;--> statement-breakpoint
ALTER TABLE "commands" ALTER COLUMN "params" DROP DEFAULT;