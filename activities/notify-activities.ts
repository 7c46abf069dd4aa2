/**
 * Notify: deliver each open anomaly's alert exactly once — claim, reconcile what an earlier attempt may have
 * posted, post, record — then attach charts, and edit alerts whose day was restated. Also the one-off notices:
 * late data and stage failures. The transport is Slack or the outbox; this logic is the same for both.
 */
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { runUrl } from '../schemas/links';
import { withHeartbeat } from './heartbeat';
import type { AlertRoute } from '../schemas/slack-config';
import {
  buildAlertMessage,
  buildFailureMessage,
  buildLateDataMessage,
  type AlertAnomaly,
  type AlertMessage,
} from './slack/block-kit';
import { renderChartPng } from './slack/chart';
import { groupByChannel } from './slack/routing';
import { isChannelConfigError, SlackConfigError, SlackUnavailableError } from './slack/slack-errors';
import { messageKeys, parseSlackRef, type AlertTransport, type ChartImage } from './slack/transport';
import { listAnomalies, type AnomalyRow } from './store/anomaly-store';
import { chartDays } from './store/chart-store';
import type { Db } from './store/database';
import {
  alertAnomalies,
  alertKey,
  alertsWithoutChart,
  claimAlerts,
  markAlertsSent,
  markAlertsUpdated,
  markChartsAttached,
  messageContent,
  messagesWithStaleCauses,
  recordCausesShown,
  restatedAlerts,
  unalertedAnomalies,
  type ClaimedAlert,
} from './store/notification-store';
import { muteSnoozedAnomalies } from './store/snooze-store';

export interface NotifyDeps {
  db: Db;
  transport: AlertTransport;
  /** Default channel and per-warehouse routes. */
  alerts: { channel: string; routes: AlertRoute[] };
  webUiUrl: string;
  namespace: string;
  /** Feature version the charts read expected values from. */
  featureVersion: string;
  /** Render and attach a chart per alert (default true). */
  charts?: boolean;
}

/** Slack allows 50 blocks per message; an anomaly takes up to 3 (plus header and footer), so at most this many. */
export const ANOMALIES_PER_MESSAGE = 15;

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
  /** Alerts already sent whose day was restated: their messages were edited in place. */
  updated: number;
  /** Anomalies not alerted because their warehouse is snoozed. */
  snoozed: number;
  /** Messages posted this time (including one an earlier attempt of this delivery posted and this one found). */
  messages: number;
  /** Where the first new message went (outbox file or Slack reference); null when nothing was posted. */
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

export interface RefreshAlertCausesInput {
  /** Anomalies whose causes were just found (or changed). */
  anomalyIds: number[];
}

export interface FailureAlertInput {
  /** The stage that failed (`ingest`, `features`, …, or `pipeline`). */
  stage: string;
  /** The root cause's message, as the workflow saw it after the retries. */
  error: string;
  asOf: string;
  workflowId: string;
  runId: string;
  /** When the run started: a notice an earlier attempt posted is newer. */
  runStartedAt: string;
}

