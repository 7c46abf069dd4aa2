/** Features: complete calendars and point-in-time features per warehouse. */
import { Context } from '@temporalio/activity';
import type { DetectionSettings } from '../schemas/detection-config';
import { addDays } from '../schemas/dates';
import { fillCalendarFrom, type MeteredSpan } from './ml/calendar';
import { featureLookbackDays, featureVersion, pointInTimeFeatures } from './ml/features';
import type { Db } from './store/database';
import { upsertFeatures } from './store/feature-store';
import { dailyCreditsBetween, firstMeteredDay, meteredSpans } from './store/metering-store';

/** Warehouses whose daily credits are read in one query. */
const READ_BATCH = 100;

export interface FeatureDeps {
  db: Db;
  detection: Pick<DetectionSettings, 'windowDays' | 'decommissionedAfterDays'>;
}

export interface ComputeFeaturesInput {
  /** Default: the first metered day. */
  from?: string;
  to: string;
}

export interface ComputeFeaturesResult {
  from: string;
  warehouses: number;
  rows: number;
  featureVersion: string;
}

export function createFeatureActivities(deps: FeatureDeps) {
  return {
    /** (Re)compute features for from … to for every metered warehouse; rows that did not change are not rewritten. */
    async computeDailyFeatures(input: ComputeFeaturesInput): Promise<ComputeFeaturesResult> {
      const ctx = Context.current();
      const { windowDays, decommissionedAfterDays } = deps.detection;
      const version = featureVersion(windowDays);
      const from = input.from ?? (await firstMeteredDay(deps.db)) ?? input.to;
      // Only the weeks the features of from … to depend on are read, a batch of warehouses per query.
      const start = addDays(from, -featureLookbackDays(windowDays, decommissionedAfterDays));
      const spans = await meteredSpans(deps.db, input.to);
      const warehouses = [...spans.keys()];
      let rows = 0;
      for (let i = 0; i < warehouses.length; i += READ_BATCH) {
        const batch = warehouses.slice(i, i + READ_BATCH);
        const credits = await dailyCreditsBetween(deps.db, batch, start, input.to);
        for (const warehouse of batch) {
          const span = spans.get(warehouse) as MeteredSpan;
          const series = fillCalendarFrom(credits.get(warehouse) ?? [], span, start, input.to, {
            decommissionedAfterDays,
          });
          rows += await upsertFeatures(deps.db, warehouse, pointInTimeFeatures(series, from, windowDays), version);
        }
        ctx.heartbeat({ done: i + batch.length, of: warehouses.length });
      }
      return { from, warehouses: warehouses.length, rows, featureVersion: version };
    },
  };
}
