/**
 * `snowpatrol replay`: replay recorded workflow histories against this checkout's workflow code, to catch a change
 * that would break runs already recorded (nondeterminism) before it is deployed. Histories come from files (the Web
 * UI's Download → JSON, `temporal workflow show --output json`) or straight from the server (`--workflow-id`,
 * `--query`). One line per history; exit status 1 when any fails to replay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Config } from '../../schemas/config';
import { parseHistory, replayHistories, workflowIdOf, type ReplayReport } from '../../worker/replay';
import { progress } from '../options';
import { ensureTemporal, temporalDataConverter } from '../temporal-target';

export interface ReplayCommandOptions {
  /** History files; or else one of `workflowId` and `query`. */
  files: string[];
  workflowId?: string;
  runId?: string;
  query?: string;
  /** At most this many executions from `query`. */
  limit: number;
  json: boolean;
}

/** A history to replay and where it came from. */
interface Loaded {
  workflowId: string;
  history: History;
  file?: string;
  runId?: string;
}

export type ReplayLine = ReplayReport & { file?: string; runId?: string };

/**
 * The Temporal runtime for this command, installed once before anything else uses it. Core logs a WARN line for
 * every workflow task that fails in replay, and the SDK an ERROR with a stack trace; the report already says why, so
 * Core logs only errors and the SDK's line for a failing history is dropped.
 * (Core logs straight to the console: forwarding them would poll on a timer that keeps the process alive.)
 */
export function installReplayRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('ERROR', ({ level, message, meta }) => {
      // A history that fails to replay is also logged by the SDK, stack and all; its report line already says why.
      if (message === 'Failed to process Workflow Activation') return;
      console.error(`[${level}] ${message}`, meta ?? '');
    }),
    telemetryOptions: { logging: { console: {}, filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

export async function replayCommand(config: Config, opts: ReplayCommandOptions): Promise<void> {
  const sources = [opts.files.length > 0, opts.workflowId !== undefined, opts.query !== undefined].filter(Boolean);
  if (sources.length !== 1) {
    throw new Error('give history files, or --workflow-id ID, or --query "<visibility query>" (exactly one of them)');
  }
  if (opts.runId !== undefined && opts.workflowId === undefined) throw new Error('--run-id needs --workflow-id');

  const loaded = opts.files.length > 0 ? readHistoryFiles(opts.files) : await fetchHistories(config, opts);
  const reports = await replayHistories(
    loaded.map(({ workflowId, history }) => ({ workflowId, history })),
    { dataConverter: temporalDataConverter(config.temporal) },
  );
  const lines: ReplayLine[] = reports.map((report, i) => ({
    ...(loaded[i].file !== undefined && { file: loaded[i].file }),
    ...(loaded[i].runId !== undefined && { runId: loaded[i].runId }),
    ...report,
  }));

  const failed = lines.filter((l) => !l.ok).length;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
  } else {
    process.stdout.write(`${lines.map(formatLine).join('\n')}\n`);
    process.stdout.write(
      failed === 0
        ? `${lines.length} of ${lines.length} replayed cleanly: the workflow code is compatible with these histories.\n`
        : `${failed} of ${lines.length} failed to replay against this workflow code. A change that alters the order ` +
            'of activities, timers or child workflows must be guarded with patched() (README, Replay).\n',
    );
  }
  if (failed > 0) process.exitCode = 1;
}

/** `✓ label — type, N events` or `✗ label — reason`. */
export function formatLine(line: ReplayLine): string {
  const label = line.file ?? line.workflowId;
  if (!line.ok) return `✗ ${label} — ${line.error ?? 'failed'}`;
  const what = [
    line.file !== undefined && line.workflowId !== label ? line.workflowId : undefined,
    line.workflowType,
    line.runId !== undefined ? `run ${line.runId}` : undefined,
  ].filter((s) => s !== undefined);
  return `✓ ${label} — ${[...what, `${line.events} events`].join(', ')}`;
}

/** Read and parse every file first, so that one bad file is named before anything is replayed. */
export function readHistoryFiles(files: readonly string[]): Loaded[] {
  const problems: string[] = [];
  const loaded: Loaded[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      problems.push(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    try {
      const history = parseHistory(json);
      loaded.push({ file, history, workflowId: workflowIdOf(history) ?? path.basename(file, '.json') });
    } catch (err) {
      problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.length === 1 ? 'a history file' : `${problems.length} history files`} could not be used:\n` +
        problems.map((p) => `  ${p}`).join('\n'),
    );
  }
  return loaded;
}

/** The history of one execution, or of each execution a visibility query matches, from the configured server. */
async function fetchHistories(config: Config, opts: ReplayCommandOptions): Promise<Loaded[]> {
  const temporal = await ensureTemporal(config, progress);
  try {
    progress(`Temporal: ${temporal.description}`);
    const connection = await Connection.connect(temporal.connectOptions);
    try {
      const client = new Client({ connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter });
      const executions: { workflowId: string; runId?: string }[] = [];
      if (opts.workflowId !== undefined) {
        executions.push({ workflowId: opts.workflowId, runId: opts.runId });
      } else {
        try {
          for await (const execution of client.workflow.list({ query: opts.query })) {
            if (executions.length === opts.limit) {
              progress(
                `--query matches more than ${opts.limit} executions: replaying the first ${opts.limit} (--limit)`,
              );
              break;
            }
            executions.push({ workflowId: execution.workflowId, runId: execution.runId });
          }
        } catch (err) {
          throw new Error(`cannot list --query ${JSON.stringify(opts.query)}: ${reason(err)}`);
        }
        if (executions.length === 0)
          throw new Error(`no workflow execution matches --query ${JSON.stringify(opts.query)}`);
      }
      const loaded: Loaded[] = [];
      for (const { workflowId, runId } of executions) {
        try {
          // Without --run-id, pin the latest run first, so the id printed is the run that was replayed.
          const run = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
          const history = parseHistory(await client.workflow.getHandle(workflowId, run).fetchHistory());
          loaded.push({ workflowId, runId: run, history });
        } catch (err) {
          const which = runId ? `${workflowId} (run ${runId})` : workflowId;
          throw new Error(`cannot fetch the history of ${which}: ${reason(err)}`);
        }
      }
      const n = loaded.length === 1 ? '1 history' : `${loaded.length} histories`;
      progress(`Fetched ${n} from ${temporal.address} (namespace ${temporal.namespace})`);
      return loaded;
    } finally {
      await connection.close();
    }
  } finally {
    await temporal.stop();
  }
}

/** An error's message with its cause's (the client's "Failed to list workflows" says why only in the cause). */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message}: ${cause}` : err.message;
}
