/**
 * SnowPatrol's method (bench/snowpatrol_method.py: pandas + statsmodels + scikit-learn, the same per-warehouse
 * walk-forward) on the daily totals the pipeline loaded into Postgres — the same series the backtest stage reads.
 */
import postgres from 'postgres';
import { fillCalendar, type DailyCredits } from '../activities/ml/calendar';
import { DEFAULT_DETECTOR_PARAMS } from '../activities/ml/detector';
import { DETECTION_DEFAULTS } from '../schemas/detection-config';
import { DEFAULTS } from '../schemas/inputs';
import { runPython, type Dataset, type MethodRun } from './backtest-methods';
import { RETRAIN_EVERY_DAYS } from './pipeline-backtest';

export { pythonUnavailable } from './backtest-methods';

/** Complete daily calendars per warehouse up to `to`, from metering_daily; the first `limit` warehouses by name. */
export async function dailySeries(
  databaseUrl: string,
  to: string,
  limit?: number,
): Promise<Map<string, DailyCredits[]>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ warehouse: string; day: string; credits: string }[]>`
      select warehouse, usage_date::text as day, credits_used::text as credits from metering_daily
      where usage_date <= ${to}::date order by warehouse, usage_date`;
    const points = new Map<string, DailyCredits[]>();
    for (const r of rows) {
      let list = points.get(r.warehouse);
      if (!list) {
        if (limit !== undefined && points.size >= limit) break;
        points.set(r.warehouse, (list = []));
      }
      list.push({ day: r.day, credits: Number(r.credits) });
    }
    const series = new Map<string, DailyCredits[]>();
    for (const [warehouse, list] of points) {
      series.set(
        warehouse,
        fillCalendar(list, to, { decommissionedAfterDays: DETECTION_DEFAULTS.decommissionedAfterDays }),
      );
    }
    return series;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Run the Python method over from … to for (up to `limit` of) the warehouses. */
export async function runPythonMethod(
  databaseUrl: string,
  from: string,
  to: string,
  limit?: number,
): Promise<{ run: MethodRun; warehouses: number }> {
  const series = await dailySeries(databaseUrl, to, limit);
  const data: Dataset = {
    name: 'pipeline-bench',
    series,
    labels: [],
    levelShifts: [],
    holidays: new Set(),
    holidayWarehouses: new Set(),
  };
  const run = await runPython(data, {
    from,
    to,
    trainingDays: DEFAULTS.trainingDays,
    minTrainingDays: DETECTION_DEFAULTS.minTrainingDays,
    retrainEveryDays: RETRAIN_EVERY_DAYS,
    windowDays: DETECTION_DEFAULTS.windowDays,
    params: DEFAULT_DETECTOR_PARAMS,
    seed: DETECTION_DEFAULTS.seed,
  });
  return { run, warehouses: series.size };
}
