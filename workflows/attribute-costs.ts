/**
 * Why did it cost more: attribute the days' Snowflake compute to the queries that used it (and the idle remainder),
 * then find each anomaly's cause. Snowflake's query views lag metering by hours, so the run can wait for them,
 * durably (a timer between cheap checks), and can edit the causes into alerts that went out before they were known.
 */
import { setCurrentDetails, sleep } from '@temporalio/workflow';
import { WORKFLOW_TYPES } from '../schemas/constants';
import { attributeInput, type AttributeInput } from '../schemas/inputs';
import type { AttributeResult } from '../schemas/results';
import { delivery, longRunning, quick } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function attributeCosts(raw?: AttributeInput): Promise<AttributeResult> {
  const input = parseInput(attributeInput, raw, WORKFLOW_TYPES.attribute);
  const asOf = resolveAsOf(input.asOf ?? input.to);
  tagRun(asOf, 'attribute');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'attribute',
    asOf,
    async () => {
      const to = input.to ?? asOf;
      const window = { source: input.source, from: input.from ?? to, to };
      const deadline = Date.now() + input.waitHours * 3_600_000;
      const check = () =>
        quick.checkAttributionCoverage.executeWithOptions(
          { summary: `How far are the query views published? (${window.from} → ${to})` },
          [window],
        );
      let checks = 1;
      let coverage = await check();
      while (coverage.available && coverage.publishedTo !== null && coverage.pending.length > 0) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const next = Math.min(input.checkEveryMinutes * 60_000, left);
        setCurrentDetails(
          `**Waiting for Snowflake's query views** to cover ${coverage.pending.join(', ')}\n\n` +
            `Published to ${coverage.publishedTo} · ${checks} check(s) · next in ${Math.round(next / 60_000)} min · ` +
            `gives up at ${new Date(deadline).toISOString()}`,
        );
        await sleep(next);
        coverage = await check();
        checks++;
      }
      setCurrentDetails('');
      // A source with no query data at all (a CSV export, or views not yet granted) has nothing to wait for.
      if (!coverage.available || coverage.publishedTo === null) return unavailable(checks);

      const days = coverage.due;
      const summary =
        days.length > 0
          ? await longRunning.attributeQueryCosts.executeWithOptions(
              { summary: `Attribute query cost of ${days.length} day(s) ${days[0]} → ${days[days.length - 1]}` },
              [{ source: input.source, days, complete: true }],
            )
          : undefined;
      const covered = [...coverage.due, ...coverage.done].sort();
      const explained =
        covered.length > 0
          ? await quick.explainAnomalies.executeWithOptions({ summary: `Find the causes of anomalies` }, [
              { days: covered },
            ])
          : { explained: 0, anomalyIds: [] };
      const alertsEdited =
        input.editAlerts && explained.anomalyIds.length > 0
          ? await delivery.refreshAlertCauses.executeWithOptions(
              { summary: `Edit the causes into ${explained.anomalyIds.length} alert(s)` },
              [{ anomalyIds: explained.anomalyIds }],
            )
          : 0;
      return {
        status: 'attributed',
        days,
        pending: coverage.pending,
        queries: summary?.queries ?? 0,
        meteredCredits: summary?.meteredCredits ?? 0,
        attributedCredits: summary?.attributedCredits ?? 0,
        idleCredits: summary?.idleCredits ?? 0,
        explained: explained.explained,
        alertsEdited,
        checks,
      };
    },
  );
}

function unavailable(checks: number): AttributeResult {
  return {
    status: 'unavailable',
    days: [],
    pending: [],
    queries: 0,
    meteredCredits: 0,
    attributedCredits: 0,
    idleCredits: 0,
    explained: 0,
    alertsEdited: 0,
    checks,
  };
}
