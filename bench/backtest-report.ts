/**
 * Scoring the backtest benchmark's methods (bench/backtest-methods.ts) against a data set's labels — precision,
 * event recall by kind, size and alerted direction, false positives by situation — and printing the tables.
 */
import { addDays, eachDay } from '../schemas/dates';
import type { DailyCredits } from '../activities/ml/calendar';
import type { Direction, Directions } from '../activities/ml/detect';
import { evaluateFlags, labelEvents, type DayRef, type Quality } from '../activities/ml/evaluate';
import { key, type Dataset, type MethodRun } from './backtest-methods';

/** A false positive this many days from a level shift's first day on is counted as the shift's aftermath. */
const AFTER_SHIFT_DAYS = 7;

/** Which way each labelled kind (of the labelled and the demo organisation) moves spend. */
const KIND_DIRECTION: Readonly<Record<string, Direction>> = { spike: 'spike', runaway: 'spike', outage: 'drop' };

/** Whether a method with these alerting directions can alert a deviation in this direction. */
const alerts = (directions: Directions, direction: Direction) =>
  directions === 'both' || directions === `${direction}s`;

/** Events and how many of them a method caught. */
interface Recall {
  events: number;
  caught: number;
}

/** How well one method's flags match a data set's labels. */
export interface Evaluation extends Quality {
  flaggedShare: number;
  recallByKind: Record<string, Recall>;
  recallBySize: Record<string, Recall>;
  /** Event recall counting only the events whose direction the method alerts. */
  alertedRecall: Recall & { directions: Directions; recall: number | null };
  falsePositives: number;
  /** False positives by situation (each counted once, in this order). */
  fpAfterShift: number;
  fpOnHoliday: number;
  fpAfterHoliday: number;
  fpAfterEvent: number;
  fpOther: number;
  /**
   * Missed events by what stopped them (when the method reports it): a filter, when some day of the event passed
   * the score threshold but a filter suppressed it, else 'score'.
   */
  missedBy?: Record<string, number>;
}

/** Typical size of a warehouse: median daily credits over the range. */
function sizeBand(series: readonly DailyCredits[], from: string): string {
  const values = series
    .filter((p) => p.day >= from)
    .map((p) => p.credits)
    .sort((a, b) => a - b);
  const median = values[values.length >> 1] ?? 0;
  return median < 10 ? '<10 cr/day' : median < 100 ? '10-100 cr/day' : '≥100 cr/day';
}

/** `days` days from each ref's day on, as keys. */
function daysAfter(refs: readonly DayRef[], days: number, offset = 0): Set<string> {
  const out = new Set<string>();
  for (const r of refs)
    for (let i = 0; i < days; i++) out.add(key({ warehouse: r.warehouse, day: addDays(r.day, offset + i) }));
  return out;
}

/** Score one method's run against the data set's labels between `from` and `to`. */
export function evaluate(
  data: Dataset,
  run: Pick<MethodRun, 'flags' | 'directions' | 'suppressed'>,
  from: string,
  to: string,
): Evaluation {
  const { flags, suppressed } = run;
  const labels = data.labels.filter((l) => l.day >= from && l.day <= to);
  const quality = evaluateFlags(flags, labels);
  const flagged = new Set(flags.map(key));
  const caught = (event: DayRef[]) =>
    [...event, { warehouse: event[0].warehouse, day: addDays(event[event.length - 1].day, 1) }].some((d) =>
      flagged.has(key(d)),
    );
  const bands = new Map([...data.series].map(([w, s]) => [w, sizeBand(s, from)]));
  const kindOf = new Map(labels.map((l) => [key(l), l.kind]));
  const recallByKind: Evaluation['recallByKind'] = {};
  const recallBySize: Evaluation['recallBySize'] = {};
  const alerted: Recall = { events: 0, caught: 0 };
  for (const event of labelEvents(labels)) {
    const hit = caught(event) ? 1 : 0;
    const kind = kindOf.get(key(event[0])) ?? '?';
    const band = bands.get(event[0].warehouse) ?? '?';
    recallByKind[kind] = {
      events: (recallByKind[kind]?.events ?? 0) + 1,
      caught: (recallByKind[kind]?.caught ?? 0) + hit,
    };
    recallBySize[band] = {
      events: (recallBySize[band]?.events ?? 0) + 1,
      caught: (recallBySize[band]?.caught ?? 0) + hit,
    };
    const direction = KIND_DIRECTION[kind];
    if (!direction) throw new Error(`no direction known for label kind '${kind}'`);
    if (alerts(run.directions, direction)) {
      alerted.events++;
      alerted.caught += hit;
    }
  }

  const labelled = new Set(labels.map(key));
  const afterShift = daysAfter(data.levelShifts, AFTER_SHIFT_DAYS);
  const onHoliday = (d: DayRef) => data.holidayWarehouses.has(d.warehouse) && data.holidays.has(d.day);
  const afterHoliday = daysAfter(
    [...data.holidayWarehouses].flatMap((warehouse) => [...data.holidays].map((day) => ({ warehouse, day }))),
    7,
    1,
  );
  const afterEvent = daysAfter(
    labelEvents(data.labels).map((e) => e[e.length - 1]),
    7,
    1,
  );
  let missedBy: Record<string, number> | undefined;
  if (suppressed) {
    missedBy = {};
    for (const event of labelEvents(labels)) {
      if (caught(event)) continue;
      const reasons = event.map((d) => suppressed.get(key(d)) ?? 'unscored');
      const reason = reasons.find((r) => r !== 'score') ?? 'score';
      missedBy[reason] = (missedBy[reason] ?? 0) + 1;
    }
  }
  const fps = [...flagged].filter((k) => !labelled.has(k));
  const counts = { fpAfterShift: 0, fpOnHoliday: 0, fpAfterHoliday: 0, fpAfterEvent: 0, fpOther: 0 };
  for (const k of fps) {
    const [warehouse, day] = k.split('|');
    if (afterShift.has(k)) counts.fpAfterShift++;
    else if (onHoliday({ warehouse, day })) counts.fpOnHoliday++;
    else if (afterHoliday.has(k)) counts.fpAfterHoliday++;
    else if (afterEvent.has(k)) counts.fpAfterEvent++;
    else counts.fpOther++;
  }
  const warehouseDays = data.series.size * eachDay(from, to).length;
  return {
    ...quality,
    flaggedShare: quality.flagged / warehouseDays,
    recallByKind,
    recallBySize,
    alertedRecall: {
      directions: run.directions,
      ...alerted,
      recall: alerted.events === 0 ? null : alerted.caught / alerted.events,
    },
    falsePositives: fps.length,
    ...counts,
    ...(missedBy ? { missedBy } : {}),
  };
}

