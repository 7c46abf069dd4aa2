/** Load warehouse metering for a window of days from the configured source into Postgres. */
import { WORKFLOW_TYPES } from '../schemas/constants';
import { ingestInput, type IngestInput } from '../schemas/inputs';
import type { IngestResult } from '../schemas/results';
import { longRunning, quick } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function ingestMetering(raw?: IngestInput): Promise<IngestResult> {
  const input = parseInput(ingestInput, raw, WORKFLOW_TYPES.ingest);
  const asOf = resolveAsOf(input.asOf ?? input.to);
  tagRun(asOf, 'ingest');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'ingest',
    asOf,
    async () => {
      const window = await quick.planIngestWindow({
        source: input.source,
        from: input.from,
        to: input.to ?? asOf,
        historyDays: input.historyDays,
        reloadDays: input.reloadDays,
      });
      if (window.from > window.to) return { ...window, days: 0, rowsRead: 0, rowsUpserted: 0, warehouses: 0 };
      const loaded = await longRunning.extractWarehouseMetering.executeWithOptions(
        { summary: `Load ${window.source} metering ${window.from} → ${window.to}` },
        [window],
      );
      return { ...window, ...loaded };
    },
  );
}
