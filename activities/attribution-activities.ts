/**
 * Cost attribution: which days the source's query data covers, attributing those days' metered compute to queries
 * (`attribution_hourly`, `cost_daily`, `attributed_days`), and each spike's root cause (`anomalies.causes`).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ROOT_CAUSE_DIMENSIONS, type AnomalyCauses, type AttributionMethod } from '../schemas/attribution';
import { INVALID_INPUT } from '../schemas/constants';
import { addDays, dayToMs, eachDay, isIsoDate } from '../schemas/dates';
import { openActivitySource, type OpenSource } from './activity-source';
import { attributeDay } from './attribution/attribute-hours';
import { dayTotals, rollUpCosts } from './attribution/cost-rollup';
import { explainAnomaly, referenceDaysFor, sameCauses } from './attribution/explain';
import { withHeartbeat } from './heartbeat';
import type { MeteringSource } from './sources';
import type { QueryCostRecord } from './sources/metering-source';
import {
  anomaliesOnDays,
  attributionState,
  costsForDays,
  idleForDays,
  meteringHoursOfDay,
  replaceDayAttribution,
  setCauses,
} from './store/attribution-store';
import type { Db } from './store/database';

export interface AttributionDeps {
  db: Db;
  openSource: OpenSource;
  defaultSource: string;
}

export interface CheckAttributionCoverageInput {
  /** The source spec; `defaultSource` when absent. */
  source?: string;
  from: string;
  to: string;
}

export interface AttributionCoverage {
  /** False when the source has no query data (CSV): attribution is skipped. */
  available: boolean;
  /** ISO time the source's query data is published to, or null. */
  publishedTo: string | null;
  /** Covered days that need attributing: never attributed, attributed before the data covered them (complete=false), or whose metering was re-loaded since. */
  due: string[];
  /** Days the query data does not cover yet (publishedTo < start of the next day). */
  pending: string[];
  /** Covered days already attributed and unchanged since. */
  done: string[];
}

export interface AttributeQueryCostsInput {
  source?: string;
  days: string[];
  /** Whether the query data covers these days completely (recorded; incomplete days are attributed again later). */
  complete: boolean;
}

export interface AttributionSummary {
  days: number;
  queries: number;
  meteredCredits: number;
  attributedCredits: number;
  idleCredits: number;
  unmatchedQueryParts: number;
  /** `reported` when any day was attributed from reported credits; `none` when no day was attributed. */
  method: AttributionMethod | 'none';
}

export interface ExplainAnomaliesInput {
  days: string[];
}

export interface ExplainAnomaliesResult {
  /** Anomalies on the days that have causes now (spikes on attributed days). */
  explained: number;
  /** Those whose causes were set for the first time or changed (what an alert should be edited for). */
  anomalyIds: number[];
}

/** Heartbeat details of `attributeQueryCosts`: the days written so far and their totals, so a retry skips them. */
export interface AttributeHeartbeat {
  done: string[];
  queries: number;
  meteredNano: number;
  attributedNano: number;
  idleNano: number;
  unmatchedQueryParts: number;
  methods: AttributionMethod[];
}

/** Queries per batch read from the source. */
const QUERY_BATCH = 10_000;

