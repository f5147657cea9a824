CREATE TABLE "node_tenants" (
	"node_id" uuid,
	"name" text,
	"status" text,
	"first_seen_at" timestamp with time zone NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "node_tenants_pkey" PRIMARY KEY("node_id","name")
);
--> statement-breakpoint
CREATE INDEX "node_tenants_name_index" ON "node_tenants" ("name");--> statement-breakpoint
ALTER TABLE "node_tenants" ADD CONSTRAINT "node_tenants_node_id_nodes_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE;--> statement-breakpoint
CREATE VIEW "tenant_directory" AS (select "node_tenants"."node_id", "node_tenants"."name", "node_tenants"."status", "node_tenants"."first_seen_at", "node_tenants"."changed_at", "nodes"."name" as "node_name", "nodes"."left_at" as "node_left_at", "clusters"."name" as "cluster_name" from "node_tenants" inner join "nodes" on "nodes"."id" = "node_tenants"."node_id" inner join "clusters" on "clusters"."id" = "nodes"."cluster_id");