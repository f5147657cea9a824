CREATE TABLE "baseline_versions" (
	"baseline_id" uuid,
	"version" integer,
	"target" jsonb NOT NULL,
	"item_ids" jsonb NOT NULL,
	"message" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "baseline_versions_pkey" PRIMARY KEY("baseline_id","version")
);
--> statement-breakpoint
CREATE TABLE "baselines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"name" text NOT NULL UNIQUE,
	"current_version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "baseline_versions_item_ids_index" ON "baseline_versions" USING gin ("item_ids");--> statement-breakpoint
ALTER TABLE "baseline_versions" ADD CONSTRAINT "baseline_versions_baseline_id_baselines_id_fkey" FOREIGN KEY ("baseline_id") REFERENCES "baselines"("id") ON DELETE CASCADE;