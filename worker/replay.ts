/**
 * Replay recorded workflow histories against the workflow code of this checkout: the guard that a workflow change
 * does not break runs already in flight. A history replays cleanly when the code issues the same commands
 * (activities, timers, child workflows, markers) in the same order as the recorded run; otherwise the SDK reports
 * a nondeterminism error. Histories may be JSON as the Web UI or `temporal workflow show --output json` write it
 * (either enum style), or the proto object `handle.fetchHistory()` returns.
 */
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundle } from './bundle';

export interface HistoryToReplay {
  /** The id the workflow sees during replay; histories do not record their own workflow id. */
  workflowId: string;
  history: unknown;
}

export interface ReplayReport {
  workflowId: string;
  /** From the history's first event, when it has one. */
  workflowType?: string;
  /** Number of events in the history (0 when it could not be read). */
  events: number;
  ok: boolean;
  /** Why replay failed: the error's first line, plus the nondeterminism detail when there is one. */
  error?: string;
}

export interface ReplayOptions {
  /** Replay against this bundle instead of the worker's (tests use a deliberately different workflow module). */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Decodes the recorded payloads: the workers' own (encrypted histories need their key). */
  dataConverter?: DataConverter;
}

/** Replay each history, one at a time, on a replay worker; one report per history, in the order given. */
export async function replayHistories(
  histories: readonly HistoryToReplay[],
  options: ReplayOptions = {},
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  const runnable: { index: number; workflowId: string; history: History }[] = [];
  for (const [index, { workflowId, history }] of histories.entries()) {
    try {
      const parsed = parseHistory(history);
      reports.push({ workflowId, workflowType: workflowTypeOf(parsed), events: parsed.events!.length, ok: true });
      runnable.push({ index, workflowId, history: parsed });
    } catch (err) {
      reports.push({ workflowId, events: 0, ok: false, error: firstLine(err) });
    }
  }
  if (runnable.length === 0) return reports;

  const bundle = options.workflowBundle ?? (await workflowBundle());
  const results = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'snowpatrol-replay', dataConverter: options.dataConverter },
    runnable.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  // The SDK replays the histories in order and yields exactly one result per history.
  let next = 0;
  for await (const result of results) {
    const report = reports[runnable[next++].index];
    if (result.error) Object.assign(report, { ok: false, error: describeReplayError(result.error) });
  }
  if (next !== runnable.length) throw new Error(`replay stopped after ${next} of ${runnable.length} histories`);
  return reports;
}

/**
 * A history in any of the accepted forms as the proto object the replay worker takes. Throws a TypeError saying
 * what is wrong when the value is not a complete workflow history.
 */
export function parseHistory(value: unknown): History {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { events?: unknown }).events)) {
    throw new TypeError('not a workflow history: expected a JSON object with an "events" array');
  }
  const events = (value as { events: unknown[] }).events;
  if (events.length === 0) throw new TypeError('not a workflow history: it has no events');
  const first = events[0];
  if (typeof first !== 'object' || first === null)
    throw new TypeError('not a workflow history: events[0] is not an object');
  let history: History;
  if (typeof (first as { eventId?: unknown }).eventId === 'string') {
    try {
      history = historyFromJSON(value);
    } catch (err) {
      throw new TypeError(`not a workflow history: ${firstLine(err)}`);
    }
  } else {
    history = value as History;
  }
  if (!history.events?.[0]?.workflowExecutionStartedEventAttributes) {
    throw new TypeError('not a complete workflow history: the first event is not WorkflowExecutionStarted');
  }
  return history;
}

function workflowTypeOf(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/**
 * The SDK's messages are long: "Replay failed with a nondeterminism error. This means … Details: Workflow
 * activation completion failed: Failure { failure: Some(Failure { message: \"[TMPRL1100] Nondeterminism error: …\",
 * stack_trace: …". Keep the first sentence and the failure's own message (for nondeterminism, its detail).
 */
export function describeReplayError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const headline = message.split(/(?<=\.)\s|\n/)[0];
  const failure = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  const detail = failure
    ? failure.replace(/^\[TMPRL\d+\] Nondeterminism error: /, '').replace(/\\(["\\])/g, '$1')
    : /Details: (.*)/.exec(message)?.[1];
  return detail ? `${headline} ${detail.split(/\\n|\n/)[0]}` : headline;
}

/** The workflow id the history records in its first event (recent servers write it there), if any. */
export function workflowIdOf(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || undefined;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
