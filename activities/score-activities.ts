/** Score: judge each warehouse-day with the champion model trained before it (point in time). */
import { Context } from '@temporalio/activity';
import type { DetectorParams } from './ml/detector';
import { scoreDay } from './ml/detector';
import { featureVersion } from './ml/features';
import { parseArtifact, type ForestArtifact } from './ml/isolation-forest';
import { resolveIfOpen, upsertAnomaly } from './store/anomaly-store';
import type { Db } from './store/database';
import { readFeatures, warehousesWithFeatures } from './store/feature-store';
import { modelPicker, type ModelVersion } from './store/model-store';
import type { DetectionSettings } from '../schemas/detection-config';
import type { PriceSettings } from '../schemas/snowflake-config';
import { priceOn } from './store/price-store';

export interface ScoreDeps {
  db: Db;
  detection: DetectionSettings;
  /** Used when no billing price is known for the account and day. */
  prices: PriceSettings;
}

export interface ScoreDaysInput {
  from: string;
  to: string;
  workflowId?: string;
}

export interface ScoreDaysResult {
  scored: number;
  anomalyIds: number[];
  /** Warehouses with at least one anomaly in the range. */
  anomalousWarehouses: string[];
  unscored: { warehouse: string; reason: string }[];
}

export function createScoreActivities(deps: ScoreDeps) {
  const version = featureVersion(deps.detection.windowDays);
  return {
    /** Score every warehouse-day from … to; anomalies are upserted (one row per warehouse-day, ever). */
    async scoreWarehouseDays(input: ScoreDaysInput): Promise<ScoreDaysResult> {
      const ctx = Context.current();
      const warehouses = await warehousesWithFeatures(deps.db, input.from, input.to);
      const anomalyIds: number[] = [];
      const anomalous = new Set<string>();
      const unscored: ScoreDaysResult['unscored'] = [];
      let scored = 0;
      const priceOf = pricing(deps);
      for (const [i, warehouse] of warehouses.entries()) {
        const days = await readFeatures(deps.db, warehouse, input.from, input.to, version);
        const modelFor = await modelPicker(deps.db, warehouse, version);
        // Parsed forests of this warehouse only: kept across 1,000 warehouses they held hundreds of MB.
        const artifacts = new Map<number, ForestArtifact>();
        const ordinaryDays: string[] = [];
        for (const day of days) {
          const model = await modelFor(day.usageDate);
          if (!model) {
            unscored.push({ warehouse, reason: `no model trained before ${day.usageDate}` });
            continue;
          }
          const price = await priceOf(warehouse, day.usageDate);
          const verdict = scoreDay(
            {
              artifact: artifactOf(model, artifacts),
              threshold: model.threshold,
              // Versions trained before filters were recorded are judged with the configured ones.
              filters: (model.params as Partial<DetectorParams>).filters ?? deps.detection.filters,
            },
            day,
            price?.pricePerCredit,
          );
          scored++;
          if (!verdict.isAnomaly) {
            ordinaryDays.push(day.usageDate);
            continue;
          }
          anomalous.add(warehouse);
          anomalyIds.push(
            await upsertAnomaly(deps.db, {
              warehouse,
              usageDate: day.usageDate,
              modelVersionId: model.id,
              score: verdict.score,
              threshold: model.threshold,
              actual: verdict.actual,
              expected: verdict.expected,
              excessCredits: verdict.excessCredits,
              excessCost: verdict.excessCost,
              currency: price?.currency ?? null,
              direction: verdict.direction,
              severity: verdict.severity,
              workflowId: input.workflowId ?? null,
            }),
          );
        }
        await resolveIfOpen(deps.db, warehouse, ordinaryDays);
        ctx.heartbeat({ done: i + 1, of: warehouses.length });
      }
      return { scored, anomalyIds, anomalousWarehouses: [...anomalous], unscored: dedupeReasons(unscored) };
    },
  };
}

/** Price lookup per account and day: billing data first, then the configured price; cached per run. */
function pricing(deps: ScoreDeps) {
  const cache = new Map<string, { currency: string; pricePerCredit: number } | undefined>();
  return async (warehouse: string, day: string) => {
    const account = warehouse.slice(0, warehouse.indexOf('.'));
    const key = `${account}|${day}`;
    if (!cache.has(key)) {
      const billed = await priceOn(deps.db, account, day);
      const configured = deps.prices.pricePerCredit
        ? { currency: deps.prices.currency, pricePerCredit: deps.prices.pricePerCredit }
        : undefined;
      cache.set(key, billed ?? configured);
    }
    return cache.get(key);
  };
}

function artifactOf(model: ModelVersion, cache: Map<number, ForestArtifact>): ForestArtifact {
  let artifact = cache.get(model.id);
  if (!artifact) {
    artifact = parseArtifact(model.artifact);
    cache.set(model.id, artifact);
  }
  return artifact;
}

/** One entry per warehouse (the first reason), so results stay small. */
function dedupeReasons(items: { warehouse: string; reason: string }[]): { warehouse: string; reason: string }[] {
  const seen = new Map<string, string>();
  for (const item of items) if (!seen.has(item.warehouse)) seen.set(item.warehouse, item.reason);
  return [...seen].map(([warehouse, reason]) => ({ warehouse, reason }));
}
