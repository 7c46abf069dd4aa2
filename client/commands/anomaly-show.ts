/**
 * `snowpatrol anomalies show <id>`: one anomaly with everything known about it — its numbers, why the day cost
 * more (per dimension, and idle time), what people said about it, and where its alert went.
 */
import type { Command } from 'commander';
import { anomalyById, anomalyCauses, feedbackOf, type AnomalyRow } from '../../activities/store/anomaly-store';
import { attributionStates, type AttributionState } from '../../activities/store/cost-query-store';
import { listModels } from '../../activities/store/model-store';
import { notificationOf } from '../../activities/store/notification-store';
import type { AnomalyCauses } from '../../schemas/attribution';
import { loadConfig, type Config } from '../../schemas/config';
import { withDatabase } from '../app';
import { intArg, printResult } from '../options';
import { anomalyText } from '../report';

/** Where an anomaly's root cause stands. */
export type CauseStatus = 'explained' | 'not-attributed-yet' | 'attributed-not-explained' | 'no-query-data';

/** Why an anomaly has no cause, in words. */
export const CAUSE_STATUS_TEXT: Record<Exclude<CauseStatus, 'explained'>, string> = {
  'not-attributed-yet':
    "not attributed yet: Snowflake's query history does not cover the day yet (the alert gets the cause when it does)",
  'attributed-not-explained': 'not explained yet: the day is attributed; the next run works out the cause',
  'no-query-data': 'no query data for this source: attribution needs Snowflake query history (ACCOUNT_USAGE)',
};

/** What `anomalies show` prints (or, with --json, returns). */
export interface AnomalyDetails {
  anomaly: Omit<AnomalyRow, 'causes'>;
  /** The model version that found it. */
  model: { version: number; algorithm: string; trainedFrom: string; trainedTo: string; aliases: string[] } | null;
  causeStatus: CauseStatus;
  /** Why there is no cause, in words (null when there is one). */
  causeNote: string | null;
  causes: AnomalyCauses | null;
  feedback: { verdict: string; author: string; comment: string | null; at: string }[];
  alert: {
    channel: string;
    status: string;
    messageRef: string | null;
    sentAt: string | null;
    attempts: number;
  } | null;
}

/** Register `show <id>` on the `anomalies` command group. */
export function addAnomalyShowCommand(parent: Command): void {
  parent
    .command('show <id>')
    .description('one anomaly: its numbers, likely cause (by query tag, user, query hash; idle), feedback and alert')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o: { json: boolean }) =>
      anomalyShowCommand(loadConfig(), { id: intArg(1, 2 ** 31 - 1)(id), json: o.json }),
    );
}

export async function anomalyShowCommand(config: Config, opts: { id: number; json: boolean }): Promise<void> {
  await withDatabase(config, async (db) => {
    const row = await anomalyById(db, opts.id);
    if (!row) throw new Error(`no anomaly with id ${opts.id} (see \`snowpatrol anomalies\`)`);
    const causes = anomalyCauses(row);
    const state = (await attributionStates(db, [row.usageDate])).get(row.usageDate);
    const alert = await notificationOf(db, row.id);
    const { causes: _stored, ...anomaly } = row;
    const status = causes ? 'explained' : causeStatus(state);
    const model = (await listModels(db)).find((m) => m.id === row.modelVersionId);
    const details: AnomalyDetails = {
      anomaly,
      model: model
        ? {
            version: model.version,
            algorithm: model.algorithm,
            trainedFrom: model.trainedFrom,
            trainedTo: model.trainedTo,
            aliases: model.aliases,
          }
        : null,
      causeStatus: status,
      causeNote: status === 'explained' ? null : CAUSE_STATUS_TEXT[status],
      causes,
      feedback: (await feedbackOf(db, row.id)).map((f) => ({
        verdict: f.verdict,
        author: f.author,
        comment: f.comment,
        at: f.createdAt.toISOString(),
      })),
      alert: alert
        ? {
            channel: alert.channel,
            status: alert.status,
            messageRef: alert.messageRef,
            sentAt: alert.sentAt?.toISOString() ?? null,
            attempts: alert.attempts,
          }
        : null,
    };
    printResult(opts.json, details, () => anomalyText(details));
  });
}

function causeStatus(state: AttributionState | undefined): CauseStatus {
  if (state === 'complete') return 'attributed-not-explained';
  if (state === 'no-query-data' || state === undefined) return 'no-query-data';
  return 'not-attributed-yet';
}
