/**
 * What `snowpatrol report` shows, read from the state database: per warehouse its daily credits against the expected
 * band (the Slack alert chart's data), cost, idle share, top workloads and anomalies with causes and feedback; and the
 * organisation's cost per Temporal workflow type per day.
 */
import { and, asc, desc, eq, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { AnomalyCauses, CostDimension } from '../../schemas/attribution';
import { addDays, dayToMs, daysBetween } from '../../schemas/dates';
import type { PriceSettings } from '../../schemas/snowflake-config';
import { attributionHourly, costDaily, creditPrices, feedback, meteringDaily } from '../../schemas/tables';
import type { ChartDay } from '../slack/chart';
import { anomalyCauses, listAnomalies } from '../store/anomaly-store';
import { chartDays } from '../store/chart-store';
import type { Db } from '../store/database';

/** Dimensions whose top values each warehouse section lists, in order; the last only when it has data. */
export const REPORT_DIMENSIONS = [
  'query_tag',
  'user',
  'query_hash',
  'temporal_workflow_type',
] as const satisfies readonly CostDimension[];
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The dimension the per-workflow-type section is drawn from. */
export const WORKFLOW_TYPE_DIMENSION = 'temporal_workflow_type' satisfies CostDimension;

export interface ReportOptions {
  from: string;
  to: string;
  /** Only these warehouses (`ACCOUNT.WAREHOUSE`); all with data in the period when absent or empty. */
  warehouses?: readonly string[];
  /** Feature version of the expected values (as the alert chart reads them). */
  featureVersion: string;
  /** Price used when no billing price is known for an account and day (as scoring does). */
  prices: PriceSettings;
  /** Values listed per dimension (default 5). */
  topValues?: number;
}

/** An amount of money in one currency. */
export interface Money {
  amount: number;
  currency: string;
}

/** One value of a dimension over the period. */
export interface TopValue {
  value: string;
  credits: number;
  queries: number;
  /** credits ÷ the warehouse's metered compute credits in attributed hours. */
  share: number;
}

export interface DimensionCosts {
  dimension: ReportDimension;
  /** Largest first, at most `topValues`. */
  values: TopValue[];
  /** How many distinct values the dimension had over the period. */
  distinctValues: number;
  /** Credits of the values not listed. */
  otherCredits: number;
}

/** Compute credits of the warehouse's attributed hours: metered = attributed + idle. */
export interface AttributionTotals {
  meteredCredits: number;
  attributedCredits: number;
  idleCredits: number;
  queries: number;
  /** idle ÷ metered (0 when nothing was metered). */
  idleShare: number;
}

export interface ReportFeedback {
  verdict: string;
  author: string;
  comment: string | null;
  createdAt: string;
}

export interface ReportAnomaly {
  id: number;
  usageDate: string;
  actual: number;
  expected: number;
  excessCredits: number;
  excessCost: Money | null;
  direction: 'spike' | 'drop';
  severity: 'low' | 'medium' | 'high';
  status: string;
  /** Null until the day's queries have been attributed. */
  causes: AnomalyCauses | null;
  /** Oldest first. */
  feedback: ReportFeedback[];
}

export interface WarehouseReport {
  warehouse: string;
  credits: number;
  /** Per currency (normally one); empty when no price is known. */
  cost: Money[];
  /** The alert chart's days (actual, expected, band, anomaly marks) from `from` to `to`. */
  chart: ChartDay[];
  /** Null when none of the period's hours were attributed to queries. */
  attribution: AttributionTotals | null;
  /** Dimensions with data, in REPORT_DIMENSIONS order. */
  costs: DimensionCosts[];
  /** By date. */
  anomalies: ReportAnomaly[];
}

export interface WorkflowTypeDay {
  date: string;
  value: string;
  credits: number;
  queries: number;
}

export interface ReportData {
  from: string;
  to: string;
  days: number;
  generatedAt: string;
  totals: {
    credits: number;
    cost: Money[];
    /** Null when no warehouse had attribution in the period. */
    attribution: AttributionTotals | null;
    anomalies: number;
  };
  /** Most credits first. */
  warehouses: WarehouseReport[];
  /** Requested warehouses with no data in the period. */
  missing: string[];
  /** Attributed credits per Temporal workflow type and day, over the warehouses reported; empty when none. */
  workflowTypes: WorkflowTypeDay[];
}

const num = (v: unknown): number => Number(v ?? 0);

/** Read everything the report shows for the period. Throws a RangeError when `from` is after `to`. */
export async function readReportData(db: Db, options: ReportOptions): Promise<ReportData> {
  const { from, to } = options;
  if (from > to) throw new RangeError(`--from ${from} is after --to ${to}`);
  const only = options.warehouses && options.warehouses.length > 0 ? [...new Set(options.warehouses)] : undefined;
  const topValues = options.topValues ?? 5;

  const metering = await db
    .select({
      warehouse: meteringDaily.warehouse,
      account: meteringDaily.account,
      usageDate: meteringDaily.usageDate,
      credits: meteringDaily.creditsUsed,
    })
    .from(meteringDaily)
    .where(
      and(
        gte(meteringDaily.usageDate, from),
        lte(meteringDaily.usageDate, to),
        only ? inArray(meteringDaily.warehouse, only) : undefined,
      ),
    );
  const anomalyRows = await readAnomalies(db, from, to, only);

  const names = new Set([...metering.map((m) => m.warehouse), ...anomalyRows.map((a) => a.warehouse)]);
  const warehouses = [...names];
  const priceOf = await priceLookup(db, [...new Set(metering.map((m) => m.account))], to, options.prices);

  const credits = new Map<string, number>();
  const cost = new Map<string, Map<string, number>>();
  for (const m of metering) {
    credits.set(m.warehouse, (credits.get(m.warehouse) ?? 0) + m.credits);
    const price = priceOf(m.account, m.usageDate);
    if (!price) continue;
    const byCurrency = cost.get(m.warehouse) ?? new Map<string, number>();
    byCurrency.set(price.currency, (byCurrency.get(price.currency) ?? 0) + m.credits * price.pricePerCredit);
    cost.set(m.warehouse, byCurrency);
  }

  const attribution = await readAttribution(db, from, to, warehouses);
  const costs = await readTopCosts(db, from, to, warehouses, topValues, attribution);
  const span = daysBetween(from, to) + 1;
  const reports: WarehouseReport[] = [];
  for (const warehouse of warehouses) {
    reports.push({
      warehouse,
      credits: credits.get(warehouse) ?? 0,
      cost: moneyOf(cost.get(warehouse)),
      chart: await chartDays(db, warehouse, to, options.featureVersion, span),
      attribution: attribution.get(warehouse) ?? null,
      costs: costs.get(warehouse) ?? [],
      anomalies: anomalyRows.filter((a) => a.warehouse === warehouse).map(({ warehouse: _, ...a }) => a),
    });
  }
  reports.sort((a, b) => b.credits - a.credits || a.warehouse.localeCompare(b.warehouse));

  const totalCost = new Map<string, number>();
  for (const r of reports)
    for (const c of r.cost) totalCost.set(c.currency, (totalCost.get(c.currency) ?? 0) + c.amount);
  const attributed = reports.flatMap((r) => (r.attribution ? [r.attribution] : []));
  return {
    from,
    to,
    days: span,
    generatedAt: new Date().toISOString(),
    totals: {
      credits: reports.reduce((s, r) => s + r.credits, 0),
      cost: moneyOf(totalCost),
      attribution: attributed.length > 0 ? sumAttribution(attributed) : null,
      anomalies: anomalyRows.length,
    },
    warehouses: reports,
    missing: (only ?? []).filter((w) => !names.has(w)),
    workflowTypes: warehouses.length > 0 ? await readWorkflowTypes(db, from, to, warehouses) : [],
  };
}

function moneyOf(byCurrency: Map<string, number> | undefined): Money[] {
  return [...(byCurrency ?? new Map<string, number>())].map(([currency, amount]) => ({ amount, currency }));
}

function sumAttribution(rows: readonly AttributionTotals[]): AttributionTotals {
  const metered = rows.reduce((s, r) => s + r.meteredCredits, 0);
  const idle = rows.reduce((s, r) => s + r.idleCredits, 0);
  return {
    meteredCredits: metered,
    attributedCredits: rows.reduce((s, r) => s + r.attributedCredits, 0),
    idleCredits: idle,
    queries: rows.reduce((s, r) => s + r.queries, 0),
    idleShare: metered > 0 ? idle / metered : 0,
  };
}

/**
 * Price per account and day: the latest billing price on or before the day, else the configured price — the rule
 * scoring uses for an anomaly's excess cost.
 */
async function priceLookup(db: Db, accounts: string[], to: string, fallback: PriceSettings) {
  const rows =
    accounts.length === 0
      ? []
      : await db
          .select()
          .from(creditPrices)
          .where(and(inArray(creditPrices.account, accounts), lte(creditPrices.usageDate, to)))
          .orderBy(asc(creditPrices.account), desc(creditPrices.usageDate));
  const configured = fallback.pricePerCredit
    ? { currency: fallback.currency, pricePerCredit: fallback.pricePerCredit }
    : undefined;
  const byAccount = new Map<string, typeof rows>();
  for (const r of rows) byAccount.set(r.account, [...(byAccount.get(r.account) ?? []), r]);
  return (account: string, day: string) => byAccount.get(account)?.find((r) => r.usageDate <= day) ?? configured;
}

async function readAnomalies(db: Db, from: string, to: string, only: string[] | undefined) {
  const rows = (await listAnomalies(db, from, to)).filter((a) => !only || only.includes(a.warehouse));
  const ids = rows.map((r) => r.id);
  const notes =
    ids.length === 0
      ? []
      : await db.select().from(feedback).where(inArray(feedback.anomalyId, ids)).orderBy(asc(feedback.id));
  return rows.map((a) => ({
    warehouse: a.warehouse,
    id: a.id,
    usageDate: a.usageDate,
    actual: a.actual,
    expected: a.expected,
    excessCredits: a.excessCredits,
    excessCost: a.excessCost !== null && a.currency ? { amount: a.excessCost, currency: a.currency } : null,
    direction: a.direction,
    severity: a.severity,
    status: a.status,
    causes: anomalyCauses(a),
    feedback: notes
      .filter((f) => f.anomalyId === a.id)
      .map((f) => ({ verdict: f.verdict, author: f.author, comment: f.comment, createdAt: f.createdAt.toISOString() })),
  }));
}

/** Hours from the start of `from` to the end of `to` (UTC). */
function hourRange(from: string, to: string): SQL | undefined {
  return and(
    gte(attributionHourly.startTime, new Date(dayToMs(from))),
    lt(attributionHourly.startTime, new Date(dayToMs(addDays(to, 1)))),
  );
}

async function readAttribution(
  db: Db,
  from: string,
  to: string,
  warehouses: string[],
): Promise<Map<string, AttributionTotals>> {
  if (warehouses.length === 0) return new Map();
  const rows = await db
    .select({
      warehouse: attributionHourly.warehouse,
      metered: sql<string>`sum(${attributionHourly.meteredCredits})`,
      attributed: sql<string>`sum(${attributionHourly.attributedCredits})`,
      idle: sql<string>`sum(${attributionHourly.idleCredits})`,
      queries: sql<string>`sum(${attributionHourly.queries})`,
    })
    .from(attributionHourly)
    .where(and(hourRange(from, to), inArray(attributionHourly.warehouse, warehouses)))
    .groupBy(attributionHourly.warehouse);
  return new Map(
    rows.map((r) => {
      const metered = num(r.metered);
      const idle = num(r.idle);
      return [
        r.warehouse,
        {
          meteredCredits: metered,
          attributedCredits: num(r.attributed),
          idleCredits: idle,
          queries: num(r.queries),
          idleShare: metered > 0 ? idle / metered : 0,
        },
      ];
    }),
  );
}

/** The `top` largest values of each reported dimension per warehouse, ranked in the database. */
async function readTopCosts(
  db: Db,
  from: string,
  to: string,
  warehouses: string[],
  top: number,
  attribution: Map<string, AttributionTotals>,
): Promise<Map<string, DimensionCosts[]>> {
  if (warehouses.length === 0) return new Map();
  const partition = sql`partition by ${costDaily.warehouse}, ${costDaily.dimension}`;
  const ranked = db
    .select({
      warehouse: costDaily.warehouse,
      dimension: costDaily.dimension,
      value: costDaily.value,
      credits: sql<string>`sum(${costDaily.credits})`.as('credits'),
      queries: sql<string>`sum(${costDaily.queries})`.as('queries'),
      rank: sql<number>`row_number() over (${partition} order by sum(${costDaily.credits}) desc, ${costDaily.value})`.as(
        'rank',
      ),
      distinctValues: sql<string>`count(*) over (${partition})`.as('distinct_values'),
      dimensionCredits: sql<string>`sum(sum(${costDaily.credits})) over (${partition})`.as('dimension_credits'),
    })
    .from(costDaily)
    .where(
      and(
        gte(costDaily.usageDate, from),
        lte(costDaily.usageDate, to),
        inArray(costDaily.dimension, [...REPORT_DIMENSIONS]),
        inArray(costDaily.warehouse, warehouses),
      ),
    )
    .groupBy(costDaily.warehouse, costDaily.dimension, costDaily.value)
    .as('ranked');
  const rows = await db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, top))
    .orderBy(asc(ranked.warehouse), asc(ranked.dimension), asc(ranked.rank));

  const result = new Map<string, DimensionCosts[]>();
  for (const warehouse of warehouses) {
    const mine = rows.filter((r) => r.warehouse === warehouse);
    const dims: DimensionCosts[] = [];
    for (const dimension of REPORT_DIMENSIONS) {
      const values = mine.filter((r) => r.dimension === dimension);
      if (values.length === 0) continue;
      const dimensionCredits = num(values[0].dimensionCredits);
      const base = attribution.get(warehouse)?.meteredCredits || dimensionCredits;
      const listed = values.map((r) => ({
        value: r.value,
        credits: num(r.credits),
        queries: num(r.queries),
        share: base > 0 ? num(r.credits) / base : 0,
      }));
      dims.push({
        dimension,
        values: listed,
        distinctValues: num(values[0].distinctValues),
        otherCredits: Math.max(0, dimensionCredits - listed.reduce((s, v) => s + v.credits, 0)),
      });
    }
    if (dims.length > 0) result.set(warehouse, dims);
  }
  return result;
}

async function readWorkflowTypes(db: Db, from: string, to: string, warehouses: string[]): Promise<WorkflowTypeDay[]> {
  const rows = await db
    .select({
      date: costDaily.usageDate,
      value: costDaily.value,
      credits: sql<string>`sum(${costDaily.credits})`,
      queries: sql<string>`sum(${costDaily.queries})`,
    })
    .from(costDaily)
    .where(
      and(
        eq(costDaily.dimension, WORKFLOW_TYPE_DIMENSION),
        gte(costDaily.usageDate, from),
        lte(costDaily.usageDate, to),
        inArray(costDaily.warehouse, warehouses),
      ),
    )
    .groupBy(costDaily.usageDate, costDaily.value)
    .orderBy(asc(costDaily.usageDate), asc(costDaily.value));
  return rows.map((r) => ({ date: r.date, value: r.value, credits: num(r.credits), queries: num(r.queries) }));
}
