CREATE TYPE "status_incident_state" AS ENUM('INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED');--> statement-breakpoint
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
CREATE INDEX "status_incident_updates_incident_id_at_index" ON "status_incident_updates" ("incident_id","at");--> statement-breakpoint
CREATE INDEX "status_incidents_resolved_at_index" ON "status_incidents" ("resolved_at");--> statement-breakpoint
ALTER TABLE "status_incident_updates" ADD CONSTRAINT "status_incident_updates_incident_id_status_incidents_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "status_incidents"("id") ON DELETE CASCADE;