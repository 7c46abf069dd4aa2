/** `snowpatrol anomalies` and `anomalies feedback`: the state database directly. */
import { canEdit, refreshMessage } from '../../activities/notify-activities';
import { createAlertTransport } from '../../activities/slack/create-transport';
import { alertOf } from '../../activities/store/notification-store';
import type { Db } from '../../activities/store/database';
import { listAnomalies } from '../../activities/store/anomaly-store';
import { recordFeedback, type FeedbackVerdict } from '../../activities/store/feedback-store';
import type { Config } from '../../schemas/config';
import { withDatabase } from '../app';
import { printResult } from '../options';
import { anomaliesTable } from '../report';

export async function anomaliesCommand(
  config: Config,
  opts: { from: string; to: string; json: boolean },
): Promise<void> {
  if (opts.from > opts.to) throw new Error(`--from ${opts.from} is after --to ${opts.to}`);
  await withDatabase(config, async (db) => {
    const rows = await listAnomalies(db, opts.from, opts.to);
    printResult(opts.json, rows, () => anomaliesTable(rows));
  });
}

/** `snowpatrol anomalies feedback <id> <verdict>`: record what a person said about an anomaly. */
export async function anomalyFeedbackCommand(
  config: Config,
  opts: { id: number; verdict: FeedbackVerdict; author: string; comment?: string; json: boolean },
): Promise<void> {
  await withDatabase(config, async (db) => {
    const feedbackId = await recordFeedback(db, {
      anomalyId: opts.id,
      verdict: opts.verdict,
      author: opts.author,
      comment: opts.comment,
    });
    if (feedbackId === undefined) throw new Error(`no anomaly with id ${opts.id} (see \`snowpatrol anomalies\`)`);
    const edited = await refreshAlertOf(config, db, opts.id);
    printResult(
      opts.json,
      { anomalyId: opts.id, feedbackId, verdict: opts.verdict, alertEdited: edited },
      `Recorded ${opts.verdict} for anomaly ${opts.id}` +
        (opts.verdict === 'confirmed' ? '.' : '; the day leaves the next training set.') +
        (edited ? ' Its alert now says so.' : ''),
    );
  });
}

/**
 * Show a verdict given here in the anomaly's alert too, when the alert went out through the transport this
 * configuration has (a Slack message needs SLACK_BOT_TOKEN; an outbox file needs to be on this machine).
 */
async function refreshAlertOf(config: Config, db: Db, anomalyId: number): Promise<boolean> {
  const alert = await alertOf(db, anomalyId);
  if (!alert) return false;
  const transport = createAlertTransport(config.alerts, config.outboxDir);
  return canEdit(transport, alert.messageRef) && refreshMessage(db, transport, alert.messageRef);
}