/** A share as a percentage, '-' when there is none. */
export const pct = (x: number | null, digits = 1) => (x === null ? '-' : `${(100 * x).toFixed(digits)} %`);

/** A plain-text table: first column left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

/** Print one data set's tables to stdout: overview, recall by kind and size, false positives, per-method lines. */
export function printResults(title: string, runs: { run: MethodRun; quality: Evaluation }[]): void {
  process.stdout.write(`\n${title}\n`);
  const main = runs.map(({ run, quality: q }) => [
    run.method,
    run.seconds === null ? '-' : run.seconds.toFixed(run.seconds < 10 ? 2 : 1),
    String(q.flagged),
    pct(q.flaggedShare, 2),
    pct(q.precision),
    `${pct(q.eventRecall)} (${q.eventsCaught}/${q.events})`,
    String(q.fpAfterShift),
  ]);
  process.stdout.write(
    `${table(['method', 'seconds', 'flags', 'flagged %', 'day precision', 'event recall', `FP ≤${AFTER_SHIFT_DAYS}d after shift`], main)}\n`,
  );
  const kinds = [...new Set(runs.flatMap((r) => Object.keys(r.quality.recallByKind)))].sort();
  const bands = [...new Set(runs.flatMap((r) => Object.keys(r.quality.recallBySize)))].sort();
  const cell = (x: Recall | undefined) => (x ? `${pct(x.caught / x.events, 0)} (${x.caught}/${x.events})` : '-');
  process.stdout.write(
    `${table(
      ['event recall by kind / size', ...kinds, ...bands],
      runs.map(({ run, quality: q }) => [
        run.method,
        ...kinds.map((k) => cell(q.recallByKind[k])),
        ...bands.map((b) => cell(q.recallBySize[b])),
      ]),
    )}\n`,
  );
  process.stdout.write(
    `${table(
      [
        'false positives by situation',
        'total',
        `≤${AFTER_SHIFT_DAYS}d after shift`,
        'on holiday',
        '≤7d after holiday',
        '≤7d after event',
        'other',
      ],
      runs.map(({ run, quality: q }) => [
        run.method,
        String(q.falsePositives),
        String(q.fpAfterShift),
        String(q.fpOnHoliday),
        String(q.fpAfterHoliday),
        String(q.fpAfterEvent),
        String(q.fpOther),
      ]),
    )}\n`,
  );
  for (const { run, quality: q } of runs) {
    const a = q.alertedRecall;
    process.stdout.write(
      `${run.method}: event recall for the alerted directions (${a.directions}): ${pct(a.recall)} (${a.caught}/${a.events})\n`,
    );
  }
  for (const { run, quality: q } of runs) {
    if (!q.missedBy) continue;
    const reasons = Object.entries(q.missedBy).sort((x, y) => y[1] - x[1]);
    process.stdout.write(
      `${run.method}: missed events stopped by ${reasons.map(([r, n]) => `${r} ${n}`).join(', ') || 'nothing'}\n`,
    );
  }
}

/** Share of the union of two flag sets that both agree on. */
export function jaccard(a: readonly DayRef[], b: readonly DayRef[]): number {
  const sa = new Set(a.map(key));
  const sb = new Set(b.map(key));
  const both = [...sa].filter((k) => sb.has(k)).length;
  const union = new Set([...sa, ...sb]).size;
  return union === 0 ? 1 : both / union;
}
