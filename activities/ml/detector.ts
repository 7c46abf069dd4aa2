/**
 * One warehouse's detector: an Isolation Forest over the point-in-time residuals, a score threshold from its
 * training scores, and the alert filters. Training, nightly scoring and the backtest all go through here, so
 * what a backtest reports is what the nightly run would have done.
 */
import { DEFAULT_FILTERS, judgeDay, scoreThreshold, type AlertFilters, type Verdict } from './detect';
import type { FeatureRow } from './features';
import { DEFAULT_SAMPLE_SIZE, scoreForest, trainForest, type ForestArtifact } from './isolation-forest';

/** Everything that shapes a model besides its data and seed; recorded on each model version. */
export interface DetectorParams {
  nEstimators: number;
  /** Rows per tree (ψ). */
  sampleSize: number;
  threshold: { method: 'mean+k*std'; k: number };
  filters: AlertFilters;
}

/**
 * Defaults chosen with the backtest on the labelled demo organisation (see the README's Detection quality):
 * k = 2.5 catches the runaway days a 3σ threshold misses, and the 50 % minimum excess keeps ordinary noise of
 * volatile warehouses from alerting.
 */
export const DEFAULT_DETECTOR_PARAMS: DetectorParams = {
  nEstimators: 100,
  sampleSize: DEFAULT_SAMPLE_SIZE,
  threshold: { method: 'mean+k*std', k: 2.5 },
  filters: DEFAULT_FILTERS,
};

export interface TrainedDetector {
  artifact: ForestArtifact;
  threshold: number;
  metrics: { trainingDays: number; trainingFlagged: number; scoreMean: number; scoreMax: number };
}

/**
 * The forest's input for one day: the residual in credits and the residual in units of the weekday's typical
 * deviation, so a warehouse whose Saturdays swing widely still shows a weekday runaway as isolated.
 */
export function featureVector(row: Pick<FeatureRow, 'residual' | 'scale'>): number[] {
  return [row.residual, row.residual / row.scale];
}

/** Train on the given days (already point in time and free of excluded days). */
export function trainDetector(rows: readonly FeatureRow[], params: DetectorParams, seed: number): TrainedDetector {
  const vectors = rows.map(featureVector);
  const artifact = trainForest(vectors, { nEstimators: params.nEstimators, sampleSize: params.sampleSize, seed });
  const scores = scoreForest(artifact, vectors);
  const threshold = scoreThreshold(scores, params.threshold.k);
  return {
    artifact,
    threshold,
    metrics: {
      trainingDays: rows.length,
      trainingFlagged: scores.filter((s) => s > threshold).length,
      scoreMean: scores.reduce((a, b) => a + b, 0) / scores.length,
      scoreMax: Math.max(...scores),
    },
  };
}

export interface ScoredDay extends Verdict {
  usageDate: string;
  score: number;
  threshold: number;
}

/** Score one day with a trained model and judge it with the model's filters. */
export function scoreDay(
  model: { artifact: ForestArtifact; threshold: number; filters: AlertFilters },
  row: FeatureRow,
  pricePerCredit?: number,
): ScoredDay {
  const [score] = scoreForest(model.artifact, [featureVector(row)]);
  const verdict = judgeDay({
    score,
    threshold: model.threshold,
    credits: row.credits,
    trend: row.trend,
    seasonal: row.seasonal,
    filters: model.filters,
    pricePerCredit,
  });
  return { usageDate: row.usageDate, score, threshold: model.threshold, ...verdict };
}
