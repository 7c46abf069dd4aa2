/**
 * Snooze a warehouse: mute its alerts now, wait on a durable timer — it survives worker restarts and needs no
 * cron check — and unmute it when the time is up. A newer snooze of the same warehouse terminates this one and
 * takes over (same workflow id, conflict policy TERMINATE_EXISTING).
 */
import { sleep, workflowInfo } from '@temporalio/workflow';
import { WORKFLOW_TYPES } from '../schemas/constants';
import { snoozeInput, type SnoozeInput } from '../schemas/inputs';
import { quick } from './activity-profiles';
import { parseInput } from './validate';

export interface SnoozeResult {
  warehouse: string;
  until: string;
  /** False when a newer snooze of the warehouse had already replaced this one's row. */
  ended: boolean;
}

export async function snoozeWarehouse(raw?: SnoozeInput): Promise<SnoozeResult> {
  const input = parseInput(snoozeInput, raw, WORKFLOW_TYPES.snooze);
  const start = workflowInfo().startTime.getTime();
  const until = input.until ?? new Date(start + input.days * 86_400_000).toISOString();
  await quick.startSnooze.executeWithOptions({ summary: `Mute ${input.warehouse} until ${until}` }, [
    { warehouse: input.warehouse, until, author: input.author, anomalyId: input.anomalyId },
  ]);
  const remaining = Date.parse(until) - Date.now();
  if (remaining > 0) await sleep(remaining);
  const { ended } = await quick.endSnooze.executeWithOptions({ summary: `Unmute ${input.warehouse}` }, [
    { warehouse: input.warehouse, until },
  ]);
  return { warehouse: input.warehouse, until, ended };
}
