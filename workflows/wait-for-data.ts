/**
 * The pipeline's first step: wait, durably, until Snowflake has published the as-of day for every account.
 * Checks are one small query; between them the workflow sleeps on a timer (doubling up to a maximum), so a
 * late day costs nothing while it waits and a worker restart loses nothing. An operator or an upstream job can
 * release the wait with the `dataReady` signal; past the deadline the run proceeds with what exists.
 */
import { condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { addDays, dayToMs } from '../schemas/dates';
import type { PipelineSettings } from '../schemas/inputs';
import type { DataWait, DataWaitProgress, PipelineProgress } from '../schemas/results';
import { tagRun } from './as-of';
import { quick } from './activity-profiles';
import { dataReadySignal } from './definitions';

export interface WaitForDataOptions {
  asOf: string;
  source?: string;
  checkEverySeconds: number;
  maxCheckEverySeconds: number;
  /** Hours after the day ends (UTC midnight) after which the run proceeds with partial data. */
  deadlineHours: number;
  /** Called with what the wait is waiting for, for the progress query. */
  onWaiting(waiting: DataWaitProgress): void;
}

export async function waitForData(opts: WaitForDataOptions): Promise<DataWait> {
  let released: string | undefined;
  setHandler(dataReadySignal, (signal) => {
    released = signal?.by ?? 'signal';
  });
  const since = Date.now();
  const deadline = dayToMs(addDays(opts.asOf, 1)) + opts.deadlineHours * 3_600_000;
  let interval = opts.checkEverySeconds * 1000;
  let checks = 0;
  const result = (status: DataWait['status'], missing: string[]): DataWait => ({
    status,
    checks,
    waitedSeconds: (Date.now() - since) / 1000,
    missing,
    ...(status === 'released' && released ? { releasedBy: released } : {}),
  });
  for (;;) {
    const readiness = await quick.checkDataReadiness.executeWithOptions(
      { summary: `Is ${opts.asOf} published for every account?` },
      [{ source: opts.source, day: opts.asOf }],
    );
    checks++;
    if (readiness.complete) return result('ready', []);
    if (released) return result('released', readiness.missing);
    const left = deadline - Date.now();
    if (left <= 0) return result('partial', readiness.missing);
    opts.onWaiting({
      since: new Date(since).toISOString(),
      missing: readiness.missing,
      checks,
      nextCheckAt: new Date(Date.now() + Math.min(interval, left)).toISOString(),
      deadline: new Date(deadline).toISOString(),
    });
    if (await condition(() => released !== undefined, Math.min(interval, left))) {
      return result('released', readiness.missing);
    }
    interval = Math.min(interval * 2, opts.maxCheckEverySeconds * 1000);
  }
}

/** The pipeline's wait: shown as stage `waiting-for-data` (search attribute and progress query) while it lasts. */
export async function waitUntilPublished(
  asOf: string,
  input: Pick<PipelineSettings, 'source' | 'dataCheckEverySeconds' | 'dataCheckMaxSeconds' | 'dataDeadlineHours'>,
  progress: PipelineProgress,
): Promise<DataWait> {
  progress.stage = 'waiting-for-data';
  tagRun(asOf, 'waiting-for-data');
  const started = Date.now();
  const wait = await waitForData({
    asOf,
    source: input.source,
    checkEverySeconds: input.dataCheckEverySeconds,
    maxCheckEverySeconds: input.dataCheckMaxSeconds,
    deadlineHours: input.dataDeadlineHours,
    onWaiting: (waiting) => {
      progress.waitingForData = waiting;
      // Shown as "Current Details" on the run's page in the Web UI.
      setCurrentDetails(
        `**Waiting for Snowflake to publish ${asOf}** since ${waiting.since}\n\n` +
          `Missing: ${waiting.missing.join(', ')} · ${waiting.checks} check(s) · next ${waiting.nextCheckAt} · ` +
          `proceeds with partial data at ${waiting.deadline}\n\n` +
          `Release now: \`snowpatrol data-ready --as-of ${asOf}\``,
      );
    },
  });
  progress.waitingForData = undefined;
  setCurrentDetails('');
  progress.completed.push({ stage: 'data', seconds: (Date.now() - started) / 1000 });
  return wait;
}
