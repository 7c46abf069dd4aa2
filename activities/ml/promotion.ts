/**
 * The promotion gate: a newly trained version becomes `champion` only if, backtested on the same recent days
 * as the current champion, it does not raise the alert rate by more than the budget. Retraining on a window
 * that swallowed a runaway week would otherwise loosen or tighten alerting without anyone deciding it.
 */
import type { AlertFilters } from './detect';
import { scoreDay } from './detector';
import type { FeatureRow } from './features';
import type { ForestArtifact } from './isolation-forest';

export interface GateModel {
  version: number;
  artifact: ForestArtifact;
  threshold: number;
  filters: AlertFilters;
}

/** What is recorded on the candidate version (`model_versions.promotion`). */
export interface GateComparison {
  from: string | null;
  to: string | null;
  days: number;
  candidateAlerts: number;
  championVersion: number | null;
  championAlerts: number | null;
  /** Allowed rise of the alert rate (alerts / days) over the champion's. */
  budget: number;
  promoted: boolean;
  reason: string;
}

function alerts(model: GateModel, rows: readonly FeatureRow[]): number {
  return rows.filter((row) => scoreDay(model, row).isAnomaly).length;
}

/** Compare `candidate` with `champion` (if any) on `recent` feature rows. */
export function gateCandidate(
  recent: readonly FeatureRow[],
  candidate: GateModel,
  champion: GateModel | undefined,
  budget: number,
): GateComparison {
  const base = {
    from: recent[0]?.usageDate ?? null,
    to: recent.at(-1)?.usageDate ?? null,
    days: recent.length,
    candidateAlerts: alerts(candidate, recent),
    budget,
  };
  if (!champion) {
    return { ...base, championVersion: null, championAlerts: null, promoted: true, reason: 'no champion yet' };
  }
  const championAlerts = alerts(champion, recent);
  const rise = recent.length === 0 ? 0 : (base.candidateAlerts - championAlerts) / recent.length;
  const promoted = rise <= budget + 1e-12;
  const reason = promoted
    ? `alert rate ${describeRate(base.candidateAlerts, recent.length)} vs champion v${champion.version} ` +
      `${describeRate(championAlerts, recent.length)}: within the budget of +${pct(budget)}`
    : `alert rate ${describeRate(base.candidateAlerts, recent.length)} vs champion v${champion.version} ` +
      `${describeRate(championAlerts, recent.length)}: rises by more than the budget of +${pct(budget)}`;
  return { ...base, championVersion: champion.version, championAlerts, promoted, reason };
}

function describeRate(count: number, days: number): string {
  return `${count}/${days} days`;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} points`;
}
