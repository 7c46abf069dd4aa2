/** `snowpatrol anomalies` and `anomalies feedback`: the state database directly. */
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
    printResult(
      opts.json,
      { anomalyId: opts.id, feedbackId, verdict: opts.verdict },
      `Recorded ${opts.verdict} for anomaly ${opts.id}` +
        (opts.verdict === 'confirmed' ? '.' : '; the day leaves the next training set.'),
    );
  });
}
