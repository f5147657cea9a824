CREATE TYPE "alert_notified" AS ENUM('NONE', 'FIRING', 'RESOLVED');--> statement-breakpoint
CREATE TYPE "alert_severity" AS ENUM('INFO', 'WARNING', 'CRITICAL');--> statement-breakpoint
CREATE TYPE "alert_state" AS ENUM('PENDING', 'FIRING', 'RESOLVED');--> statement-breakpoint
CREATE TYPE "alert_subject" AS ENUM('NODE', 'CLUSTER', 'OPERATION', 'SCHEDULE');--> statement-breakpoint
CREATE TYPE "notification_channel_kind" AS ENUM('WEBHOOK', 'SLACK', 'EMAIL', 'EVENT_EXPORT');--> statement-breakpoint
CREATE TYPE "notification_delivery_state" AS ENUM('PENDING', 'DELIVERED', 'DEAD');--> statement-breakpoint
CREATE TYPE "status_incident_state" AS ENUM('INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED');--> statement-breakpoint
CREATE TABLE "alert_groups" (
	"rule_id" uuid,
	"group_key" text,
	"last_notified_at" timestamp with time zone NOT NULL,
	"notifications" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "alert_groups_pkey" PRIMARY KEY("rule_id","group_key")
);
--> statement-breakpoint
CREATE TABLE "alert_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alert_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"alert_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"actor" text
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"description" text NOT NULL,
	"severity" "alert_severity" NOT NULL,
	"labels" jsonb NOT NULL,
	"target" jsonb NOT NULL,
	"condition" jsonb NOT NULL,
	"for_ms" integer NOT NULL,
	"group_interval_ms" integer NOT NULL,
	"channel_ids" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_silences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"matchers" jsonb NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"comment" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"rule_id" uuid NOT NULL,
	"subject_kind" "alert_subject" NOT NULL,
	"subject_id" text NOT NULL,
	"subject_name" text NOT NULL,
	"cluster_id" uuid,
	"cluster_name" text,
	"labels" jsonb NOT NULL,
	"state" "alert_state" NOT NULL,
	"active_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"value" double precision,
	"summary" text NOT NULL,
	"inhibited_by" text,
	"silence_id" uuid,
	"notified" "alert_notified" DEFAULT 'NONE'::"alert_notified" NOT NULL,
	"acknowledged_by" text,
	"acknowledged_at" timestamp with time zone,
	"acknowledgement" text,
	"remediation_operation_id" uuid
);
--> statement-breakpoint
CREATE TABLE "notification_attempts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notification_attempts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"notification_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"succeeded" boolean NOT NULL,
	"outcome" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"kind" "notification_channel_kind" NOT NULL,
	"settings" jsonb NOT NULL,
	"secret" text,
	"max_attempts" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"exported_through" bigint,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"channel_id" uuid NOT NULL,
	"message" jsonb NOT NULL,
	"state" "notification_delivery_state" DEFAULT 'PENDING'::"notification_delivery_state" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"alert_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "remediation_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"policy_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"node_name" text NOT NULL,
	"operation_id" uuid,
	"at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remediation_holds" (
	"policy_id" uuid,
	"node_id" uuid,
	"node_name" text NOT NULL,
	"cluster_id" uuid NOT NULL,
	"cluster_name" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "remediation_holds_pkey" PRIMARY KEY("policy_id","node_id")
);
--> statement-breakpoint
CREATE TABLE "remediation_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"target" jsonb NOT NULL,
	"statuses" jsonb NOT NULL,
	"causes" jsonb,
	"for_ms" integer NOT NULL,
	"max_restarts_per_hour" integer NOT NULL,
	"flap_window_ms" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_components" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"position" integer NOT NULL,
	"target" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_incident_updates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "status_incident_updates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"incident_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"state" "status_incident_state" NOT NULL,
	"message" text NOT NULL,
	"author" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"title" text NOT NULL,
	"state" "status_incident_state" NOT NULL,
	"component_ids" jsonb NOT NULL,
	"alert_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "status_page_settings" (
	"id" integer PRIMARY KEY DEFAULT 1,
	"title" text NOT NULL,
	"description" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "status_page_settings_single_row" CHECK ("id" = 1)
);
--> statement-breakpoint
DROP VIEW "node_directory";--> statement-breakpoint
CREATE INDEX "alert_history_alert_id_id_index" ON "alert_history" ("alert_id","id");--> statement-breakpoint
CREATE INDEX "alert_history_at_index" ON "alert_history" ("at");--> statement-breakpoint
CREATE INDEX "alert_silences_ends_at_index" ON "alert_silences" ("ends_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_subject" ON "alerts" ("rule_id","subject_id") WHERE state <> 'RESOLVED';--> statement-breakpoint
CREATE INDEX "alerts_state_active_at_index" ON "alerts" ("state","active_at");--> statement-breakpoint
CREATE INDEX "alerts_rule_id_notified_index" ON "alerts" ("rule_id","notified");--> statement-breakpoint
CREATE INDEX "alerts_resolved_at_index" ON "alerts" ("resolved_at");--> statement-breakpoint
CREATE INDEX "notification_attempts_notification_id_attempt_index" ON "notification_attempts" ("notification_id","attempt");--> statement-breakpoint
CREATE INDEX "notification_outbox_state_next_attempt_at_index" ON "notification_outbox" ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "notification_outbox_channel_id_created_at_index" ON "notification_outbox" ("channel_id","created_at");--> statement-breakpoint
CREATE INDEX "notification_outbox_alert_id_index" ON "notification_outbox" ("alert_id");--> statement-breakpoint
CREATE INDEX "remediation_actions_policy_id_node_id_at_index" ON "remediation_actions" ("policy_id","node_id","at");--> statement-breakpoint
CREATE INDEX "remediation_actions_at_index" ON "remediation_actions" ("at");--> statement-breakpoint
CREATE INDEX "status_incident_updates_incident_id_at_index" ON "status_incident_updates" ("incident_id","at");--> statement-breakpoint
CREATE INDEX "status_incidents_resolved_at_index" ON "status_incidents" ("resolved_at");--> statement-breakpoint
ALTER TABLE "alert_groups" ADD CONSTRAINT "alert_groups_rule_id_alert_rules_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "alert_history" ADD CONSTRAINT "alert_history_alert_id_alerts_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_rule_id_alert_rules_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "notification_attempts" ADD CONSTRAINT "notification_attempts_6lgwCOmJo3SG_fkey" FOREIGN KEY ("notification_id") REFERENCES "notification_outbox"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_channel_id_notification_channels_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "notification_channels"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "remediation_actions" ADD CONSTRAINT "remediation_actions_policy_id_remediation_policies_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "remediation_policies"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "remediation_holds" ADD CONSTRAINT "remediation_holds_policy_id_remediation_policies_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "remediation_policies"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "status_incident_updates" ADD CONSTRAINT "status_incident_updates_incident_id_status_incidents_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "status_incidents"("id") ON DELETE CASCADE;--> statement-breakpoint
CREATE VIEW "node_directory" AS (select "nodes"."id", "nodes"."cluster_id", "nodes"."name", "nodes"."role", "nodes"."address", "nodes"."version", "nodes"."labels", "nodes"."console_url", "nodes"."joined_at", "nodes"."left_at", "clusters"."name" as "cluster_name", "clusters"."product_kind" as "product_kind", "node_liveness"."status", "node_liveness"."status_cause", "node_liveness"."status_since" from "nodes" inner join "clusters" on "clusters"."id" = "nodes"."cluster_id" inner join "node_liveness" on "node_liveness"."node_id" = "nodes"."id");