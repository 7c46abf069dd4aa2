/** Features: complete calendars and point-in-time features per warehouse. */
import { Context } from '@temporalio/activity';
import type { DetectionSettings } from '../schemas/detection-config';
import { fillCalendar } from './ml/calendar';
import { featureVersion, pointInTimeFeatures } from './ml/features';
import type { Db } from './store/database';
import { upsertFeatures } from './store/feature-store';
import { dailyCredits, firstMeteredDay, listMeteredWarehouses } from './store/metering-store';

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
      const warehouses = await listMeteredWarehouses(deps.db);
      let rows = 0;
      for (const [i, warehouse] of warehouses.entries()) {
        const series = fillCalendar(await dailyCredits(deps.db, warehouse, input.to), input.to, {
          decommissionedAfterDays,
        });
        const features = pointInTimeFeatures(series, from, windowDays);
        rows += await upsertFeatures(deps.db, warehouse, features, version);
        ctx.heartbeat({ done: i + 1, of: warehouses.length });
      }
      return { from, warehouses: warehouses.length, rows, featureVersion: version };
    },
  };
}
