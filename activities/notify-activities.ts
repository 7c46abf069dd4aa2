/** Notify: deliver each open anomaly's alert exactly once (claim → deliver → mark sent). */
import { Context } from '@temporalio/activity';
import { runUrl } from '../schemas/links';
import { buildAlertMessage } from './slack/block-kit';
import { writeOutboxMessage } from './report/outbox';
import { listAnomalies } from './store/anomaly-store';
import type { Db } from './store/database';
import { alertKey, claimAlerts, markAlertsSent, unalertedAnomalies } from './store/notification-store';

export interface NotifyDeps {
  db: Db;
  outboxDir: string;
  webUiUrl: string;
  namespace: string;
}

export interface SendAlertsInput {
  from: string;
  to: string;
  /** The run to link to (the pipeline, when started by it). */
  workflowId: string;
  runId: string;
}

export interface SendAlertsResult {
  alerted: number;
  alreadyAlerted: number;
  destination: string | null;
  /** Alerted warehouse-days, for the caller's summary. */
  lines: string[];
}

export function createNotifyActivities(deps: NotifyDeps) {
  return {
    /** Alert every open anomaly dated from … to that has not been alerted yet, in one message. */
    async sendAnomalyAlerts(input: SendAlertsInput): Promise<SendAlertsResult> {
      const open = (await listAnomalies(deps.db, input.from, input.to)).filter((a) => a.status === 'open');
      const pending = await unalertedAnomalies(deps.db, input.from, input.to);
      const claimed = await claimAlerts(deps.db, pending, 'outbox');
      const alreadyAlerted = open.length - claimed.length;
      if (claimed.length === 0) return { alerted: 0, alreadyAlerted, destination: null, lines: [] };
      const keys = claimed.map(alertKey);
      const link = runUrl(deps.webUiUrl, deps.namespace, input.workflowId, input.runId);
      const message = buildAlertMessage(claimed, keys, link);
      const file = await writeOutboxMessage(deps.outboxDir, `alert-${input.to}`, keys, message);
      await markAlertsSent(
        deps.db,
        claimed.map((a) => a.id),
        file,
      );
      const lines = claimed.map(
        (a) => `${a.warehouse} ${a.usageDate}: ${a.actual.toFixed(1)} credits vs ${a.expected.toFixed(1)} expected`,
      );
      Context.current().log.info('anomaly alert written to outbox', { file, alerted: claimed.length });
      return { alerted: claimed.length, alreadyAlerted, destination: file, lines };
    },
  };
}
