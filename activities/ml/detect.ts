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

export interface Verdict {
  isAnomaly: boolean;
  actual: number;
  expected: number;
  excessCredits: number;
  direction: 'high' | 'low';
  severity: Severity;
}

export interface VerdictInput {
  score: number;
  threshold: number;
  credits: number;
  trend: number;
  seasonal: number;
  /** Excess below this many credits is never an anomaly (too small to act on). */
  minExcessCredits: number;
}

/** The expected spend is trend + weekly seasonal (never below zero); the excess is what is left. */
export function judgeDay(input: VerdictInput): Verdict {
  const expected = Math.max(0, input.trend + input.seasonal);
  const excessCredits = input.credits - expected;
  const ratio = expected > 0 ? Math.abs(excessCredits) / expected : Infinity;
  const severity: Severity = ratio >= 1 ? 'high' : ratio >= 0.5 ? 'medium' : 'low';
  return {
    isAnomaly: input.score > input.threshold && Math.abs(excessCredits) >= input.minExcessCredits,
    actual: input.credits,
    expected,
    excessCredits,
    direction: excessCredits >= 0 ? 'high' : 'low',
    severity,
  };
}
