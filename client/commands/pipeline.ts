/** `snowpatrol run` and `snowpatrol demo`: the pipeline for one day, with an in-process worker by default. */
import { listAnomalies } from '../../activities/store/anomaly-store';
import path from 'node:path';
import { addDays } from '../../schemas/dates';
import type { NotifyResult } from '../../schemas/results';
import type { Config } from '../../schemas/config';
import { withApp } from '../app';
import { checkLocalSource, progress } from '../options';
import { anomaliesTable, pipelineSummary } from '../report';
import { runPipeline } from '../run-pipeline';

export interface PipelineCommandOptions {
  asOf: string;
  source?: string;
  historyDays?: number;
  scoreDays?: number;
  notify: boolean;
  waitForData: boolean;
  attribution: boolean;
  rerun: boolean;
  worker: boolean;
  json: boolean;
}

export async function pipelineCommand(config: Config, opts: PipelineCommandOptions): Promise<void> {
  const started = Date.now();
  // With the worker in this process, a csv: export is read here: a bad one is named before the run starts.
  if (opts.worker) await checkLocalSource(opts.source ?? config.source, config);
  await withApp(config, { worker: opts.worker, log: progress }, async (app) => {
    const run = await runPipeline(
      app,
      {
        asOf: opts.asOf,
        source: opts.source,
        historyDays: opts.historyDays,
        scoreDays: opts.scoreDays,
        notify: opts.notify,
        waitForData: opts.waitForData,
        attribution: opts.attribution,
      },
      { rerun: opts.rerun, log: progress },
    );
    const from = addDays(opts.asOf, 1 - (opts.scoreDays ?? 1));
    const anomalies = await listAnomalies(app.database.db, from, opts.asOf);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ workflowId: run.workflowId, runId: run.runId, url: run.url, result: run.result, anomalies }, null, 2)}\n`,
      );
      return;
    }
    const out = [
      '',
      pipelineSummary(run.result),
      '',
      `Anomalies ${from} → ${opts.asOf}:`,
      anomaliesTable(anomalies),
      '',
      alertsLine(config, run.result.notify),
      `Web UI: ${run.url}`,
      app.temporal.description.startsWith('dev server started here')
        ? '  (the dev server stops with this command; `npm run dev-server` brings the Web UI back with this history)'
        : '',
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    ];
    process.stdout.write(`${out.filter((l, i) => l !== '' || out[i - 1] !== '').join('\n')}\n`);
  });
}

/** Where alerts go: Slack, or the outbox files (the demo path, no token). */
function alertsLine(config: Config, notify: NotifyResult | null): string {
  if (!notify) return 'Alerts: off (--no-notify)';
  return config.alerts.slack
    ? `Alerts: Slack (default channel ${config.alerts.channel}; buttons need \`snowpatrol slack\` running)`
    : `Alerts: ${path.relative(process.cwd(), config.outboxDir) || '.'}/ (Block Kit JSON + chart PNGs; set SLACK_BOT_TOKEN to post to Slack)`;
}