export function createNotifyActivities(deps: NotifyDeps) {
  const link = (workflowId: string, runId: string) => runUrl(deps.webUiUrl, deps.namespace, workflowId, runId);

  /** Post a one-off notice unless a message with its key is already in the channel (since `since`). */
  async function deliverOnce(message: AlertMessage, label: string, since: Date): Promise<string> {
    const [key] = messageKeys(message);
    const posted = await deps.transport.findPosted(deps.alerts.channel, [key], since);
    return posted.get(key) ?? deps.transport.post(deps.alerts.channel, message, label);
  }

  return {
    /** Tell the owners a day's data was late and the run went ahead without it (one notice per day, ever). */
    async sendLateDataNotice(input: LateDataNoticeInput): Promise<{ destination: string }> {
      const message = buildLateDataMessage(
        input.asOf,
        input.missing,
        `late-data:${input.asOf}`,
        link(input.workflowId, input.runId),
      );
      const destination = await retryable(() =>
        deliverOnce(message, `late-data-${input.asOf}`, new Date(`${input.asOf}T00:00:00Z`)),
      );
      Context.current().log.info('late data notice delivered', { destination, missing: input.missing });
      return { destination };
    },

    /** Tell the owners a stage failed after its retries: what, why, and where to look (once per run). */
    async sendFailureAlert(input: FailureAlertInput): Promise<{ destination: string }> {
      const message = buildFailureMessage({
        ...input,
        key: `failure:${input.workflowId}:${input.runId}`,
        runUrl: link(input.workflowId, input.runId),
      });
      const destination = await retryable(() =>
        deliverOnce(message, `failure-${input.asOf}-${input.stage}`, new Date(input.runStartedAt)),
      );
      Context.current().log.warn('failure alert delivered', { destination, stage: input.stage });
      return { destination };
    },

    /**
     * Show the causes now recorded on these anomalies in the alerts already posted for them: each message is
     * re-rendered from the ledger and edited in place. Messages that already show these causes are left alone, so
     * a retry (or a second call) edits nothing. Returns how many messages were edited.
     */
    async refreshAlertCauses(input: RefreshAlertCausesInput): Promise<number> {
      return retryable(async () => {
        let edited = 0;
        for (const ref of await messagesWithStaleCauses(deps.db, input.anomalyIds)) {
          // An alert that went out through another transport (an outbox file before Slack was configured) stays as
          // it is rather than failing the run over and over.
          if (!canEdit(deps.transport, ref)) {
            Context.current().log.warn('alert cannot be edited by this transport; cause not added', { ref });
            continue;
          }
          if (await refreshMessage(deps.db, deps.transport, ref)) edited += 1;
        }
        if (edited > 0) Context.current().log.info('causes added to posted alerts', { messages: edited });
        return edited;
      });
    },

    /** Alert every open anomaly dated from … to that has not been alerted yet; edit alerts of restated days. */
    async sendAnomalyAlerts(input: SendAlertsInput): Promise<SendAlertsResult> {
      return retryable(async () => {
        const snoozed = await muteSnoozedAnomalies(deps.db, input.from, input.to);
        const open = (await listAnomalies(deps.db, input.from, input.to)).filter((a) => a.status === 'open');
        const pending = await unalertedAnomalies(deps.db, input.from, input.to);
        const updated = await updateRestatedAlerts(deps, input);
        const runLink = link(input.workflowId, input.runId);
        const refs: string[] = [];
        const alerted: AnomalyRow[] = [];
        // A channel the bot cannot post to (not invited, archived, misspelt in a route) must not silence the
        // others: their alerts go out, then the run fails, non-retryably, saying what to fix.
        const blocked: SlackConfigError[] = [];
        for (const [channel, items] of groupByChannel(pending, deps.alerts.routes, deps.alerts.channel)) {
          try {
            for (let i = 0; i < items.length; i += ANOMALIES_PER_MESSAGE) {
              const chunk = items.slice(i, i + ANOMALIES_PER_MESSAGE);
              const claimed = await claimAlerts(deps.db, chunk, channel, runLink);
              const sent = await deliverAlerts(deps, channel, claimed, runLink, `alert-${input.to}`);
              refs.push(...sent.posted);
              alerted.push(...claimed.map((c) => c.anomaly));
            }
          } catch (err) {
            if (!isChannelConfigError(err)) throw err;
            blocked.push(err);
          }
        }
        if (deps.charts !== false) await attachMissingCharts(deps, input.from, input.to);
        if (blocked.length > 0) {
          const [first] = blocked;
          throw new SlackConfigError(blocked.map((e) => e.message).join('\n'), first.slackError, first.method);
        }
        const lines = alerted.map(
          (a) => `${a.warehouse} ${a.usageDate}: ${a.actual.toFixed(1)} credits vs ${a.expected.toFixed(1)} expected`,
        );
        if (alerted.length > 0) {
          Context.current().log.info('anomaly alerts delivered', {
            transport: deps.transport.kind,
            alerted: alerted.length,
            messages: refs.length,
          });
        }
        return {
          alerted: alerted.length,
          alreadyAlerted: open.length - alerted.length,
          updated,
          snoozed: snoozed.length,
          messages: refs.length,
          destination: refs[0] ?? null,
          lines,
        };
      });
    },
  };
}

/**
 * Deliver one message's worth of claimed alerts to a channel. Alerts an earlier attempt may have posted (the
 * process died between the post and the record) are looked up by their idempotency keys first and recorded
 * with the message found, so they are not posted twice.
 */
async function deliverAlerts(
  deps: NotifyDeps,
  channel: string,
  claimed: ClaimedAlert[],
  runLink: string,
  label: string,
): Promise<{ posted: string[] }> {
  let toPost = claimed;
  let reconciled: string[] = [];
  const retried = claimed.filter((c) => c.attempts > 1);
  if (retried.length > 0) {
    const since = new Date(Math.min(...retried.map((c) => c.claimedAt.getTime())));
    const found = await deps.transport.findPosted(
      channel,
      retried.map((c) => alertKey(c.anomaly)),
      since,
    );
    const byRef = new Map<string, AnomalyRow[]>();
    for (const c of retried) {
      const ref = found.get(alertKey(c.anomaly));
      if (ref) byRef.set(ref, [...(byRef.get(ref) ?? []), c.anomaly]);
    }
    for (const [ref, anomalies] of byRef) {
      await markAlertsSent(deps.db, anomalies, ref);
      Context.current().log.info('reconciled an alert posted by an earlier attempt', { ref, alerts: anomalies.length });
    }
    // An earlier attempt of this delivery posted these: they count as this run's messages.
    reconciled = [...byRef.keys()];
    toPost = claimed.filter((c) => !found.has(alertKey(c.anomaly)));
  }
  if (toPost.length === 0) return { posted: reconciled };
  const anomalies = toPost.map((c) => c.anomaly);
  const message = buildAlertMessage(await alertAnomalies(deps.db, anomalies), anomalies.map(alertKey), runLink);
  const ref = await deps.transport.post(channel, message, label);
  await markAlertsSent(deps.db, anomalies, ref);
  return { posted: [...reconciled, ref] };
}

