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
import { devServerCommand } from './commands/dev-server';
import { ingestCommand } from './commands/ingest';
import { pipelineCommand } from './commands/pipeline';
import { anomaliesCommand, modelsCommand } from './commands/queries';
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
