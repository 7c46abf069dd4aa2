/**
 * `snowpatrol costs`: where the compute credits went, by a dimension of cost attribution (query tag, user, Temporal
 * workflow type …), with each value's last-day change against the day and the week before. The idle remainder and
 * the metered total close the table, so it adds up to what Snowflake metered.
 */
import type { Command } from 'commander';
import {
  dailyAttribution,
  dailyCosts,
  warehouseAttributed,
  type DayAttribution,
  type DayValueCost,
} from '../../activities/store/cost-query-store';
import type { CostDimension } from '../../schemas/attribution';
import { loadConfig, type Config } from '../../schemas/config';
import { addDays, eachDay } from '../../schemas/dates';
import { withDatabase } from '../app';
import { checkDayRange, dateArg, dimensionArg, intArg, printResult, warehouseArg, yesterday } from '../options';
import { costsText } from '../report';

export interface CostsOptions {
  from: string;
  to: string;
  by: CostDimension;
  warehouse?: string;
  top: number;
  daily: boolean;
  json: boolean;
}

/** Longest period at once (a year of days). */
const MAX_DAYS = 366;

/** One line of the table: a value, the values beyond --top, credits no value of the dimension covers, idle, total. */
export interface CostLine {
  kind: 'value' | 'others' | 'unassigned' | 'idle' | 'total';
  label: string;
  credits: number;
  /** Of the period's metered compute credits. */
  share: number;
  queries: number | null;
  /** On the last day, the day before it, and 7 days before it (null when that day was not attributed). */
  lastDay: number;
  dayBefore: number | null;
  weekBefore: number | null;
}

export interface CostSummary {
  dimension: CostDimension;
  from: string;
  to: string;
  warehouse: string | null;
  /** The latest attributed day of the period, which the deltas are about (null when none was attributed). */
  lastDay: string | null;
  lines: CostLine[];
  /** Per day (with --daily): the same lines for that day alone (lastDay = that day). */
  days?: { usageDate: string; lines: CostLine[] }[];
  /** Days of the period with no attribution (the query history does not cover them, or no query data at all). */
  notAttributed: string[];
}

/** Credit sums this small are rounding, not cost. */
const EPSILON = 5e-7;

/** Register `costs` on the CLI. */
export function addCostsCommand(parent: Command): void {
  parent
    .command('costs')
    .description('compute credits by query tag, user, Temporal workflow type …, with day-over-day and week-over-week')
    .option('--from <date>', 'first day (default: 6 days before --to)', dateArg)
    .option('--to <date>', 'last day (default: yesterday, UTC)', dateArg)
    .option('--by <dimension>', 'query_tag | user | role | query_hash | airflow_dag | … ', dimensionArg, 'query_tag')
    .option('--warehouse <ACCOUNT.NAME>', 'only this warehouse', warehouseArg)
    .option('--top <n>', 'values shown; the rest are summed on one line', intArg(1, 1000), 10)
    .option('--daily', 'one block of rows per day (e.g. --by temporal_workflow_type: cost per workflow type per day)')
    .option('--json', 'print JSON', false)
    .action(async (o: Partial<CostsOptions> & { by: CostDimension; top: number; json: boolean }) => {
      const to = o.to ?? yesterday();
      await costsCommand(loadConfig(), { ...o, to, from: o.from ?? addDays(to, -6), daily: o.daily ?? false });
    });
}

export async function costsCommand(config: Config, opts: CostsOptions): Promise<void> {
  checkDayRange(opts.from, opts.to, MAX_DAYS);
  await withDatabase(config, async (db) => {
    if (opts.warehouse && !(await warehouseAttributed(db, opts.warehouse))) {
      throw new Error(
        `no attributed cost for warehouse ${opts.warehouse} (names look like ACCOUNT.WAREHOUSE; ` +
          'see `snowpatrol costs --by query_tag` for all warehouses)',
      );
    }
    // A week before --from too: the first days' week-over-week needs it.
    const range = { from: addDays(opts.from, -7), to: opts.to, warehouse: opts.warehouse };
    const summary = summariseCosts(await dailyCosts(db, opts.by, range), await dailyAttribution(db, range), opts);
    printResult(opts.json, summary, () => costsText(summary));
  });
}

/** Sum per label over some days. */
function totalsOver(costs: readonly DayValueCost[], days: ReadonlySet<string>) {
  const byValue = new Map<string, { credits: number; queries: number }>();
  for (const c of costs) {
    if (!days.has(c.usageDate)) continue;
    const t = byValue.get(c.value) ?? { credits: 0, queries: 0 };
    byValue.set(c.value, { credits: t.credits + c.credits, queries: t.queries + c.queries });
  }
  return byValue;
}

