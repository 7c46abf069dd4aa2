/**
 * An anomaly's root cause from attributed costs: per root-cause dimension (query tag, user, query hash), the
 * workloads that grew most on the anomalous day compared with the same weekday of the weeks before, each with its
 * share of the anomaly's excess and whether it is new or grew; plus the day's idle credits against their usual.
 */
import {
  ROOT_CAUSE_DIMENSIONS,
  ROOT_CAUSE_REFERENCE_WEEKS,
  type AnomalyCauses,
  type AttributionMethod,
  type CauseContributor,
  type RootCauseDimension,
} from '../../schemas/attribution';
import { addDays } from '../../schemas/dates';
import { topContributors, type ValueCost } from './root-cause';

/** What explaining needs of an anomaly. */
export interface AnomalyToExplain {
  id: number;
  warehouse: string;
  usageDate: string;
  excessCredits: number;
  direction: 'spike' | 'drop';
}

/** One `cost_daily` value of the anomaly's warehouse. */
export interface DimensionCost {
  usageDate: string;
  dimension: string;
  value: string;
  credits: number;
}

export interface ExplainInput {
  anomaly: AnomalyToExplain;
  /** How the anomalous day was attributed. */
  method: AttributionMethod;
  /** The reference days (from `referenceDaysFor`) that have been attributed; the others are not compared with. */
  referenceDays: readonly string[];
  /** The warehouse's costs on the anomalous day and the reference days (rows of other days are ignored). */
  costs: readonly DimensionCost[];
  /** The warehouse's idle credits per day (a day missing counts 0). */
  idle: ReadonlyMap<string, number>;
  explainedAt: Date;
  /** Contributors per dimension; 3 by default. */
  limit?: number;
}

/** The days an anomalous day is compared with: the same weekday of the ROOT_CAUSE_REFERENCE_WEEKS weeks before, latest first. */
export function referenceDaysFor(day: string): string[] {
  return Array.from({ length: ROOT_CAUSE_REFERENCE_WEEKS }, (_, i) => addDays(day, -7 * (i + 1)));
}

/**
 * The anomaly's causes, or null for a drop (or a non-positive excess): a cost that fell has no workload that made
 * it cost more, and a shortfall's share of "excess" would read backwards.
 */
export function explainAnomaly(input: ExplainInput): AnomalyCauses | null {
  const { anomaly, referenceDays, costs, idle } = input;
  if (anomaly.direction !== 'spike' || !(anomaly.excessCredits > 0)) return null;
  const byDimension = {} as Record<RootCauseDimension, CauseContributor[]>;
  for (const dimension of ROOT_CAUSE_DIMENSIONS) {
    const onDay = (day: string): ValueCost[] =>
      costs
        .filter((c) => c.dimension === dimension && c.usageDate === day)
        .map((c) => ({ value: c.value, credits: c.credits }));
    byDimension[dimension] = topContributors({
      day: onDay(anomaly.usageDate),
      reference: referenceDays.map(onDay),
      excessCredits: anomaly.excessCredits,
      limit: input.limit ?? 3,
    });
  }
  const usualIdle =
    referenceDays.length === 0
      ? 0
      : referenceDays.reduce((sum, day) => sum + (idle.get(day) ?? 0), 0) / referenceDays.length;
  return {
    method: input.method,
    explainedAt: input.explainedAt.toISOString(),
    referenceDays: [...referenceDays],
    byDimension,
    idle: { credits: idle.get(anomaly.usageDate) ?? 0, usualCredits: usualIdle },
  };
}

/**
 * Whether two explanations say the same thing, whenever they were computed. Key order does not matter (a `jsonb`
 * column gives keys back in its own order).
 */
export function sameCauses(a: AnomalyCauses | null | undefined, b: AnomalyCauses | null | undefined): boolean {
  if (!a || !b) return !a === !b;
  return canonical({ ...a, explainedAt: '' }) === canonical({ ...b, explainedAt: '' });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
