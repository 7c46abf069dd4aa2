/**
 * The `snowpatrol` command line. Every command has `--help`; machine output with `--json`.
 * Exit status: 0 on success, 1 with a one-line reason on failure (bad flags too: commander names the flag and the
 * usage hint follows), 3 from `check-data` when days are missing.
 */
import { Command, Option } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { ConfigError, loadConfig } from '../schemas/config';
import { DEFAULTS } from '../schemas/inputs';
import { installRuntime } from '../worker/runtime';
import { checkDataCommand } from './commands/check-data';
import { dataReadyCommand } from './commands/data-ready';
import { statusCommand } from './commands/status';
import { applyCommand, backfillCommand, describeCommand, listCommand, operateCommand } from './commands/schedules';
import { addCodecServerCommand } from './commands/codec-server';
import { addAnomalyShowCommand } from './commands/anomaly-show';
import { addCostsCommand } from './commands/costs';
import { addReportCommand } from './commands/report';
import { devServerCommand } from './commands/dev-server';
import { ingestCommand } from './commands/ingest';
import { pipelineCommand } from './commands/pipeline';
import { backtestCommand, type BacktestOptions } from './commands/backtest';
import { modelsListCommand, modelsPromoteCommand, modelsRollbackCommand, modelsShowCommand } from './commands/models';
import { anomaliesCommand, anomalyFeedbackCommand } from './commands/queries';
import { installReplayRuntime, replayCommand } from './commands/replay';
import { workerCommand } from './commands/worker';
import { slackCommand, snoozeCommand } from './commands/slack';
import { dateArg, directionsArg, intArg, sourceArg, verdictArg, versionArg, yesterday } from './options';
import { addDays } from '../schemas/dates';

type BacktestCliOptions = Omit<BacktestOptions, 'source' | 'from' | 'to'> & {
  source?: string;
  from?: string;
  to?: string;
};

/** The command tree (exported so tests can run commands in-process). */
export function program(): Command {
  const cli = new Command('snowpatrol')
    .description('Find anomalies in Snowflake spend and tell the owners — a Temporal worker and its CLI.')
    .showHelpAfterError('(add --help for usage)');

  cli
    .command('demo')
    .description('run the whole pipeline on the built-in demo organisation with embedded defaults')
    .option('--as-of <date>', 'day to process (default: yesterday, UTC)', dateArg)
    .option('--score-days <n>', 'days scored, ending at --as-of', intArg(1, 366), 28)
    .option('--json', 'print the result as JSON', false)
    .action(async (o: { asOf?: string; scoreDays: number; json: boolean }) => {
      installRuntime('WARN');
      await pipelineCommand(loadConfig(), {
        asOf: o.asOf ?? yesterday(),
        source: 'demo',
        historyDays: 180,
        scoreDays: o.scoreDays,
        notify: true,
        waitForData: true,
        attribution: true,
        rerun: true,
        worker: true,
        json: o.json,
      });
    });

  cli
    .command('run')
    .description('run the pipeline for one day (ingest → features → train → score → notify)')
    .option('--as-of <date>', 'day to process (default: yesterday, UTC)', dateArg)
    .option(
      '--source <spec>',
      'snowflake | demo | csv:PATH (default: SNOWPATROL_SOURCE, else snowflake when configured, else demo)',
      sourceArg,
    )
    .option('--history-days <n>', 'days of history loaded on a first run', intArg(14, 1460), DEFAULTS.historyDays)
    .option('--score-days <n>', 'days scored, ending at --as-of', intArg(1, 366), DEFAULTS.scoreDays)
    .option('--no-notify', 'do not send alerts')
    .option('--no-wait-for-data', 'do not wait for Snowflake to publish the day; load what exists now')
    .option('--no-attribution', 'do not attribute query cost or look for causes')
    .option('--rerun', 'run again even if this day already completed', false)
    .option('--no-worker', 'do not run a worker in this process (use the workers on TEMPORAL_ADDRESS)')
    .option('--json', 'print the result as JSON', false)
    .action(
      async (o: {
        asOf?: string;
        source?: string;
        historyDays: number;
        scoreDays: number;
        notify: boolean;
        waitForData: boolean;
        attribution: boolean;
        rerun: boolean;
        worker: boolean;
        json: boolean;
      }) => {
        installRuntime('WARN');
        await pipelineCommand(loadConfig(), { ...o, asOf: o.asOf ?? yesterday() });
      },
    );

  cli
    .command('ingest')
    .description('load warehouse metering from a source into the database')
    .addOption(new Option('--source <spec>', 'snowflake | demo | csv:PATH').argParser(sourceArg).makeOptionMandatory())
    .option('--from <date>', 'first day (default: planned from what is already loaded)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--json', 'print the result as JSON', false)
    .action(async (o: { source: string; from?: string; to?: string; json: boolean }) => {
      installRuntime('WARN');
      await ingestCommand(loadConfig(), { ...o, to: o.to ?? yesterday() });
    });

  cli
    .command('check-data')
    .description('report days not fully loaded from a source, with the command that back-fills them (exit 3 if any)')
    .option('--source <spec>', 'snowflake | demo | csv:PATH (default: SNOWPATROL_SOURCE)', sourceArg)
    .option('--from <date>', 'first day (default: 120 days before --to)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--json', 'print JSON', false)
    .action(async (o: { source?: string; from?: string; to?: string; json: boolean }) => {
      const config = loadConfig();
      const to = o.to ?? yesterday();
      await checkDataCommand(config, {
        source: o.source ?? config.source,
        from: o.from ?? addDays(to, 1 - DEFAULTS.historyDays),
        to,
        json: o.json,
      });
    });

  cli
    .command('backtest')
    .description('replay what the nightly runs would have flagged over a range, point in time (no Temporal needed)')
    .option('--source <spec>', 'snowflake | demo | csv:PATH (default: SNOWPATROL_SOURCE)', sourceArg)
    .option('--from <date>', 'first day judged (default: 365 days before --to)', dateArg)
    .option('--to <date>', 'last day judged (default: yesterday, UTC)', dateArg)
    .option('--training-days <n>', 'days each model trains on', intArg(14, 730), DEFAULTS.trainingDays)
    .option('--retrain-every <n>', 'days between retrainings (1 = nightly, as the pipeline does)', intArg(1, 365), 7)
    .option('--directions <which>', 'spikes | drops | both (default: SNOWPATROL_ALERT_DIRECTIONS)', directionsArg)
    .option('--labels <csv>', 'labelled anomalies (warehouse,usage_date[,direction]) for precision/recall')
    .option('--no-compare', "do not run SnowPatrol's method beside")
    .option('--json', 'print the flagged days as a JSON array', false)
    .action(async (o: BacktestCliOptions) => {
      const config = loadConfig();
      const to = o.to ?? yesterday();
      await backtestCommand(config, { ...o, source: o.source ?? config.source, from: o.from ?? addDays(to, -364), to });
    });

  const anomalies = cli.command('anomalies').description('recorded anomalies and feedback on them');
  anomalies
    .command('list', { isDefault: true })
    .description('list recorded anomalies (the default)')
    .option('--from <date>', 'first day (default: 30 days before --to)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--json', 'print JSON', false)
    .action(async (o: { from?: string; to?: string; json: boolean }) => {
      const to = o.to ?? yesterday();
      await anomaliesCommand(loadConfig(), { from: o.from ?? addDays(to, -29), to, json: o.json });
    });
  anomalies
    .command('feedback <id> <verdict>')
    .description('record a verdict: confirmed | false_positive | expected_change (the last two leave training)')
    .option('--author <name>', 'who says so (default: $USER)')
    .option('--comment <text>', 'why')
    .option('--json', 'print JSON', false)
    .action(async (id: string, verdict: string, o: { author?: string; comment?: string; json: boolean }) => {
      await anomalyFeedbackCommand(loadConfig(), {
        id: intArg(1, 2 ** 31 - 1)(id),
        verdict: verdictArg(verdict),
        author: o.author ?? process.env.USER ?? 'unknown',
        comment: o.comment,
        json: o.json,
      });
    });

  addAnomalyShowCommand(anomalies);

  const models = cli.command('models').description('model versions and their champion/latest aliases');
  models
    .command('list', { isDefault: true })
    .description('list model versions and their aliases (the default)')
    .option('--warehouse <name>', 'only this warehouse (ACCOUNT.WAREHOUSE)')
    .option('--json', 'print JSON', false)
    .action(async (o: { warehouse?: string; json: boolean }) => modelsListCommand(loadConfig(), o));
  models
    .command('show <warehouse> [version]')
    .description('everything recorded about a version (default: the champion, else latest)')
    .option('--json', 'print JSON', false)
    .action(async (warehouse: string, version: string | undefined, o: { json: boolean }) =>
      modelsShowCommand(loadConfig(), { warehouse, version: version ? versionArg(version) : undefined, json: o.json }),
    );
  models
    .command('promote <warehouse> <version>')
    .description('make a version the champion that scoring uses')
    .option('--json', 'print JSON', false)
    .action(async (warehouse: string, version: string, o: { json: boolean }) =>
      modelsPromoteCommand(loadConfig(), { warehouse, version: versionArg(version), json: o.json }),
    );
  models
    .command('rollback <warehouse>')
    .description('move champion back to where it pointed before its last move')
    .option('--json', 'print JSON', false)
    .action(async (warehouse: string, o: { json: boolean }) =>
      modelsRollbackCommand(loadConfig(), { warehouse, ...o }),
    );

  cli
    .command('data-ready')
    .description("release the day's pipeline run from waiting for Snowflake to publish the data (dataReady signal)")
    .option('--as-of <date>', 'the run of this day (default: yesterday, UTC)', dateArg)
    .option('--by <name>', 'who releases it (default: $USER)')
    .option('--json', 'print JSON', false)
    .action(async (o: { asOf?: string; by?: string; json: boolean }) =>
      dataReadyCommand(loadConfig(), {
        asOf: o.asOf ?? yesterday(),
        by: o.by ?? `cli:${process.env.USER ?? 'unknown'}`,
        json: o.json,
      }),
    );

  cli
    .command('status <workflowId>')
    .description('where a pipeline run is: stage, stages done, warehouses trained (progress bars)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o: { json: boolean }) => statusCommand(loadConfig(), id, o));

  const schedules = cli.command('schedules').description('manage the Temporal schedules that replace cron');
  schedules
    .command('apply')
    .description(
      'create or update the schedules declared by SNOWPATROL_SCHEDULE_* (idempotent; keeps paused ones paused)',
    )
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => applyCommand(loadConfig(), o));
  schedules
    .command('list')
    .description('list schedules')
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => listCommand(loadConfig(), o));
  schedules
    .command('describe <scheduleId>')
    .description('show a schedule: spec, policies, state, next and recent runs')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o: { json: boolean }) => describeCommand(loadConfig(), id, o));
  for (const op of ['pause', 'unpause', 'trigger', 'delete'] as const) {
    schedules
      .command(`${op} <scheduleId>`)
      .description(`${op} a schedule`)
      .option('--note <text>', 'note recorded with a pause or unpause')
      .option('--json', 'print JSON', false)
      .action(async (id: string, o: { note?: string; json: boolean }) => operateCommand(loadConfig(), op, id, o));
  }
  schedules
    .command('backfill')
    .description('run the daily pipeline schedule for past as-of days, one after another')
    .requiredOption('--from <date>', 'first as-of day', dateArg)
    .requiredOption('--to <date>', 'last as-of day', dateArg)
    .option('--schedule <scheduleId>', 'schedule to backfill (default: snowpatrol-daily-pipeline)')
    .option('--json', 'print JSON', false)
    .action(async (o: { from: string; to: string; schedule?: string; json: boolean }) =>
      backfillCommand(loadConfig(), o),
    );

  cli
    .command('replay')
    .description('replay workflow histories against this code; exit 1 if a change breaks a recorded run')
    .argument('[history.json...]', 'history files (Web UI: Download → JSON; temporal workflow show --output json)')
    .option('--workflow-id <id>', "replay this workflow's history, fetched from the server")
    .option('--run-id <id>', 'with --workflow-id: this run (default: the latest)')
    .option(
      '--query <query>',
      'replay every execution this visibility query matches (e.g. "WorkflowType=\'trainModels\'")',
    )
    .option('--limit <n>', 'with --query: at most this many executions', intArg(1, 10_000), 100)
    .option('--json', 'print the reports as JSON', false)
    .action(
      async (
        files: string[],
        o: { workflowId?: string; runId?: string; query?: string; limit: number; json: boolean },
      ) => {
        installReplayRuntime();
        await replayCommand(loadConfig(), { files, ...o });
      },
    );

  cli
    .command('worker')
    .description('run a worker on task queue "snowpatrol" until SIGINT/SIGTERM')
    .action(async () => workerCommand(loadConfig()));

  cli
    .command('slack')
    .description('run the Slack app (alert buttons, /snowpatrol) until SIGINT/SIGTERM; needs SLACK_* and DATABASE_URL')
    .action(async () => slackCommand(loadConfig()));

  cli
    .command('snooze <warehouse>')
    .description("mute a warehouse's alerts for some days (a durable timer ends it; a new snooze replaces it)")
    .option('--days <n>', 'how long, 1-90 days', intArg(1, 90), 1)
    .option('--author <name>', 'who snoozed it (default: $USER)')
    .option('--json', 'print JSON', false)
    .action(async (warehouse: string, o: { days: number; author?: string; json: boolean }) =>
      snoozeCommand(loadConfig(), {
        warehouse,
        days: o.days,
        author: o.author ?? process.env.USER ?? 'unknown',
        json: o.json,
      }),
    );

  cli
    .command('dev-server')
    .description('run the Temporal dev server (localhost:7233, Web UI :8233) in the foreground')
    .option('--ui-codec-endpoint <url>', 'codec server the Web UI decodes payloads with (snowpatrol codec-server)')
    .action(async (o: { uiCodecEndpoint?: string }) => devServerCommand(loadConfig(), o));

  addCostsCommand(cli);
  addReportCommand(cli);
  addCodecServerCommand(cli);

  return cli;
}

/** The reason to print for a failure, on one line where possible. */
export function failureReason(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    return `workflow failed: ${cause instanceof Error ? cause.message : err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export async function main(): Promise<void> {
  // The Temporal runtime drains workers on SIGINT/SIGTERM; remember that it was asked, to say so plainly.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (interrupted = true));
  try {
    await program().parseAsync(process.argv);
  } catch (err) {
    if (interrupted) {
      process.stderr.write(
        'snowpatrol: interrupted; the worker drained and everything started here was stopped. ' +
          'Workflow runs are durable: run the same command again to continue.\n',
      );
      process.exitCode = 130;
      return;
    }
    process.stderr.write(`snowpatrol: ${failureReason(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
