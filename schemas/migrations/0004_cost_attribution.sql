CREATE TABLE "attributed_days" (
	"usage_date" date PRIMARY KEY NOT NULL,
	"method" text NOT NULL,
	"queries" integer NOT NULL,
	"metered_credits" numeric(38, 9) NOT NULL,
	"attributed_credits" numeric(38, 9) NOT NULL,
	"idle_credits" numeric(38, 9) NOT NULL,
	"complete" boolean NOT NULL,
	"attributed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "attribution_hourly" (
	"start_time" timestamp with time zone NOT NULL,
	"account" text NOT NULL,
	"warehouse_id" bigint NOT NULL,
	"warehouse" text NOT NULL,
	"metered_credits" numeric(38, 9) NOT NULL,
	"attributed_credits" numeric(38, 9) NOT NULL,
	"idle_credits" numeric(38, 9) NOT NULL,
	"queries" integer NOT NULL,
	"method" text NOT NULL,
	CONSTRAINT "attribution_hourly_start_time_account_warehouse_id_pk" PRIMARY KEY("start_time","account","warehouse_id")
);
--> statement-breakpoint
CREATE TABLE "cost_daily" (
	"usage_date" date NOT NULL,
	"warehouse" text NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"credits" numeric(38, 9) NOT NULL,
	"queries" integer NOT NULL,
	CONSTRAINT "cost_daily_usage_date_warehouse_dimension_value_pk" PRIMARY KEY("usage_date","warehouse","dimension","value")
);
--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "causes" jsonb;--> statement-breakpoint
CREATE INDEX "attribution_hourly_warehouse_start_time_index" ON "attribution_hourly" USING btree ("warehouse","start_time");--> statement-breakpoint
CREATE INDEX "cost_daily_dimension_usage_date_index" ON "cost_daily" USING btree ("dimension","usage_date");