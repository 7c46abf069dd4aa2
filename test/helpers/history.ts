/** Reading a run's history the way an operator reads the Web UI: which activities ran, how many times. */
import type { WorkflowHandle } from '@temporalio/client';

/** How many times each activity type was started in the run (every attempt counts). */
export async function activityStarts(handle: WorkflowHandle): Promise<Record<string, number>> {
  const { events } = await handle.fetchHistory();
  const typeOf = new Map<number, string>();
  for (const e of events ?? []) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) typeOf.set(Number(e.eventId), name);
  }
  const starts: Record<string, number> = {};
  for (const e of events ?? []) {
    const scheduled = e.activityTaskStartedEventAttributes?.scheduledEventId;
    if (scheduled === undefined || scheduled === null) continue;
    const type = typeOf.get(Number(scheduled)) ?? 'unknown';
    starts[type] = (starts[type] ?? 0) + 1;
  }
  return starts;
}
