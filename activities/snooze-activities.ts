/** Snoozes: the rows the `snoozeWarehouse` workflow sets at its start and removes when its timer fires. */
import type { Db } from './store/database';
import { endSnooze, setSnooze } from './store/snooze-store';

export interface SnoozeWindow {
  warehouse: string;
  /** ISO timestamp the snooze ends at. */
  until: string;
  author: string;
  anomalyId?: number;
}

export function createSnoozeActivities(deps: { db: Db }) {
  return {
    /** Mute the warehouse until `until` (idempotent: the Bolt app may already have written the same row). */
    async startSnooze(input: SnoozeWindow): Promise<void> {
      await setSnooze(deps.db, { ...input, until: new Date(input.until) });
    },
    /** End this snooze; a newer snooze of the warehouse stays. */
    async endSnooze(input: Pick<SnoozeWindow, 'warehouse' | 'until'>): Promise<{ ended: boolean }> {
      return { ended: await endSnooze(deps.db, input.warehouse, new Date(input.until)) };
    },
  };
}
