/**
 * How anomalies are detected and when a day alerts, from SNOWPATROL_* variables. Problems are returned as
 * messages naming the variable, so `loadConfig` reports them with all others. The defaults are the ones the
 * README's "Detection quality" numbers were measured with.
 */

export type Directions = 'spikes' | 'drops' | 'both';

export interface DetectionSettings {
  /** Seed of every model's random source: same data + same seed → byte-identical artifact. */
  seed: number;
  nEstimators: number;
  /** Rows per tree (ψ), as in the Isolation Forest paper. */
  sampleSize: number;
  /** Alert when a day's score passes mean + k·σ of the model's training scores. */
  thresholdK: number;
  filters: {
    minExcessCredits: number;
    minExcessCost: number;
    /** Fraction of the expected spend (0.5 = 50 %). */
    minExcessRatio: number;
    directions: Directions;
  };
  /** Trailing days each point-in-time decomposition uses. */
  windowDays: number;
  /** Fewer days of features than this and a warehouse gets no model. */
  minTrainingDays: number;
  /** A warehouse with no metering for this many days is decommissioned: its calendar stops at its last day. */
  decommissionedAfterDays: number;
  promotion: {
    /** New versions must pass the backtest gate to become `champion` (otherwise every new version is promoted). */
    gated: boolean;
    /** Recent days the candidate and the champion are both backtested on. */
    backtestDays: number;
    /** How much the candidate may raise the alert rate over the champion's on those days (0.05 = 5 points). */
    alertRateBudget: number;
  };
}

export const DETECTION_DEFAULTS: DetectionSettings = {
  seed: 42,
  nEstimators: 100,
  sampleSize: 256,
  thresholdK: 2.5,
  filters: { minExcessCredits: 2, minExcessCost: 0, minExcessRatio: 0.5, directions: 'spikes' },
  windowDays: 28,
  minTrainingDays: 28,
  decommissionedAfterDays: 30,
  promotion: { gated: true, backtestDays: 28, alertRateBudget: 0.05 },
};

export const DIRECTIONS: readonly Directions[] = ['spikes', 'drops', 'both'];

function number(
  env: NodeJS.ProcessEnv,
  key: string,
  fallback: number,
  check: { min: number; max: number; integer?: boolean },
  problems: string[],
): number {
  const raw = (env[key] ?? '').trim();
  if (raw === '') return fallback;
  const n = Number(raw);
  const kind = check.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(n) || (check.integer && !Number.isInteger(n)) || n < check.min || n > check.max) {
    problems.push(`${key}: expected ${kind} from ${check.min} to ${check.max}, got "${raw}"`);
    return fallback;
  }
  return n;
}

export function parseDetectionSettings(env: NodeJS.ProcessEnv): { settings: DetectionSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DETECTION_DEFAULTS;
  const int = (key: string, fallback: number, min: number, max: number) =>
    number(env, key, fallback, { min, max, integer: true }, problems);
  const real = (key: string, fallback: number, min: number, max: number) =>
    number(env, key, fallback, { min, max }, problems);

  const directionsRaw = (env.SNOWPATROL_ALERT_DIRECTIONS ?? '').trim().toLowerCase();
  let directions = d.filters.directions;
  if (directionsRaw !== '') {
    if (DIRECTIONS.includes(directionsRaw as Directions)) directions = directionsRaw as Directions;
    else problems.push(`SNOWPATROL_ALERT_DIRECTIONS: expected one of ${DIRECTIONS.join(', ')}, got "${directionsRaw}"`);
  }
  const gatedRaw = (env.SNOWPATROL_PROMOTION_GATE ?? '').trim().toLowerCase();
  if (gatedRaw !== '' && !['on', 'off', 'true', 'false'].includes(gatedRaw)) {
    problems.push(`SNOWPATROL_PROMOTION_GATE: expected on or off, got "${gatedRaw}"`);
  }
  return {
    settings: {
      seed: int('SNOWPATROL_MODEL_SEED', d.seed, 0, 2 ** 32 - 1),
      nEstimators: int('SNOWPATROL_MODEL_TREES', d.nEstimators, 1, 1000),
      sampleSize: int('SNOWPATROL_MODEL_SAMPLE_SIZE', d.sampleSize, 2, 4096),
      thresholdK: real('SNOWPATROL_THRESHOLD_K', d.thresholdK, 0, 10),
      filters: {
        minExcessCredits: real('SNOWPATROL_MIN_EXCESS_CREDITS', d.filters.minExcessCredits, 0, 1e9),
        minExcessCost: real('SNOWPATROL_MIN_EXCESS_COST', d.filters.minExcessCost, 0, 1e12),
        minExcessRatio: real('SNOWPATROL_MIN_EXCESS_PERCENT', d.filters.minExcessRatio * 100, 0, 10_000) / 100,
        directions,
      },
      windowDays: int('SNOWPATROL_FEATURE_WINDOW_DAYS', d.windowDays, 14, 365),
      minTrainingDays: int('SNOWPATROL_MIN_TRAINING_DAYS', d.minTrainingDays, 14, 730),
      decommissionedAfterDays: int('SNOWPATROL_DECOMMISSIONED_AFTER_DAYS', d.decommissionedAfterDays, 1, 3650),
      promotion: {
        gated: gatedRaw === '' ? d.promotion.gated : gatedRaw === 'on' || gatedRaw === 'true',
        backtestDays: int('SNOWPATROL_PROMOTION_BACKTEST_DAYS', d.promotion.backtestDays, 7, 365),
        alertRateBudget: real('SNOWPATROL_PROMOTION_ALERT_BUDGET', d.promotion.alertRateBudget, 0, 1),
      },
    },
    problems,
  };
}
