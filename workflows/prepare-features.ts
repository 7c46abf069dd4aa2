/** Build point-in-time daily features (calendar fill, moving stats, weekly decomposition) for every warehouse. */
import { WORKFLOW_TYPES } from '../schemas/constants';
import { featuresInput, type FeaturesInput } from '../schemas/inputs';
import type { FeaturesResult } from '../schemas/results';
import { longRunning } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function prepareFeatures(raw?: FeaturesInput): Promise<FeaturesResult> {
  const input = parseInput(featuresInput, raw, WORKFLOW_TYPES.features);
  const asOf = resolveAsOf(input.asOf ?? input.to);
  tagRun(asOf, 'features');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'features',
    asOf,
    async () => {
      const to = input.to ?? asOf;
      const built = await longRunning.computeDailyFeatures.executeWithOptions(
        { summary: `Point-in-time features up to ${to}` },
        [{ from: input.from, to }],
      );
      return { from: built.from, to, warehouses: built.warehouses, rows: built.rows };
    },
  );
}
