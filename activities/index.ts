/**
 * All activities, built from injected clients. Workflows import only the *type* of this factory's result.
 */
import type { OpenSource } from './activity-source';
import { createAttributionActivities } from './attribution-activities';
import { createFeatureActivities } from './feature-activities';
import { createIngestActivities } from './ingest-activities';
import { createLaunchActivities } from './launch-activities';
import { createPipelineDayActivities } from './pipeline-day-activities';
import { createReadinessActivities } from './readiness-activities';
import type { Client } from '@temporalio/client';
import { createNotifyActivities } from './notify-activities';
import { createScoreActivities } from './score-activities';
import { createSnoozeActivities } from './snooze-activities';
import { DETECTION_DEFAULTS, type DetectionSettings } from '../schemas/detection-config';
import type { PriceSettings } from '../schemas/snowflake-config';
import { DEFAULT_ALERT_CHANNEL, type AlertSettings } from '../schemas/slack-config';
import { featureVersion } from './ml/features';
import { createAlertTransport } from './slack/create-transport';
import type { AlertTransport } from './slack/transport';
import type { Db } from './store/database';
import { createTrainActivities } from './train-activities';

export interface ActivityDeps {
  db: Db;
  openSource: OpenSource;
  defaultSource: string;
  outboxDir: string;
  webUiUrl: string;
  namespace: string;
  /** Detection settings (default: DETECTION_DEFAULTS). */
  detection?: DetectionSettings;
  /** Fallback price per credit when the source has no billing data. */
  prices?: PriceSettings;
  /** Lets `scheduledPipeline` start the day's pipeline under its business id. */
  temporalClient?: Client;
  /** Where alerts go (default: the outbox, default channel, no routes). */
  alerts?: AlertSettings;
  /** Overrides the transport `alerts` implies (tests). */
  transport?: AlertTransport;
  /** Attach a chart to each alert (default true). */
  charts?: boolean;
}

export function createActivities(deps: ActivityDeps) {
  const detection = deps.detection ?? DETECTION_DEFAULTS;
  const alerts = deps.alerts ?? { channel: DEFAULT_ALERT_CHANNEL, routes: [], slack: undefined };
  return {
    ...createIngestActivities(deps),
    ...createReadinessActivities(deps),
    ...createPipelineDayActivities(deps),
    ...createFeatureActivities({ db: deps.db, detection }),
    ...createTrainActivities({ db: deps.db, detection }),
    ...createScoreActivities({
      db: deps.db,
      detection,
      prices: deps.prices ?? { pricePerCredit: undefined, currency: 'USD' },
    }),
    ...createNotifyActivities({
      db: deps.db,
      transport: deps.transport ?? createAlertTransport(alerts, deps.outboxDir),
      alerts,
      webUiUrl: deps.webUiUrl,
      namespace: deps.namespace,
      featureVersion: featureVersion(detection.windowDays),
      charts: deps.charts,
    }),
    ...createAttributionActivities(deps),
    ...createLaunchActivities(deps),
    ...createSnoozeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