/**
 * The lines of one stretch of days (`days`, with deltas about `last`): the top values by credits, the rest summed,
 * the attributed credits no value covers (dimensions only some tags carry), idle, and the metered total.
 */
function linesFor(
  costs: readonly DayValueCost[],
  attribution: ReadonlyMap<string, DayAttribution>,
  days: readonly string[],
  last: string | null,
  top: readonly string[] | number,
  label: string,
): CostLine[] {
  const one = (d: string | null) => new Set(d === null ? [] : [d]);
  const spans = {
    period: new Set(days),
    lastDay: one(last),
    dayBefore: one(last && addDays(last, -1)),
    weekBefore: one(last && addDays(last, -7)),
  };
  const values = Object.fromEntries(Object.entries(spans).map(([k, s]) => [k, totalsOver(costs, s)])) as Record<
    keyof typeof spans,
    Map<string, { credits: number; queries: number }>
  >;
  const metered = (s: ReadonlySet<string>, pick: (a: DayAttribution) => number) =>
    [...s].reduce((sum, d) => sum + (attribution.has(d) ? pick(attribution.get(d)!) : 0), 0);
  const sumOf = (m: Map<string, { credits: number; queries: number }>, keep: (v: string) => boolean) =>
    [...m].reduce((s, [v, t]) => (keep(v) ? s + t.credits : s), 0);
  const total = metered(spans.period, (a) => a.meteredCredits);
  const covered = (span: keyof typeof spans) => [...spans[span]].some((d) => attribution.has(d));
  const line = (
    kind: CostLine['kind'],
    name: string,
    of: (span: keyof typeof spans) => number,
    queries: number | null,
  ): CostLine => ({
    kind,
    label: name,
    credits: of('period'),
    share: total > 0 ? of('period') / total : 0,
    queries,
    lastDay: of('lastDay'),
    dayBefore: covered('dayBefore') ? of('dayBefore') : null,
    weekBefore: covered('weekBefore') ? of('weekBefore') : null,
  });

  const ranked = [...values.period].sort((a, b) => b[1].credits - a[1].credits || a[0].localeCompare(b[0]));
  const shown =
    typeof top === 'number' ? ranked.slice(0, top).map(([v]) => v) : top.filter((v) => values.period.has(v));
  const isShown = new Set(shown);
  const lines = shown.map((v) =>
    line('value', v, (span) => values[span].get(v)?.credits ?? 0, values.period.get(v)?.queries ?? 0),
  );
  const rest = ranked.filter(([v]) => !isShown.has(v));
  if (rest.length > 0) {
    lines.push(
      line(
        'others',
        `(${rest.length} other${rest.length === 1 ? '' : 's'})`,
        (span) => sumOf(values[span], (v) => !isShown.has(v)),
        rest.reduce((s, [, t]) => s + t.queries, 0),
      ),
    );
  }
  const unassigned = line(
    'unassigned',
    `(no ${label})`,
    (span) => metered(spans[span], (a) => a.attributedCredits) - sumOf(values[span], () => true),
    null,
  );
  if (Math.abs(unassigned.credits) > EPSILON) lines.push(unassigned);
  lines.push(line('idle', '(idle)', (span) => metered(spans[span], (a) => a.idleCredits), null));
  lines.push(
    line(
      'total',
      'total (metered)',
      (span) => metered(spans[span], (a) => a.meteredCredits),
      [...spans.period].reduce((s, d) => s + (attribution.get(d)?.queries ?? 0), 0),
    ),
  );
  return lines;
}

/** The costs table of a period (pure): what `snowpatrol costs` prints or, with --json, returns. */
export function summariseCosts(
  costs: readonly DayValueCost[],
  attribution: readonly DayAttribution[],
  opts: Pick<CostsOptions, 'from' | 'to' | 'by' | 'warehouse' | 'top' | 'daily'>,
): CostSummary {
  const byDay = new Map(attribution.map((a) => [a.usageDate, a]));
  const period = eachDay(opts.from, opts.to);
  const attributed = period.filter((d) => byDay.has(d));
  const lastDay = attributed.at(-1) ?? null;
  const lines = linesFor(costs, byDay, attributed, lastDay, opts.top, opts.by);
  const shown = lines.filter((l) => l.kind === 'value').map((l) => l.label);
  return {
    dimension: opts.by,
    from: opts.from,
    to: opts.to,
    warehouse: opts.warehouse ?? null,
    lastDay,
    lines,
    ...(opts.daily
      ? { days: attributed.map((d) => ({ usageDate: d, lines: linesFor(costs, byDay, [d], d, shown, opts.by) })) }
      : {}),
    notAttributed: period.filter((d) => !byDay.has(d)),
  };
}
