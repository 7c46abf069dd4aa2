/**
 * Named timeout/retry profiles per activity group. Network and database hiccups retry with backoff; errors
 * that retrying cannot fix (bad source, bad row, bad config) fail at once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES as NON_RETRYABLE } from '../schemas/constants';

/** Quick lookups and planning. */
export const quick = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Long, heartbeating work (extracts, feature builds, scoring); resumes from heartbeat details on retry. The
 * extract heartbeats at least every 10 s, so a worker that dies is noticed within 30 s.
 */
export const longRunning = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Training a batch of warehouses: CPU-bound, bounded. It heartbeats while it works (at least every 10 s), so a
 * worker that dies mid-batch is noticed within 30 s rather than at the 10-minute timeout.
 */
export const training = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Delivering alerts: idempotent by key, so retries never duplicate. Heartbeats every 10 s, so a worker that dies
 * mid-delivery is retried (and its posts reconciled) within 45 s rather than at the 5-minute timeout.
 */
export const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '45 seconds',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * One-off notices sent on the way to failing (failure alerts): a few quick tries, so a run whose alerting is
 * down still fails within a minute instead of hiding its own failure behind notice retries.
 */
export const notice = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '45 seconds',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
