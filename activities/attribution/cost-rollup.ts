/**
 * A day's query parts rolled up into `cost_daily`: credits and query counts per warehouse, dimension and value, in
 * integer nano-credits (decimal text only at the database edge). Every part lands on exactly one value of each
 * always-present dimension (`query_tag`, `user`, `role`, `query_hash`), so per warehouse-day and per such dimension,
 * the values plus the day's idle credits add up to metered compute exactly.
 */
import { COST_DIMENSIONS, type CostDimension } from '../../schemas/attribution';
import type { DayAttribution } from './attribute-hours';
import { dimensionValues, type DimensionValues } from './query-tag';

/** One `cost_daily` row. */
export interface CostRow {
  usageDate: string;
  warehouse: string;
  dimension: CostDimension;
  value: string;
  nano: number;
  /** Queries with credits in this warehouse-day under this value (each once, however many hours it spanned). */
  queries: number;
}

/** A day's totals over every warehouse-hour. */
export interface DayTotals {
  meteredNano: number;
  attributedNano: number;
  idleNano: number;
  /** Distinct queries with credits on the day. */
  queries: number;
}

/** Cost rows of one attributed day, ordered by warehouse, dimension (as in COST_DIMENSIONS) and value. */
export function rollUpCosts(attribution: DayAttribution): CostRow[] {
  const groups = new Map<
    string,
    { warehouse: string; dimension: CostDimension; value: string; nano: number; ids: Set<string> }
  >();
  const valuesOf = new Map<string, DimensionValues>();
  for (const { query, warehouse, nano } of attribution.parts) {
    if (nano === 0) continue;
    const recordKey = [query.queryTag, query.userName, query.roleName, query.queryHash].join('\u0000');
    let values = valuesOf.get(recordKey);
    if (!values) {
      values = dimensionValues(query);
      valuesOf.set(recordKey, values);
    }
    const queryId = `${query.account}\u0000${query.queryId}`;
    for (const dimension of COST_DIMENSIONS) {
      const value = values[dimension];
      if (value === undefined) continue;
      const key = `${warehouse}\u0000${dimension}\u0000${value}`;
      const group = groups.get(key) ?? { warehouse, dimension, value, nano: 0, ids: new Set<string>() };
      group.nano += nano;
      group.ids.add(queryId);
      groups.set(key, group);
    }
  }
  const order = (d: CostDimension) => COST_DIMENSIONS.indexOf(d);
  return [...groups.values()]
    .sort(
      (a, b) =>
        compare(a.warehouse, b.warehouse) || order(a.dimension) - order(b.dimension) || compare(a.value, b.value),
    )
    .map((g) => ({
      usageDate: attribution.day,
      warehouse: g.warehouse,
      dimension: g.dimension,
      value: g.value,
      nano: g.nano,
      queries: g.ids.size,
    }));
}

/** Metered, attributed and idle credits of the day, and how many queries had credits in it. */
export function dayTotals(attribution: DayAttribution): DayTotals {
  const totals = { meteredNano: 0, attributedNano: 0, idleNano: 0, queries: 0 };
  for (const h of attribution.hours) {
    totals.meteredNano += h.meteredNano;
    totals.attributedNano += h.attributedNano;
    totals.idleNano += h.idleNano;
  }
  const ids = new Set<string>();
  for (const p of attribution.parts) if (p.nano !== 0) ids.add(`${p.query.account}\u0000${p.query.queryId}`);
  totals.queries = ids.size;
  return totals;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
