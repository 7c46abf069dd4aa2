/**
 * Root cause of an anomalous warehouse-day: which workloads made the excess. For one dimension (query tag,
 * user, query hash, …) each value's cost on the day is compared with its usual cost — the mean over the same
 * weekday of the weeks before (a value absent on a day counts 0 that day) — and the values that grew most are
 * the contributors, each with its share of the day's excess and whether it is new (no cost at all in the
 * reference days) or grew.
 */

import type { CauseContributor } from '../../schemas/attribution';

export interface ValueCost {
  value: string;
  credits: number;
}

/** One value that grew; its share of the excess can pass 1 when other workloads shrank. */
export type Contributor = CauseContributor;

export interface RootCauseInput {
  /** Cost per value on the anomalous day. */
  day: readonly ValueCost[];
  /** Cost per value on each reference day (e.g. the same weekday of the 4 weeks before), one list per day. */
  reference: readonly (readonly ValueCost[])[];
  /** The day's excess credits over the model's expected value (positive for a spike). */
  excessCredits: number;
  limit?: number;
}

export function topContributors(input: RootCauseInput): Contributor[] {
  const { day, reference, excessCredits, limit = 3 } = input;
  if (!(excessCredits > 0)) return [];
  const usual = new Map<string, number>();
  for (const list of reference) for (const c of list) usual.set(c.value, (usual.get(c.value) ?? 0) + c.credits);
  const days = Math.max(1, reference.length);
  const onDay = new Map<string, number>();
  for (const c of day) onDay.set(c.value, (onDay.get(c.value) ?? 0) + c.credits);
  const contributors: Contributor[] = [];
  for (const [value, credits] of onDay) {
    const usualCredits = (usual.get(value) ?? 0) / days;
    const growth = credits - usualCredits;
    if (growth <= 0) continue;
    contributors.push({
      value,
      credits,
      usualCredits,
      growth,
      shareOfExcess: growth / excessCredits,
      kind: (usual.get(value) ?? 0) > 0 ? 'grown' : 'new',
    });
  }
  return contributors.sort((a, b) => b.growth - a.growth || a.value.localeCompare(b.value)).slice(0, limit);
}
