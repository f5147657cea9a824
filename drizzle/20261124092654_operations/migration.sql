CREATE TYPE "operation_kind" AS ENUM('RESTART', 'ROLLING_RESTART');--> statement-breakpoint
CREATE TYPE "operation_state" AS ENUM('PENDING', 'RUNNING', 'WAITING', 'PAUSED', 'AWAITING_PROMOTION', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT');--> statement-breakpoint
CREATE TYPE "step_state" AS ENUM('PENDING', 'DISPATCHED', 'RESTARTED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT');--> statement-breakpoint
ALTER TYPE "status_cause" ADD VALUE 'OPERATION_STARTED';--> statement-breakpoint
ALTER TYPE "status_cause" ADD VALUE 'OPERATION_FINISHED';--> statement-breakpoint
CREATE TABLE "operation_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"operation_id" uuid NOT NULL,
	"batch" integer NOT NULL,
	"position" integer NOT NULL,
	"canary" boolean DEFAULT false NOT NULL,
	"cluster_id" uuid NOT NULL,
	"cluster_name" text NOT NULL,
	"node_id" uuid NOT NULL,
	"node_name" text NOT NULL,
	"role" text NOT NULL,
	"state" "step_state" DEFAULT 'PENDING'::"step_state" NOT NULL,
	"command_id" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"dispatched_at" timestamp with time zone,
	"restarted_at" timestamp with time zone,
	"healthy_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "operation_steps_operation_id_node_id_unique" UNIQUE("operation_id","node_id")
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"kind" "operation_kind" NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"target" jsonb NOT NULL,
	"strategy" jsonb NOT NULL,
	"budgets" jsonb NOT NULL,
	"state" "operation_state" DEFAULT 'PENDING'::"operation_state" NOT NULL,
	"state_reason" text DEFAULT '' NOT NULL,
	"epoch" integer DEFAULT 1 NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_id" text,
	"schedule_id" uuid,
	"scheduled_for" timestamp with time zone,
	"idempotency_key" text UNIQUE,
	"input_hash" text NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"promoted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"last_progress_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "node_status_history" ADD COLUMN "operation_id" uuid;--> statement-breakpoint
CREATE INDEX "node_status_history_at_index" ON "node_status_history" ("at");--> statement-breakpoint
CREATE INDEX "operation_steps_operation_id_position_index" ON "operation_steps" ("operation_id","position");--> statement-breakpoint
CREATE INDEX "operations_state_index" ON "operations" ("state");--> statement-breakpoint
CREATE INDEX "operations_created_at_index" ON "operations" ("created_at");--> statement-breakpoint
CREATE INDEX "operations_schedule_id_index" ON "operations" ("schedule_id");--> statement-breakpoint
ALTER TABLE "operation_steps" ADD CONSTRAINT "operation_steps_operation_id_operations_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE;