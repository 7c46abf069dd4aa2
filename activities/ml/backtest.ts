/**
 * Walk-forward backtest: what the nightly runs would have flagged over a range, point in time. Every
 * `retrainEveryDays` a model is trained on the `trainingDays` of features that ended the day before, and it
 * judges the following days until the next retraining. Features are point in time by construction (the row of
 * day d is computed from days ≤ d only), so adding future data never changes a past day's verdict.
 */
import { addDays } from '../../schemas/dates';
import type { DailyCredits } from './calendar';
import { scoreDay, trainDetector, type DetectorParams, type ScoredDay } from './detector';
import { pointInTimeFeatures, type FeatureRow } from './features';

export interface BacktestSettings {
  from: string;
  to: string;
  trainingDays: number;
  /** Fewer usable training days than this and the days until the next retraining go unscored. */
  minTrainingDays: number;
  retrainEveryDays: number;
  windowDays: number;
  params: DetectorParams;
  seed: number;
  /** Days left out of training (e.g. feedback said false positive or expected change). */
  excludedFromTraining?: ReadonlySet<string>;
  /** Price of a credit on a day, when known. */
  priceOn?: (day: string) => number | undefined;
}

export interface WarehouseBacktest {
  warehouse: string;
  /** Every judged day, anomalous or not. */
  days: ScoredDay[];
  /** Days in range with no model (too little history). */
  unscored: number;
  models: number;
}

/** The backtest of one warehouse's complete calendar `series` (see fillCalendar). */
export function backtestWarehouse(
  warehouse: string,
  series: readonly DailyCredits[],
  settings: BacktestSettings,
): WarehouseBacktest {
  const firstTrainingDay = addDays(settings.from, -settings.trainingDays);
  const inRange = series.filter((p) => p.day <= settings.to);
  const features = pointInTimeFeatures(inRange, firstTrainingDay, settings.windowDays);
  const excluded = settings.excludedFromTraining ?? new Set<string>();
  const result: WarehouseBacktest = { warehouse, days: [], unscored: 0, models: 0 };
  let model: { trainedTo: string; detector: ReturnType<typeof trainDetector> | undefined } | undefined;
  for (const row of features) {
    if (row.usageDate < settings.from) continue;
    if (!model || row.usageDate > addDays(model.trainedTo, settings.retrainEveryDays)) {
      const trainedTo = addDays(row.usageDate, -1);
      const trainedFrom = addDays(trainedTo, 1 - settings.trainingDays);
      const rows: FeatureRow[] = features.filter(
        (f) => f.usageDate >= trainedFrom && f.usageDate <= trainedTo && !excluded.has(f.usageDate),
      );
      const detector =
        rows.length >= Math.max(2, settings.minTrainingDays)
          ? trainDetector(rows, settings.params, settings.seed)
          : undefined;
      if (detector) result.models++;
      model = { trainedTo, detector };
    }
    if (!model.detector) {
      result.unscored++;
      continue;
    }
    result.days.push(
      scoreDay(
        { artifact: model.detector.artifact, threshold: model.detector.threshold, filters: settings.params.filters },
        row,
        settings.priceOn?.(row.usageDate),
      ),
    );
  }
  return result;
}
