CREATE TABLE "snoozes" (
	"warehouse" text PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"author" text NOT NULL,
	"anomaly_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "run_url" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "chart_ref" text;--> statement-breakpoint
ALTER TABLE "snoozes" ADD CONSTRAINT "snoozes_anomaly_id_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."anomalies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_message_ref_index" ON "notifications" USING btree ("message_ref");