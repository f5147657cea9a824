CREATE TYPE "content_kind" AS ENUM('PATCH', 'ARTIFACT', 'CONFIG');--> statement-breakpoint
CREATE TABLE "content_blobs" (
	"sha256" text PRIMARY KEY,
	"size" bigint NOT NULL,
	"stored_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "content_chunks" (
	"key" text,
	"seq" integer,
	"data" bytea NOT NULL,
	"written_at" timestamp with time zone NOT NULL,
	CONSTRAINT "content_chunks_pkey" PRIMARY KEY("key","seq")
);
--> statement-breakpoint
CREATE TABLE "content_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"kind" "content_kind" NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"sha256" text NOT NULL,
	"size" bigint NOT NULL,
	"product_kinds" jsonb DEFAULT '[]' NOT NULL,
	"requires_restart" boolean NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "content_items_kind_name_version_unique" UNIQUE("kind","name","version")
);
--> statement-breakpoint
CREATE INDEX "content_items_sha256_index" ON "content_items" ("sha256");--> statement-breakpoint
CREATE INDEX "content_items_name_index" ON "content_items" ("name");--> statement-breakpoint
ALTER TABLE "content_items" ADD CONSTRAINT "content_items_sha256_content_blobs_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "content_blobs"("sha256");