CREATE TYPE "overlap_policy" AS ENUM('SKIP', 'QUEUE');--> statement-breakpoint
CREATE TYPE "schedule_run_state" AS ENUM('STARTED', 'SKIPPED', 'QUEUED', 'MISSED', 'FAILED');--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"schedule_id" uuid NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"state" "schedule_run_state" NOT NULL,
	"operation_id" uuid,
	"message" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "schedule_runs_schedule_id_scheduled_for_unique" UNIQUE("schedule_id","scheduled_for")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"cron" text NOT NULL,
	"timezone" text NOT NULL,
	"template" jsonb NOT NULL,
	"overlap_policy" "overlap_policy" DEFAULT 'SKIP'::"overlap_policy" NOT NULL,
	"starting_deadline_ms" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"evaluated_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "schedule_runs_schedule_id_state_index" ON "schedule_runs" ("schedule_id","state");--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_schedules_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE;