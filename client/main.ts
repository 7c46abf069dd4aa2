/**
 * The `snowpatrol` command line. Every command has `--help`; machine output with `--json`.
 * Exit status: 0 on success, 1 with a one-line reason on failure, 2 for bad flags.
 */
import { Command, Option } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { ConfigError, loadConfig } from '../schemas/config';
import { DEFAULTS } from '../schemas/inputs';
import { installRuntime } from '../worker/runtime';
import { checkDataCommand } from './commands/check-data';
import { statusCommand } from './commands/status';
import { applyCommand, backfillCommand, describeCommand, listCommand, operateCommand } from './commands/schedules';
import { devServerCommand } from './commands/dev-server';
import { ingestCommand } from './commands/ingest';
import { pipelineCommand } from './commands/pipeline';
import { anomaliesCommand, modelsCommand } from './commands/queries';
import { installReplayRuntime, replayCommand } from './commands/replay';
import { workerCommand } from './commands/worker';
import { dateArg, intArg, sourceArg, yesterday } from './options';
import { addDays } from '../schemas/dates';

function program(): Command {
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
    .command('anomalies')
    .description('list recorded anomalies')
    .option('--from <date>', 'first day (default: 30 days before --to)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--json', 'print JSON', false)
    .action(async (o: { from?: string; to?: string; json: boolean }) => {
      const to = o.to ?? yesterday();
      await anomaliesCommand(loadConfig(), { from: o.from ?? addDays(to, -29), to, json: o.json });
    });

  cli
    .command('models')
    .description('list model versions and their aliases')
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => modelsCommand(loadConfig(), o));

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
    .command('dev-server')
    .description('run the Temporal dev server (localhost:7233, Web UI :8233) in the foreground')
    .action(async () => devServerCommand(loadConfig()));

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
