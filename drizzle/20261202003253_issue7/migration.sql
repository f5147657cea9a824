ALTER TYPE "status_cause" ADD VALUE 'FIRST_HEARTBEAT' BEFORE 'RECOVERED';--> statement-breakpoint
ALTER TABLE "node_liveness" ADD COLUMN "stats_reported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "console_url" text;--> statement-breakpoint
ALTER TABLE "commands" ALTER COLUMN "params" DROP DEFAULT;