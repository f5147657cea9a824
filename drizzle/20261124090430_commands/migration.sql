CREATE TYPE "command_state" AS ENUM('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "commands" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"cluster_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"params" jsonb DEFAULT '{}' NOT NULL,
	"operation_id" uuid,
	"step_id" uuid,
	"epoch" integer DEFAULT 0 NOT NULL,
	"state" "command_state" DEFAULT 'PENDING'::"command_state" NOT NULL,
	"message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "commands_cluster_id_state_index" ON "commands" ("cluster_id","state");--> statement-breakpoint
CREATE INDEX "commands_step_id_index" ON "commands" ("step_id");--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_cluster_id_clusters_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;