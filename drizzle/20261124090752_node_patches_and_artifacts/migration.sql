ALTER TABLE "nodes" ADD COLUMN "patches" jsonb DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "artifacts" jsonb DEFAULT '[]' NOT NULL;