CREATE TABLE "anomalies" (
	"id" serial PRIMARY KEY NOT NULL,
	"warehouse" text NOT NULL,
	"usage_date" date NOT NULL,
	"model_version_id" integer NOT NULL,
	"score" double precision NOT NULL,
	"threshold" double precision NOT NULL,
	"actual" double precision NOT NULL,
	"expected" double precision NOT NULL,
	"excess_credits" double precision NOT NULL,
	"excess_cost" double precision,
	"currency" text,
	"direction" text NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"workflow_id" text,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_prices" (
	"account" text NOT NULL,
	"usage_date" date NOT NULL,
	"currency" text NOT NULL,
	"price_per_credit" double precision NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "credit_prices_account_usage_date_pk" PRIMARY KEY("account","usage_date")
);
--> statement-breakpoint
CREATE TABLE "features_daily" (
	"warehouse" text NOT NULL,
	"usage_date" date NOT NULL,
	"credits" double precision NOT NULL,
	"trend" double precision NOT NULL,
	"seasonal" double precision NOT NULL,
	"residual" double precision NOT NULL,
	"sma30" double precision NOT NULL,
	"std30" double precision NOT NULL,
	"feature_version" text NOT NULL,
	CONSTRAINT "features_daily_warehouse_usage_date_pk" PRIMARY KEY("warehouse","usage_date")
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" serial PRIMARY KEY NOT NULL,
	"anomaly_id" integer NOT NULL,
	"author" text NOT NULL,
	"verdict" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingested_days" (
	"source" text NOT NULL,
	"usage_date" date NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingested_days_source_usage_date_pk" PRIMARY KEY("source","usage_date")
);
--> statement-breakpoint
CREATE TABLE "metering_daily" (
	"account" text NOT NULL,
	"warehouse_name" text NOT NULL,
	"warehouse" text NOT NULL,
	"usage_date" date NOT NULL,
	"credits_used" numeric(38, 9) NOT NULL,
	"credits_used_compute" numeric(38, 9) NOT NULL,
	"credits_used_cloud_services" numeric(38, 9) NOT NULL,
	"hours_metered" integer NOT NULL,
	CONSTRAINT "metering_daily_account_warehouse_name_usage_date_pk" PRIMARY KEY("account","warehouse_name","usage_date")
);
--> statement-breakpoint
CREATE TABLE "metering_hourly" (
	"account" text NOT NULL,
	"warehouse_id" bigint NOT NULL,
	"warehouse_name" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"end_time" timestamp with time zone NOT NULL,
	"credits_used" numeric(38, 9) NOT NULL,
	"credits_used_compute" numeric(38, 9) NOT NULL,
	"credits_used_cloud_services" numeric(38, 9) NOT NULL,
	"source" text NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "metering_hourly_account_warehouse_id_start_time_pk" PRIMARY KEY("account","warehouse_id","start_time")
);
--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"warehouse" text NOT NULL,
	"alias" text NOT NULL,
	"model_version_id" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_aliases_warehouse_alias_pk" PRIMARY KEY("warehouse","alias")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"warehouse" text NOT NULL,
	"version" integer NOT NULL,
	"algorithm" text NOT NULL,
	"params" jsonb NOT NULL,
	"seed" integer NOT NULL,
	"trained_from" date NOT NULL,
	"trained_to" date NOT NULL,
	"feature_version" text NOT NULL,
	"data_fingerprint" text NOT NULL,
	"artifact" text NOT NULL,
	"artifact_sha256" text NOT NULL,
	"threshold" double precision NOT NULL,
	"metrics" jsonb NOT NULL,
	"workflow_id" text,
	"run_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" serial PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"anomaly_id" integer NOT NULL,
	"channel" text NOT NULL,
	"message_ref" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "notifications_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_anomaly_id_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."anomalies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_anomaly_id_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."anomalies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "anomalies_warehouse_usage_date_index" ON "anomalies" USING btree ("warehouse","usage_date");--> statement-breakpoint
CREATE INDEX "anomalies_usage_date_index" ON "anomalies" USING btree ("usage_date");--> statement-breakpoint
CREATE INDEX "metering_daily_warehouse_usage_date_index" ON "metering_daily" USING btree ("warehouse","usage_date");--> statement-breakpoint
CREATE INDEX "metering_hourly_start_time_index" ON "metering_hourly" USING btree ("start_time");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_warehouse_version_index" ON "model_versions" USING btree ("warehouse","version");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_warehouse_data_fingerprint_index" ON "model_versions" USING btree ("warehouse","data_fingerprint");--> statement-breakpoint
CREATE INDEX "model_versions_warehouse_trained_to_index" ON "model_versions" USING btree ("warehouse","trained_to");--> statement-breakpoint
CREATE INDEX "notifications_anomaly_id_index" ON "notifications" USING btree ("anomaly_id");