CREATE TYPE "role" AS ENUM('VIEWER', 'OPERATOR', 'ADMIN');--> statement-breakpoint
CREATE TYPE "actor_type" AS ENUM('USER', 'API_TOKEN', 'AGENT', 'ANONYMOUS', 'SYSTEM');--> statement-breakpoint
CREATE TYPE "audit_result" AS ENUM('SUCCESS', 'DENIED', 'FAILED', 'ERROR');--> statement-breakpoint
CREATE TYPE "node_status" AS ENUM('UP', 'SUSPECT', 'DOWN', 'UNKNOWN', 'MAINTENANCE', 'LEFT');--> statement-breakpoint
CREATE TYPE "reported_state" AS ENUM('HEALTHY', 'STARTING', 'UNHEALTHY', 'STOPPED');--> statement-breakpoint
CREATE TYPE "status_cause" AS ENUM('JOINED', 'REJOINED', 'LEFT', 'MISSED_HEARTBEATS', 'REPORTED_FAILURE', 'MANAGER_UNREACHABLE', 'RECOVERED');--> statement-breakpoint
CREATE TYPE "node_role" AS ENUM('MANAGER', 'WORKER');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"token_hash" text NOT NULL UNIQUE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL UNIQUE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"username" text NOT NULL UNIQUE,
	"password_hash" text NOT NULL,
	"role" "role" NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"password_changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"cluster_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"token_hash" text NOT NULL UNIQUE,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "enrollment_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"cluster_id" uuid NOT NULL,
	"token_hash" text NOT NULL UNIQUE,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"request_id" text,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" text,
	"actor_name" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"args" jsonb DEFAULT '{}' NOT NULL,
	"result" "audit_result" NOT NULL,
	"error_code" text,
	"message" text
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"product_kind" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"console_url" text,
	"manager_node_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_sequence" (
	"id" integer PRIMARY KEY,
	"last" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"sequence" bigint PRIMARY KEY,
	"channel" text NOT NULL,
	"type" text NOT NULL,
	"cluster_id" uuid,
	"node_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_liveness" (
	"node_id" uuid PRIMARY KEY,
	"cluster_id" uuid NOT NULL,
	"status" "node_status" DEFAULT 'UNKNOWN'::"node_status" NOT NULL,
	"status_cause" "status_cause" DEFAULT 'JOINED'::"status_cause" NOT NULL,
	"status_since" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone,
	"last_healthy_at" timestamp with time zone,
	"reported_state" "reported_state",
	"batch_sequence" bigint,
	"cpu_percent" double precision,
	"memory_bytes" bigint,
	"load1" double precision,
	"disk_percent" double precision,
	"uptime_seconds" bigint,
	"reported_version" text
);
--> statement-breakpoint
CREATE TABLE "node_stats" (
	"node_id" uuid,
	"minute" timestamp with time zone,
	"cpu_percent" double precision,
	"memory_bytes" bigint,
	"load1" double precision,
	"disk_percent" double precision,
	"samples" integer NOT NULL,
	CONSTRAINT "node_stats_pkey" PRIMARY KEY("node_id","minute")
);
--> statement-breakpoint
CREATE TABLE "node_status_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "node_status_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"node_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"from_status" "node_status" NOT NULL,
	"to_status" "node_status" NOT NULL,
	"cause" "status_cause" NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "node_role" NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"version" text DEFAULT '' NOT NULL,
	"labels" jsonb DEFAULT '{}' NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "nodes_cluster_id_name_unique" UNIQUE("cluster_id","name")
);
--> statement-breakpoint
CREATE TABLE "cluster_tags" (
	"cluster_id" uuid,
	"tag" text,
	CONSTRAINT "cluster_tags_pkey" PRIMARY KEY("cluster_id","tag")
);
--> statement-breakpoint
CREATE TABLE "node_tags" (
	"node_id" uuid,
	"tag" text,
	CONSTRAINT "node_tags_pkey" PRIMARY KEY("node_id","tag")
);
--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_index" ON "api_tokens" ("user_id");--> statement-breakpoint
CREATE INDEX "sessions_user_id_index" ON "sessions" ("user_id");--> statement-breakpoint
CREATE INDEX "agent_credentials_cluster_id_index" ON "agent_credentials" ("cluster_id");--> statement-breakpoint
CREATE INDEX "enrollment_tokens_cluster_id_index" ON "enrollment_tokens" ("cluster_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_index" ON "audit_log" ("at");--> statement-breakpoint
CREATE INDEX "audit_log_action_index" ON "audit_log" ("action");--> statement-breakpoint
CREATE INDEX "audit_log_target_id_index" ON "audit_log" ("target_id");--> statement-breakpoint
CREATE INDEX "events_channel_sequence_index" ON "events" ("channel","sequence");--> statement-breakpoint
CREATE INDEX "node_stats_minute_index" ON "node_stats" ("minute");--> statement-breakpoint
CREATE INDEX "node_status_history_node_id_at_index" ON "node_status_history" ("node_id","at");--> statement-breakpoint
CREATE INDEX "node_status_history_cluster_id_at_index" ON "node_status_history" ("cluster_id","at");--> statement-breakpoint
CREATE INDEX "nodes_name_index" ON "nodes" ("name");--> statement-breakpoint
CREATE INDEX "cluster_tags_tag_index" ON "cluster_tags" ("tag");--> statement-breakpoint
CREATE INDEX "node_tags_tag_index" ON "node_tags" ("tag");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_cluster_id_clusters_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_cluster_id_clusters_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_created_by_users_id_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE "node_liveness" ADD CONSTRAINT "node_liveness_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "node_stats" ADD CONSTRAINT "node_stats_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "node_status_history" ADD CONSTRAINT "node_status_history_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_cluster_id_clusters_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "cluster_tags" ADD CONSTRAINT "cluster_tags_cluster_id_clusters_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "node_tags" ADD CONSTRAINT "node_tags_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;