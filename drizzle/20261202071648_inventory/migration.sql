CREATE TABLE "node_inventory" (
	"node_id" uuid,
	"kind" "content_kind",
	"name" text,
	"sha256" text NOT NULL,
	"size" bigint,
	"modified_at" timestamp with time zone,
	"installed" boolean NOT NULL,
	"loaded" boolean NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "node_inventory_pkey" PRIMARY KEY("node_id","kind","name")
);
--> statement-breakpoint
DROP VIEW "node_directory";--> statement-breakpoint
ALTER TABLE "nodes" DROP COLUMN "patches";--> statement-breakpoint
ALTER TABLE "nodes" DROP COLUMN "artifacts";--> statement-breakpoint
CREATE INDEX "node_inventory_sha256_index" ON "node_inventory" ("sha256");--> statement-breakpoint
CREATE INDEX "node_inventory_name_index" ON "node_inventory" ("name");--> statement-breakpoint
ALTER TABLE "node_inventory" ADD CONSTRAINT "node_inventory_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
CREATE VIEW "inventory_directory" AS (select "node_inventory"."node_id", "node_inventory"."kind", "node_inventory"."name", "node_inventory"."sha256", "node_inventory"."size", "node_inventory"."modified_at", "node_inventory"."installed", "node_inventory"."loaded", "node_inventory"."first_seen_at", "node_inventory"."changed_at", "nodes"."cluster_id", "nodes"."name" as "node_name", "nodes"."left_at" as "node_left_at", "clusters"."name" as "cluster_name" from "node_inventory" inner join "nodes" on "nodes"."id" = "node_inventory"."node_id" inner join "clusters" on "clusters"."id" = "nodes"."cluster_id");--> statement-breakpoint
CREATE VIEW "node_directory" AS (select "nodes"."id", "nodes"."cluster_id", "nodes"."name", "nodes"."role", "nodes"."address", "nodes"."version", "nodes"."labels", "nodes"."console_url", "nodes"."joined_at", "nodes"."left_at", "clusters"."name" as "cluster_name", "clusters"."product_kind" as "product_kind", "node_liveness"."status", "node_liveness"."status_cause" from "nodes" inner join "clusters" on "clusters"."id" = "nodes"."cluster_id" inner join "node_liveness" on "node_liveness"."node_id" = "nodes"."id");