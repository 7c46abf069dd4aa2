/** Notify: deliver each open anomaly's alert exactly once (claim → deliver → mark sent). */
import { Context } from '@temporalio/activity';
import { runUrl } from '../schemas/links';
import { buildAlertMessage, buildAlertUpdateMessage, buildLateDataMessage } from './slack/block-kit';
import { findOutboxMessage, writeOutboxMessage } from './report/outbox';
import { listAnomalies } from './store/anomaly-store';
import type { Db } from './store/database';
import { sha256 } from './ml/isolation-forest';
import {
  alertedEvidence,
  alertKey,
  claimAlerts,
  markAlertsSent,
  markAlertsUpdated,
  restatedAlerts,
  unalertedAnomalies,
} from './store/notification-store';

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
  /** Alerts already sent whose day was restated: their update went out (the outbox's chat.update). */
  updated: number;
  destination: string | null;
  /** Alerted warehouse-days, for the caller's summary. */
  lines: string[];
}

export interface LateDataNoticeInput {
  asOf: string;
  missing: string[];
  workflowId: string;
  runId: string;
}

export function createNotifyActivities(deps: NotifyDeps) {
  return {
    /** Tell the owners a day's data was late and the run went ahead without it (one notice per day, ever). */
    async sendLateDataNotice(input: LateDataNoticeInput): Promise<{ destination: string }> {
      const key = `late-data:${input.asOf}`;
      const existing = await findOutboxMessage(deps.outboxDir, `late-data-${input.asOf}`, [key]);
      if (existing) return { destination: existing }; // a re-run of a late day does not tell the owners twice
      const link = runUrl(deps.webUiUrl, deps.namespace, input.workflowId, input.runId);
      const message = buildLateDataMessage(input.asOf, input.missing, key, link);
      const file = await writeOutboxMessage(deps.outboxDir, `late-data-${input.asOf}`, [key], message);
      Context.current().log.info('late data notice written to outbox', { file, missing: input.missing });
      return { destination: file };
    },

    /** Alert every open anomaly dated from … to that has not been alerted yet, in one message. */
    async sendAnomalyAlerts(input: SendAlertsInput): Promise<SendAlertsResult> {
      const open = (await listAnomalies(deps.db, input.from, input.to)).filter((a) => a.status === 'open');
      const pending = await unalertedAnomalies(deps.db, input.from, input.to);
      const claimed = await claimAlerts(deps.db, pending, 'outbox');
      const alreadyAlerted = open.length - claimed.length;
      const link = runUrl(deps.webUiUrl, deps.namespace, input.workflowId, input.runId);
      const updated = await updateRestatedAlerts(deps, input, link);
      if (claimed.length === 0) return { alerted: 0, alreadyAlerted, updated, destination: null, lines: [] };
      const keys = claimed.map(alertKey);
      const message = buildAlertMessage(claimed, keys, link);
      const file = await writeOutboxMessage(deps.outboxDir, `alert-${input.to}`, keys, message);
      await markAlertsSent(deps.db, claimed, file);
      const lines = claimed.map(
        (a) => `${a.warehouse} ${a.usageDate}: ${a.actual.toFixed(1)} credits vs ${a.expected.toFixed(1)} expected`,
      );
      Context.current().log.info('anomaly alert written to outbox', { file, alerted: claimed.length });
      return { alerted: claimed.length, alreadyAlerted, updated, destination: file, lines };
    },
  };
}

/**
 * Alerts whose day was restated since they were sent get one update message with the same idempotency keys,
 * the new numbers and what the alert said before — never a second alert. Returns how many were updated.
 */
async function updateRestatedAlerts(deps: NotifyDeps, input: SendAlertsInput, link: string): Promise<number> {
  const restated = await restatedAlerts(deps.db, input.from, input.to);
  if (restated.length === 0) return 0;
  const keys = restated.map((r) => alertKey(r.anomaly));
  const message = buildAlertUpdateMessage(restated, keys, link);
  // Named by the keys and the new evidence: the same restatement retried rewrites one file.
  const revision = sha256(JSON.stringify(restated.map((r) => alertedEvidence(r.anomaly)))).slice(0, 8);
  const file = await writeOutboxMessage(deps.outboxDir, `alert-update-${input.to}-${revision}`, keys, message);
  await markAlertsUpdated(
    deps.db,
    restated.map((r) => r.anomaly),
  );
  Context.current().log.info('restated alerts updated in the outbox', { file, updated: restated.length });
  return restated.length;
}
