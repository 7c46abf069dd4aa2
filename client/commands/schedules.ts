/**
 * `snowpatrol schedules apply | list | describe | pause | unpause | trigger | backfill | delete`. Schedules live in
 * a Temporal server that outlives this command: TEMPORAL_ADDRESS, or a dev server already running.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../../schemas/config';
import { addDays } from '../../schemas/dates';
import { withExistingClient } from '../app';
import { checkDayRange, printResult } from '../options';
import { applySchedules, SCHEDULE_IDS } from '../schedules';
import { table } from '../report';

/** The most as-of days one `schedules backfill` runs (each is a whole pipeline run): four years. */
export const MAX_BACKFILL_DAYS = 1460;

/** Run `fn`; a schedule that does not exist is named as such (the server says "workflow not found for ID: …"). */
async function onSchedule<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    throw new Error(
      `no schedule "${scheduleId}" (see \`snowpatrol schedules list\`; \`snowpatrol schedules apply\` creates the declared ones)`,
    );
  }
}

export async function applyCommand(config: Config, opts: { json: boolean }): Promise<void> {
  await withExistingClient(config, async (client) => {
    const results = await applySchedules(client, config.schedules);
    printResult(
      opts.json,
      results,
      results.map((r) => `${r.outcome.padEnd(9)} ${r.scheduleId}`).join('\n') || 'no schedules declared',
    );
  });
}

export async function listCommand(config: Config, opts: { json: boolean }): Promise<void> {
  await withExistingClient(config, async (client) => {
    const rows = [];
    for await (const s of client.schedule.list()) {
      rows.push({
        scheduleId: s.scheduleId,
        workflowType: s.action?.workflowType,
        paused: s.state.paused,
        nextActionTimes: s.info.nextActionTimes.slice(0, 1).map((t) => t.toISOString()),
        recentActions: s.info.recentActions.length,
      });
    }
    printResult(
      opts.json,
      rows,
      rows.length === 0
        ? 'No schedules: run `snowpatrol schedules apply`.'
        : table(
            ['SCHEDULE', 'WORKFLOW', 'PAUSED', 'NEXT RUN'],
            rows.map((r) => [
              r.scheduleId,
              String(r.workflowType),
              r.paused ? 'yes' : 'no',
              r.nextActionTimes[0] ?? '-',
            ]),
          ),
    );
  });
}

export async function describeCommand(config: Config, scheduleId: string, opts: { json: boolean }): Promise<void> {
  await withExistingClient(config, async (client) => {
    const d = await onSchedule(scheduleId, () => client.schedule.getHandle(scheduleId).describe());
    const summary = {
      scheduleId: d.scheduleId,
      workflowType: d.action.workflowType,
      calendars: d.spec.calendars ?? [],
      paused: d.state.paused,
      note: d.state.note,
      overlap: d.policies.overlap,
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
      nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
      recentActions: d.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
      })),
    };
    printResult(
      opts.json,
      summary,
      [
        `${summary.scheduleId}: ${summary.workflowType}, ${summary.paused ? `paused (${summary.note ?? 'no note'})` : 'active'}`,
        `  when: ${JSON.stringify(summary.calendars)}`,
        `  overlap ${summary.overlap}, catch-up window ${Math.round(Number(summary.catchupWindowMs) / 3_600_000)} h, pause on failure ${summary.pauseOnFailure}`,
        `  next: ${summary.nextActionTimes.slice(0, 3).join(', ') || '-'}`,
        ...summary.recentActions.slice(-5).map((a) => `  ran ${a.scheduledAt} → ${a.workflowId}`),
      ].join('\n'),
    );
  });
}

type Operation = 'pause' | 'unpause' | 'trigger' | 'delete';

export async function operateCommand(
  config: Config,
  op: Operation,
  scheduleId: string,
  opts: { note?: string; json?: boolean } = {},
): Promise<void> {
  const note = opts.note;
  await withExistingClient(config, async (client) => {
    const handle = client.schedule.getHandle(scheduleId);
    await onSchedule(scheduleId, async () => {
      if (op === 'pause') await handle.pause(note ?? 'paused with snowpatrol schedules pause');
      if (op === 'unpause') await handle.unpause(note ?? 'unpaused with snowpatrol schedules unpause');
      if (op === 'trigger') await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      if (op === 'delete') await handle.delete();
    });
    const done: Record<Operation, string> = {
      pause: 'paused',
      unpause: 'unpaused',
      trigger: 'triggered',
      delete: 'deleted',
    };
    printResult(Boolean(opts.json), { scheduleId, operation: op, done: true }, `${done[op]} ${scheduleId}`);
  });
}

/**
 * Run the schedule for the as-of days from … to: a daily run at 07:00 on day D processes D − 1, so the scheduled
 * times evaluated are from + 1 (00:00) to to + 1 (end of day). Runs one after another.
 */
export async function backfillCommand(
  config: Config,
  opts: { schedule?: string; from: string; to: string; json?: boolean },
): Promise<void> {
  checkDayRange(opts.from, opts.to, MAX_BACKFILL_DAYS);
  await withExistingClient(config, async (client) => {
    const scheduleId = opts.schedule ?? SCHEDULE_IDS.pipeline;
    await onSchedule(scheduleId, () =>
      client.schedule.getHandle(scheduleId).backfill({
        start: new Date(`${addDays(opts.from, 1)}T00:00:00Z`),
        end: new Date(`${addDays(opts.to, 1)}T23:59:59Z`),
        overlap: ScheduleOverlapPolicy.BUFFER_ALL,
      }),
    );
    printResult(
      Boolean(opts.json),
      { scheduleId, asOfFrom: opts.from, asOfTo: opts.to, requested: true },
      `backfill of ${scheduleId} requested for as-of days ${opts.from} → ${opts.to}`,
    );
  });
}
