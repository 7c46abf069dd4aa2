/**
 * SnowPatrol's detection method, walked forward the same way as our backtest so the two can be compared on
 * the same data: decompose the history up to the judged day (additive, weekly, no outlier handling), train an
 * Isolation Forest on the training days' residuals, and flag any day whose score passes mean + 3σ of the
 * training scores (SnowPatrol's mean − 3σ of sklearn's sign-flipped scores), in either direction, with no
 * minimum size. It is here as the baseline that the backtest reports beside snowpatrol's own flags.
 */
import { addDays } from '../../schemas/dates';
import type { DailyCredits } from './calendar';
import { scoreThreshold } from './detect';
import { seasonalDecompose } from './decompose';
import { PERIOD } from './features';
import { scoreForest, trainForest, type ForestArtifact } from './isolation-forest';

export interface BaselineSettings {
  from: string;
  to: string;
  trainingDays: number;
  retrainEveryDays: number;
  seed: number;
}

/** The days of `series` in from … to that SnowPatrol's method flags. */
export function snowpatrolMethodFlags(series: readonly DailyCredits[], settings: BaselineSettings): string[] {
  const flags: string[] = [];
  let model: { trainedTo: string; artifact: ForestArtifact; threshold: number } | undefined;
  const index = new Map(series.map((p, i) => [p.day, i]));
  for (let i = 0; i < series.length; i++) {
    const day = series[i].day;
    if (day < settings.from || day > settings.to) continue;
    if (!model || day > addDays(model.trainedTo, settings.retrainEveryDays)) {
      const trainedTo = addDays(day, -1);
      const start = index.get(addDays(trainedTo, 1 - settings.trainingDays)) ?? 0;
      const history = series.slice(start, i).map((p) => p.credits);
      if (history.length < 2 * PERIOD) continue;
      const rows = seasonalDecompose(history, PERIOD).residual.map((r) => [r]);
      const artifact = trainForest(rows, { nEstimators: 100, sampleSize: 256, seed: settings.seed });
      model = { trainedTo, artifact, threshold: scoreThreshold(scoreForest(artifact, rows), 3) };
    }
    const start = index.get(addDays(model.trainedTo, 1 - settings.trainingDays)) ?? 0;
    const history = series.slice(start, i + 1).map((p) => p.credits);
    const residual = seasonalDecompose(history, PERIOD).residual[history.length - 1];
    if (scoreForest(model.artifact, [[residual]])[0] > model.threshold) flags.push(day);
  }
  return flags;
}