export function createAttributionActivities(deps: AttributionDeps) {
  return {
    /** Which of the days from … to the source's query data covers, and which of those need attributing. Writes nothing. */
    async checkAttributionCoverage(input: CheckAttributionCoverageInput): Promise<AttributionCoverage> {
      const days = dayRange(input.from, input.to);
      const source = openActivitySource(deps.openSource, input.source ?? deps.defaultSource);
      try {
        if (!source.readQueries || !source.queriesPublishedTo) {
          return { available: false, publishedTo: null, due: [], pending: [], done: [] };
        }
        const publishedTo = await source.queriesPublishedTo();
        const states = await attributionState(deps.db, days);
        const coverage: AttributionCoverage = {
          available: true,
          publishedTo: publishedTo?.toISOString() ?? null,
          due: [],
          pending: [],
          done: [],
        };
        for (const day of days) {
          const state = states.get(day);
          if (!publishedTo || publishedTo.getTime() < dayToMs(addDays(day, 1))) coverage.pending.push(day);
          else if (!state?.attributedAt || !state.complete || state.meteringChangedSince) coverage.due.push(day);
          else coverage.done.push(day);
        }
        Context.current().log.info(
          `attribution coverage ${input.from}…${input.to}: ${coverage.due.length} due, ${coverage.pending.length} pending, ${coverage.done.length} done (queries published to ${coverage.publishedTo ?? 'nothing'})`,
        );
        return coverage;
      } finally {
        await source.close?.();
      }
    },

    /**
     * Attribute each day's metered compute to its queries and replace the day's attribution (one transaction per
     * day). Heartbeats after each day; a retry resumes after the days an earlier attempt finished.
     */
    async attributeQueryCosts(input: AttributeQueryCostsInput): Promise<AttributionSummary> {
      for (const day of input.days) checkDay('days', day);
      const ctx = Context.current();
      const source = openActivitySource(deps.openSource, input.source ?? deps.defaultSource);
      try {
        if (!source.readQueries) {
          throw ApplicationFailure.create({
            type: INVALID_INPUT,
            message: `source ${source.spec} has no query data to attribute`,
            nonRetryable: true,
          });
        }
        const checkpoint = resumeFrom(ctx);
        await withHeartbeat(
          ctx,
          () => checkpoint,
          async () => {
            for (const day of input.days) {
              if (checkpoint.done.includes(day)) continue;
              await attributeOneDay(deps.db, source, day, input.complete, checkpoint);
              ctx.heartbeat(checkpoint);
            }
          },
        );
        const summary = summarise(checkpoint);
        const c = (credits: number) => credits.toFixed(3);
        ctx.log.info(
          `attributed ${summary.days} day(s), ${summary.queries} queries: ${c(summary.attributedCredits)} of ${c(summary.meteredCredits)} compute credits to queries, ${c(summary.idleCredits)} idle, ${summary.unmatchedQueryParts} query parts without metering (${summary.method})`,
        );
        return summary;
      } finally {
        await source.close?.();
      }
    },

    /** Set the root cause of every spike on these days whose day has been attributed (drops get none). */
    async explainAnomalies(input: ExplainAnomaliesInput): Promise<ExplainAnomaliesResult> {
      for (const day of input.days) checkDay('days', day);
      const found = await anomaliesOnDays(deps.db, input.days);
      const needed = new Set(found.flatMap((a) => [a.usageDate, ...referenceDaysFor(a.usageDate)]));
      const states = await attributionState(deps.db, [...needed]);
      const attributed = (day: string) => states.get(day)?.attributedAt != null;
      const result: ExplainAnomaliesResult = { explained: 0, anomalyIds: [] };
      for (const anomaly of found) {
        if (!attributed(anomaly.usageDate)) continue;
        const referenceDays = referenceDaysFor(anomaly.usageDate).filter(attributed);
        const days = [anomaly.usageDate, ...referenceDays];
        const causes: AnomalyCauses | null =
          anomaly.direction === 'spike'
            ? explainAnomaly({
                anomaly,
                method: states.get(anomaly.usageDate)?.method ?? 'execution-time',
                referenceDays,
                costs: await costsForDays(deps.db, anomaly.warehouse, ROOT_CAUSE_DIMENSIONS, days),
                idle: await idleForDays(deps.db, anomaly.warehouse, days),
                explainedAt: new Date(),
              })
            : null;
        if (causes) result.explained += 1;
        if (sameCauses(anomaly.causes as AnomalyCauses | null, causes)) continue;
        await setCauses(deps.db, anomaly.id, causes);
        result.anomalyIds.push(anomaly.id);
      }
      Context.current().log.info(
        `explained ${result.explained} of ${found.length} anomalies on ${input.days.length} day(s); causes set or changed on ${result.anomalyIds.length}`,
      );
      return result;
    },
  };
}

/** Read, split, roll up and store one day, adding its totals to `checkpoint`. */
async function attributeOneDay(
  db: Db,
  source: MeteringSource,
  day: string,
  complete: boolean,
  checkpoint: AttributeHeartbeat,
): Promise<void> {
  const queries: QueryCostRecord[] = [];
  for await (const batch of source.readQueries!(day, day, QUERY_BATCH)) queries.push(...batch);
  const covered = source.queryAccounts;
  const hours = (await meteringHoursOfDay(db, day)).filter((h) => !covered || covered.includes(h.account));
  const attribution = attributeDay(day, hours, queries);
  const totals = dayTotals(attribution);
  await replaceDayAttribution(db, day, { attribution, costs: rollUpCosts(attribution), totals, complete });
  checkpoint.done.push(day);
  checkpoint.queries += totals.queries;
  checkpoint.meteredNano += totals.meteredNano;
  checkpoint.attributedNano += totals.attributedNano;
  checkpoint.idleNano += totals.idleNano;
  checkpoint.unmatchedQueryParts += attribution.unmatchedQueryParts;
  checkpoint.methods.push(attribution.method);
}

function resumeFrom(ctx: Context): AttributeHeartbeat {
  const resumed = ctx.info.heartbeatDetails as AttributeHeartbeat | undefined;
  if (resumed) {
    ctx.log.info('resuming cost attribution', { after: resumed.done.at(-1), attempt: ctx.info.attempt });
    return { ...resumed, done: [...resumed.done], methods: [...resumed.methods] };
  }
  return { done: [], queries: 0, meteredNano: 0, attributedNano: 0, idleNano: 0, unmatchedQueryParts: 0, methods: [] };
}

function summarise(c: AttributeHeartbeat): AttributionSummary {
  const credits = (nano: number) => nano / 1e9;
  return {
    days: c.done.length,
    queries: c.queries,
    meteredCredits: credits(c.meteredNano),
    attributedCredits: credits(c.attributedNano),
    idleCredits: credits(c.idleNano),
    unmatchedQueryParts: c.unmatchedQueryParts,
    method: c.methods.length === 0 ? 'none' : c.methods.includes('reported') ? 'reported' : 'execution-time',
  };
}

function dayRange(from: string, to: string): string[] {
  checkDay('from', from);
  checkDay('to', to);
  if (from > to) invalid(`from: ${from} is after to ${to}`);
  return eachDay(from, to);
}

function checkDay(field: string, day: string): void {
  if (!isIsoDate(day)) invalid(`${field}: expected dates as YYYY-MM-DD, got ${JSON.stringify(day)}`);
}

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: INVALID_INPUT, message, nonRetryable: true });
}
