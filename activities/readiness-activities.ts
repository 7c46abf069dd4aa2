/** Readiness: has the metering source published a UTC day completely, for every account we expect? */
import { ApplicationFailure } from '@temporalio/activity';
import { INVALID_INPUT } from '../schemas/constants';
import { addDays, isIsoDate } from '../schemas/dates';
import type { IngestDeps } from './ingest-activities';
import { judgeReadiness, type ReadinessJudgement } from './readiness';
import { openActivitySource } from './activity-source';
import { activeAccounts } from './store/metering-store';

export type ReadinessDeps = Pick<IngestDeps, 'db' | 'openSource' | 'defaultSource'>;

export interface CheckDataReadinessInput {
  /** The source spec; `defaultSource` when absent. */
  source?: string;
  /** The UTC day (`YYYY-MM-DD`) whose publication is checked. */
  day: string;
}

export interface ReadinessResult extends ReadinessJudgement {
  /** When the check ran (ISO). */
  checkedAt: string;
}

/** Days before the checked day whose accounts in `metering_daily` are expected to report: [day − 14, day − 1]. */
export const EXPECTED_ACCOUNT_DAYS = 14;

export function createReadinessActivities(deps: ReadinessDeps) {
  return {
    /**
     * One cheap query to the source: is `day` published for every account it reports and every account loaded
     * in the 14 days before? A source that cannot tell (no `readiness`) answers complete with no accounts, so
     * waiting on it never blocks. Safe to call repeatedly; writes nothing.
     */
    async checkDataReadiness(input: CheckDataReadinessInput): Promise<ReadinessResult> {
      if (!isIsoDate(input.day)) {
        throw ApplicationFailure.create({
          type: INVALID_INPUT,
          message: `day: expected a date as YYYY-MM-DD, got ${JSON.stringify(input.day)}`,
          nonRetryable: true,
        });
      }
      const source = openActivitySource(deps.openSource, input.source ?? deps.defaultSource);
      try {
        if (!source.readiness) {
          return { complete: true, accounts: [], missing: [], checkedAt: new Date().toISOString() };
        }
        const [reported, expected] = await Promise.all([
          source.readiness(input.day),
          activeAccounts(deps.db, addDays(input.day, -EXPECTED_ACCOUNT_DAYS), addDays(input.day, -1)),
        ]);
        return { ...judgeReadiness(input.day, reported, expected), checkedAt: new Date().toISOString() };
      } finally {
        await source.close?.();
      }
    },
  };
}