/**
 * Alerts whose day Snowflake restated since they were sent: each message is re-rendered from the ledger (new
 * numbers, what it said before) and edited in place — never a second alert. Returns how many alerts changed.
 */
async function updateRestatedAlerts(deps: NotifyDeps, input: SendAlertsInput): Promise<number> {
  const restated = await restatedAlerts(deps.db, input.from, input.to);
  if (restated.length === 0) return 0;
  const refs = [...new Set(restated.flatMap((r) => (r.messageRef ? [r.messageRef] : [])))];
  for (const ref of refs) {
    const here = restated.filter((r) => r.messageRef === ref);
    // Edit first, record after: a failed edit is retried, never recorded as done.
    const was = new Map(here.map((r) => [r.anomaly.id, r.before.original ?? r.before]));
    await refreshMessage(deps.db, deps.transport, ref, was);
    await markAlertsUpdated(deps.db, here);
  }
  await markAlertsUpdated(
    deps.db,
    restated.filter((r) => !r.messageRef),
  );
  Context.current().log.info('restated alerts edited in place', { alerts: restated.length, messages: refs.length });
  return restated.length;
}

/**
 * Whether `transport` can edit the message `ref`: a Slack message needs the Slack transport (a token); an outbox
 * file needs the outbox transport and the file on this machine.
 */
export function canEdit(transport: AlertTransport, ref: string): boolean {
  if (parseSlackRef(ref)) return transport.kind === 'slack';
  return transport.kind === 'outbox' && fs.existsSync(ref);
}

/**
 * Re-render a posted alert message from the ledger and edit it in place, recording which causes it now shows.
 * `was` overrides what the ledger says an alert first said (for a restatement being recorded). Returns false when
 * no alert went out in that message.
 */
export async function refreshMessage(
  db: Db,
  transport: AlertTransport,
  ref: string,
  was: ReadonlyMap<number, AlertAnomaly['was']> = new Map(),
): Promise<boolean> {
  const content = await messageContent(db, ref);
  if (!content) return false;
  const items = content.items.map((item) =>
    item.id !== undefined && was.has(item.id) ? { ...item, was: was.get(item.id) } : item,
  );
  await transport.update(ref, buildAlertMessage(items, content.keys, content.runUrl));
  await recordCausesShown(
    db,
    new Map(
      content.items.flatMap((item) => (item.id === undefined ? [] : [[item.id, item.causes?.explainedAt ?? null]])),
    ),
  );
  return true;
}

/** Render and attach the chart of every sent alert from … to that has none yet (one upload per message). */
async function attachMissingCharts(deps: NotifyDeps, from: string, to: string): Promise<void> {
  const missing = await alertsWithoutChart(deps.db, from, to);
  const byRef = new Map<string, AnomalyRow[]>();
  for (const m of missing) byRef.set(m.messageRef, [...(byRef.get(m.messageRef) ?? []), m.anomaly]);
  for (const [ref, anomalies] of byRef) {
    const charts: ChartImage[] = [];
    for (const a of anomalies) {
      const days = await chartDays(deps.db, a.warehouse, a.usageDate, deps.featureVersion);
      const { png } = await renderChartPng({ warehouse: a.warehouse, days, focus: a.usageDate });
      charts.push({
        filename: `${a.warehouse}-${a.usageDate}.png`.replace(/[^A-Za-z0-9._-]/g, '_'),
        title: `${a.warehouse}: credits per day up to ${a.usageDate}`,
        png,
      });
    }
    const chartRef = await deps.transport.attachCharts(ref, charts);
    await markChartsAttached(
      deps.db,
      anomalies.map((a) => a.id),
      chartRef || 'none',
    );
  }
}

/** A rate limit longer than the in-call wait becomes a retry after exactly the delay Slack asked for. */
async function retryable<T>(work: () => Promise<T>): Promise<T> {
  try {
    // Heartbeat while delivering: a worker that dies mid-delivery is noticed within the heartbeat timeout, and
    // the retry reconciles what it had posted.
    return await withHeartbeat(Context.current(), () => ({ delivering: true }), work);
  } catch (err) {
    if (err instanceof SlackUnavailableError && err.retryAfterSeconds !== undefined) {
      throw ApplicationFailure.create({
        type: err.name,
        message: err.message,
        nextRetryDelay: `${err.retryAfterSeconds}s`,
      });
    }
    throw err;
  }
}
