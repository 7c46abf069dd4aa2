DROP INDEX "metering_hourly_start_time_index";--> statement-breakpoint
ALTER TABLE "metering_hourly" DROP CONSTRAINT "metering_hourly_account_warehouse_id_start_time_pk";--> statement-breakpoint
ALTER TABLE "metering_hourly" ADD CONSTRAINT "metering_hourly_start_time_account_warehouse_id_pk" PRIMARY KEY("start_time","account","warehouse_id");