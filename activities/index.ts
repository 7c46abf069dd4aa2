/**
 * All activities, built from injected clients. Workflows import only the *type* of this factory's result.
 */
import { createFeatureActivities } from './feature-activities';
import { createIngestActivities } from './ingest-activities';
import { createLaunchActivities } from './launch-activities';
import type { Client } from '@temporalio/client';
import { createNotifyActivities } from './notify-activities';
import { createScoreActivities } from './score-activities';
import type { MeteringSource } from './sources';
import type { PriceSettings } from '../schemas/snowflake-config';
import type { Db } from './store/database';
import { createTrainActivities } from './train-activities';

export interface ActivityDeps {
  db: Db;
  openSource(spec: string, context?: { queryTag: string; warn?: (message: string) => void }): MeteringSource;
  defaultSource: string;
  outboxDir: string;
  webUiUrl: string;
  namespace: string;
  /** Trailing days each point-in-time decomposition uses. */
  windowDays?: number;
  modelParams?: { nEstimators: number; seed: number };
  minTrainingDays?: number;
  /** Fallback price per credit when the source has no billing data. */
  prices?: PriceSettings;
  /** Lets `scheduledPipeline` start the day's pipeline under its business id. */
  temporalClient?: Client;
}

export function createActivities(deps: ActivityDeps) {
  const windowDays = deps.windowDays ?? 28;
  return {
    ...createIngestActivities(deps),
    ...createFeatureActivities({ db: deps.db, windowDays }),
    ...createTrainActivities({
      db: deps.db,
      windowDays,
      modelParams: deps.modelParams ?? { nEstimators: 100, seed: 42 },
      minTrainingDays: deps.minTrainingDays ?? 28,
    }),
    ...createScoreActivities({
      db: deps.db,
      windowDays,
      prices: deps.prices ?? { pricePerCredit: undefined, currency: 'USD' },
    }),
    ...createNotifyActivities(deps),
    ...createLaunchActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
