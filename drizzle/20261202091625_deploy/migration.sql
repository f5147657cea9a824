CREATE TYPE "step_phase" AS ENUM('APPLY', 'ROLLBACK');--> statement-breakpoint
ALTER TYPE "operation_kind" ADD VALUE 'DEPLOY';--> statement-breakpoint
ALTER TYPE "step_state" ADD VALUE 'REVERTED';--> statement-breakpoint
ALTER TABLE "operation_steps" DROP CONSTRAINT "operation_steps_operation_id_node_id_unique";--> statement-breakpoint
ALTER TABLE "operation_steps" ADD COLUMN "phase" "step_phase" DEFAULT 'APPLY'::"step_phase" NOT NULL;--> statement-breakpoint
ALTER TABLE "operation_steps" ADD COLUMN "change" jsonb;--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "deploy" jsonb;--> statement-breakpoint
ALTER TABLE "operation_steps" ADD CONSTRAINT "operation_steps_operation_id_node_id_phase_unique" UNIQUE("operation_id","node_id","phase");