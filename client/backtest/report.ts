/** What `snowpatrol backtest` prints: a summary, alerts per warehouse-month, the flags, and quality when known. */
import type { Quality } from '../../activities/ml/evaluate';
import { table } from '../report';
import type { BacktestRun, Flag } from './run';

/** The `--json` output: one object per flagged warehouse-day. */
export function flagsJson(run: BacktestRun): object[] {
  return run.flags.map((f) => ({
    warehouse: f.warehouse,
    usageDate: f.usageDate,
    score: f.score,
    threshold: f.threshold,
    actual: f.actual,
    expected: f.expected,
    excessCredits: f.excessCredits,
    excessCost: f.excessCost,
    direction: f.direction,
    severity: f.severity,
  }));
}

/** Alerts per warehouse (rows) and month (columns), with totals. */
export function alertsPerMonth(run: BacktestRun, warehouses: readonly string[]): string {
  const months: string[] = [];
  for (let m = run.from.slice(0, 7); m <= run.to.slice(0, 7); m = nextMonth(m)) months.push(m);
  const counts = new Map<string, number>();
  for (const f of run.flags) {
    const k = `${f.warehouse}|${f.usageDate.slice(0, 7)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const rows = warehouses.map((w) => {
    const perMonth = months.map((m) => counts.get(`${w}|${m}`) ?? 0);
    return [w, ...perMonth.map(String), String(perMonth.reduce((a, b) => a + b, 0))];
  });
  return table(['WAREHOUSE', ...months.map((m) => m.slice(2)), 'TOTAL'], rows);
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function flagsTable(flags: readonly Flag[]): string {
  if (flags.length === 0) return 'No days flagged.';
  return table(
    ['WAREHOUSE', 'DATE', 'ACTUAL', 'EXPECTED', 'EXCESS', 'EXCESS %', 'EXCESS COST', 'DIRECTION', 'SEVERITY', 'SCORE'],
    flags.map((f) => [
      f.warehouse,
      f.usageDate,
      f.actual,
      f.expected,
      f.excessCredits,
      f.expected > 0 ? `${Math.round((100 * f.excessCredits) / f.expected)}%` : 'new spend',
      f.excessCost === null ? '-' : f.excessCost.toFixed(2),
      f.direction,
      f.severity,
      f.score.toFixed(3),
    ]),
  );
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

function qualityRow(name: string, flagged: number, judged: number, q: Quality | undefined, secs: number | undefined) {
  return [
    name,
    String(flagged),
    pct(judged === 0 ? null : flagged / judged),
    pct(q?.precision),
    q ? `${pct(q.eventRecall)} (${q.eventsCaught}/${q.events})` : '-',
    secs === undefined ? '-' : `${secs.toFixed(2)} s`,
  ];
}

/** The whole human-readable report. */
export function backtestReport(run: BacktestRun, describe: { source: string; settings: string }): string {
  const warehouses = [...new Set(run.flags.map((f) => f.warehouse))].sort();
  const parts = [
    `Backtest of ${describe.source}, ${run.from} → ${run.to}: ${run.warehouses} warehouses, ` +
      `${run.judgedDays.toLocaleString('en-US')} warehouse-days judged` +
      (run.unscoredDays > 0 ? ` (${run.unscoredDays} more without enough history for a model)` : '') +
      `, ${run.models} models.`,
    describe.settings,
    '',
    'Alerts per warehouse and month:',
    warehouses.length === 0 ? 'none' : alertsPerMonth(run, warehouses),
    '',
    'Flagged days:',
    flagsTable(run.flags),
  ];
  if (run.quality || run.snowpatrolMethod) {
    parts.push(
      '',
      run.quality
        ? 'Against the labelled anomalies (precision per flagged day; an event is caught if flagged on one of its days or the day after):'
        : "Beside SnowPatrol's method (no labels: counts only):",
      table(
        ['METHOD', 'FLAGGED', 'OF DAYS', 'PRECISION', 'EVENT RECALL', 'TIME'],
        [
          qualityRow('snowpatrol', run.flags.length, run.judgedDays, run.quality, run.seconds.backtest),
          ...(run.snowpatrolMethod
            ? [
                qualityRow(
                  "SnowPatrol's method",
                  run.snowpatrolMethod.flags.length,
                  run.judgedDays,
                  run.snowpatrolMethod.quality,
                  run.seconds.snowpatrolMethod,
                ),
              ]
            : []),
        ],
      ),
    );
  }
  return parts.join('\n');
}
