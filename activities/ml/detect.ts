/** Turning a model's score for one warehouse-day into a decision with the evidence to act on it. */

/** Threshold from the training scores: mean + k·σ (SnowPatrol's mean − 3σ, with scores where higher = worse). */
export function scoreThreshold(trainingScores: readonly number[], k = 3): number {
  if (trainingScores.length === 0) throw new RangeError('no training scores');
  const n = trainingScores.length;
  const mean = trainingScores.reduce((a, b) => a + b, 0) / n;
  const variance = trainingScores.reduce((a, s) => a + (s - mean) ** 2, 0) / n;
  return mean + k * Math.sqrt(variance);
}

export type Severity = 'low' | 'medium' | 'high';
export type Direction = 'spike' | 'drop';
/** Which directions alert: spend above expected, below it, or both. */
export type Directions = 'spikes' | 'drops' | 'both';

/**
 * What must be true of a day's excess before it alerts, whatever the model's score: small or relatively small
 * deviations are noise to a cost owner even when they are statistically unusual.
 */
export interface AlertFilters {
  /** |excess| below this many credits never alerts. */
  minExcessCredits: number;
  /** |excess| × price below this much money never alerts (skipped when the price is unknown). */
  minExcessCost: number;
  /** |excess| / expected below this fraction never alerts (0.5 = 50 %). */
  minExcessRatio: number;
  directions: Directions;
}

export const DEFAULT_FILTERS: AlertFilters = {
  minExcessCredits: 2,
  minExcessCost: 0,
  minExcessRatio: 0.5,
  directions: 'spikes',
};

export interface Verdict {
  isAnomaly: boolean;
  actual: number;
  expected: number;
  excessCredits: number;
  /** excess × price, when a price is known. */
  excessCost: number | null;
  direction: Direction;
  severity: Severity;
  /** Why a statistically unusual day did not alert (for backtests and debugging); absent when it alerted. */
  suppressedBy?: 'score' | 'credits' | 'cost' | 'ratio' | 'direction';
}

export interface VerdictInput {
  score: number;
  threshold: number;
  credits: number;
  trend: number;
  seasonal: number;
  filters: AlertFilters;
  /** Price of one credit on that day, when known. */
  pricePerCredit?: number;
}

/** The expected spend is trend + weekly seasonal (never below zero); the excess is what is left. */
export function judgeDay(input: VerdictInput): Verdict {
  const expected = Math.max(0, input.trend + input.seasonal);
  const excessCredits = input.credits - expected;
  const magnitude = Math.abs(excessCredits);
  const ratio = expected > 0 ? magnitude / expected : magnitude > 0 ? Infinity : 0;
  const severity: Severity = ratio >= 1 ? 'high' : ratio >= 0.5 ? 'medium' : 'low';
  const direction: Direction = excessCredits >= 0 ? 'spike' : 'drop';
  const excessCost = input.pricePerCredit === undefined ? null : excessCredits * input.pricePerCredit;
  const { filters } = input;
  const suppressedBy =
    input.score <= input.threshold
      ? 'score'
      : filters.directions !== 'both' && filters.directions !== `${direction}s`
        ? 'direction'
        : magnitude < filters.minExcessCredits
          ? 'credits'
          : excessCost !== null && Math.abs(excessCost) < filters.minExcessCost
            ? 'cost'
            : ratio < filters.minExcessRatio
              ? 'ratio'
              : undefined;
  return {
    isAnomaly: suppressedBy === undefined,
    actual: input.credits,
    expected,
    excessCredits,
    excessCost,
    direction,
    severity,
    ...(suppressedBy ? { suppressedBy } : {}),
  };
}
