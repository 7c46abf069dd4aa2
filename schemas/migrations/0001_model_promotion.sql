CREATE TABLE "model_alias_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"warehouse" text NOT NULL,
	"alias" text NOT NULL,
	"from_model_version_id" integer,
	"to_model_version_id" integer NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipeline_days" (
	"as_of" date PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"missing" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"workflow_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "features_daily" ADD COLUMN "scale" double precision DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "promotion" jsonb;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "alerted" jsonb;--> statement-breakpoint
ALTER TABLE "model_alias_events" ADD CONSTRAINT "model_alias_events_from_model_version_id_model_versions_id_fk" FOREIGN KEY ("from_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_alias_events" ADD CONSTRAINT "model_alias_events_to_model_version_id_model_versions_id_fk" FOREIGN KEY ("to_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_alias_events_warehouse_alias_id_index" ON "model_alias_events" USING btree ("warehouse","alias","id");--> statement-breakpoint
UPDATE "anomalies" SET "direction" = CASE "direction" WHEN 'high' THEN 'spike' WHEN 'low' THEN 'drop' ELSE "direction" END;
